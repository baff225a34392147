"""Reads the Neptune API token from Secret Manager at run time, so no spec or log ever holds it."""

import logging
import os
from typing import Any, Optional

TOKEN_ENV = "NEPTUNE_API_TOKEN"


def read_secret(version_name: str, client: Optional[Any] = None) -> str:
    """The payload of a Secret Manager secret version, e.g. projects/p/secrets/s/versions/latest."""
    from google.api_core import exceptions
    from google.cloud import secretmanager

    client = client or secretmanager.SecretManagerServiceClient()
    try:
        response = client.access_secret_version(name=version_name)
    except exceptions.GoogleAPICallError as error:
        raise RuntimeError(f"cannot read secret {version_name}: {error.message}") from None
    return response.payload.data.decode("utf-8").strip()


def export_neptune_token(version_name: Optional[str], client: Optional[Any] = None) -> None:
    """Sets NEPTUNE_API_TOKEN from the secret, unless the environment already has a token."""
    if os.environ.get(TOKEN_ENV) or not version_name:
        return
    os.environ[TOKEN_ENV] = read_secret(version_name, client)
    logging.info("Neptune token read from Secret Manager (%s)", version_name)
