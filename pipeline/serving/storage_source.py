"""The model of a Vertex AI serving container: the SavedModel under AIP_STORAGE_URI, downloaded once at start.

Through the official google-cloud-storage client, with Application Default Credentials on Vertex AI (the
serving account may read that copy), or a GCS emulator when STORAGE_EMULATOR_HOST says so.
"""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

log = logging.getLogger(__name__)
SAVED_MODEL = "saved_model.pb"


class StorageError(Exception):
    """The model cannot be downloaded (no access, no such bucket, no SavedModel there); one line says why."""


@dataclass(frozen=True)
class DownloadedModel:
    """What the model holder loads: the version Vertex AI names, and the local copy of its files."""

    version: str
    uri: str
    source: str


class StorageModelSource:
    """Resolves every alias to the one model of the container; downloads it on the first call only."""

    def __init__(self, storage_uri: str, version: str, folder: Path, client: Any = None):
        bucket, _, prefix = storage_uri[len("gs://") :].partition("/")
        self.storage_uri, self.version, self.folder = storage_uri, version, Path(folder)
        self._bucket, self._prefix = bucket, prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._client = client
        self._downloaded: Optional[DownloadedModel] = None

    def resolve(self, ref: str) -> DownloadedModel:
        if self._downloaded is None:
            self._downloaded = DownloadedModel(self.version, str(self._download()), self.storage_uri)
        return self._downloaded

    def _download(self) -> Path:
        from google.api_core import exceptions
        from google.auth import exceptions as auth_exceptions

        try:
            return self._copy()
        except exceptions.GoogleAPICallError as error:
            raise StorageError(
                f"cannot download the model from {self.storage_uri}: {error.code} {error.message}"
            ) from None
        except auth_exceptions.GoogleAuthError as error:
            raise StorageError(f"no Google credentials to read the model at {self.storage_uri}: {error}") from None

    def _copy(self) -> Path:
        from google.cloud import storage  # type: ignore[attr-defined,unused-ignore]

        client = self._client or storage.Client()
        copied = 0
        for blob in client.list_blobs(self._bucket, prefix=self._prefix):
            relative = blob.name[len(self._prefix) :]
            if not relative or relative.endswith("/"):
                continue  # a folder placeholder some tools write
            target = self.folder / relative
            if not target.resolve().is_relative_to(self.folder.resolve()):
                raise StorageError(f"{self.storage_uri} holds an object outside its folder: {blob.name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            blob.download_to_filename(str(target))
            copied += 1
        if not (self.folder / SAVED_MODEL).is_file():
            found = f"{copied} files but no {SAVED_MODEL}" if copied else "no files"
            raise StorageError(f"{self.storage_uri} holds {found}: it is not a SavedModel folder")
        log.info("downloaded %d files of %s to %s", copied, self.storage_uri, self.folder)
        return self.folder
