"""One clear line for what goes wrong while managing schedules: Google API errors and missing credentials."""

import contextlib
import re
from typing import Iterator

from google.api_core import exceptions


class ScheduleError(RuntimeError):
    """A schedule could not be read, created, updated or deleted; the message is meant for the terminal."""


class SettingError(ValueError):
    """A setting a schedule needs is missing or unusable; the message names the key."""


@contextlib.contextmanager
def explained(what: str, where: str, roles: str) -> Iterator[None]:
    """Turns a Google API error or missing credentials inside the block into one ScheduleError line."""
    from google.auth import exceptions as auth_exceptions

    try:
        yield
    except auth_exceptions.DefaultCredentialsError:
        raise ScheduleError(
            f"{what}: no Google credentials: run `gcloud auth application-default login`, "
            "or set GOOGLE_APPLICATION_CREDENTIALS (CI: Workload Identity Federation)"
        ) from None
    except exceptions.GoogleAPICallError as error:
        # REST errors start with "POST https://...: "; the reason is what follows.
        message = re.sub(r"^[A-Z]+ \S+: ", "", str(error.message))
        if isinstance(error, (exceptions.PermissionDenied, exceptions.Forbidden)):
            raise ScheduleError(f"{what}: permission denied in {where} (needs {roles}): {message}") from None
        if isinstance(error, exceptions.NotFound):
            raise ScheduleError(f"{what}: not found in {where} (is the API enabled?): {message}") from None
        raise ScheduleError(f"{what}: {error.code} {message}") from None
