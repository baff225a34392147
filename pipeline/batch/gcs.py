"""A gs://bucket/prefix as a batch location, through google-cloud-storage.

An object appears only when its upload completes, so an upload is the atomic publish. Deletes and copies
carry the generation that was predicted as a precondition: a file dropped again under the same name meanwhile
is left alone.
"""

import contextlib
import os
import uuid
from pathlib import Path
from typing import Iterator, List

from google.api_core import exceptions

from pipeline.batch.locations import Item, LocationError, crc32c_hex_of_base64, is_input


class GcsPrefix:
    def __init__(self, uri: str):
        from google.cloud import storage  # type: ignore[attr-defined,unused-ignore]

        bucket, _, prefix = uri[len("gs://") :].partition("/")
        if not bucket:
            raise LocationError(f"{uri} names no bucket; write gs://BUCKET/PREFIX")
        self.uri = uri.rstrip("/")
        self._prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._client = storage.Client()
        self._bucket = self._client.bucket(bucket)

    def _key(self, name: str) -> str:
        return self._prefix + name

    def inputs(self, skip: str) -> List[str]:
        try:
            blobs = list(self._client.list_blobs(self._bucket, prefix=self._prefix))
        except exceptions.NotFound:
            raise LocationError(f"bucket {self._bucket.name} does not exist (input {self.uri})") from None
        names = [blob.name[len(self._prefix) :] for blob in blobs]
        skipped = skip.strip("/") + "/"
        return sorted(n for n in names if is_input(n) and not n.startswith(skipped) and "/." not in "/" + n)

    def describe(self, name: str) -> Item:
        blob = self._bucket.get_blob(self._key(name))
        if blob is None:
            raise FileNotFoundError(f"{self.uri}/{name}")
        return Item(name, crc32c_hex_of_base64(blob.crc32c), (blob.generation,))

    def exists(self, name: str) -> bool:
        return self._bucket.blob(self._key(name)).exists()

    @contextlib.contextmanager
    def local_copy(self, item: Item, workdir: Path) -> Iterator[Path]:
        """The object downloaded to the work folder (its checksum checked by the client), removed afterwards."""
        path = workdir / f"input-{uuid.uuid4().hex}"
        blob = self._bucket.blob(self._key(item.name), generation=item.identity[0])
        try:
            blob.download_to_filename(str(path), checksum="crc32c")
            yield path
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    def staging(self, name: str, workdir: Path) -> Path:
        return workdir / f"output-{uuid.uuid4().hex}"

    def publish(self, staged: Path, name: str) -> None:
        self._bucket.blob(self._key(name)).upload_from_filename(str(staged), checksum="crc32c")
        os.unlink(staged)

    def remove(self, item: Item) -> bool:
        try:
            self._bucket.delete_blob(self._key(item.name), if_generation_match=item.identity[0])
        except (exceptions.NotFound, exceptions.PreconditionFailed):
            return False
        return True

    def move(self, item: Item, name: str) -> bool:
        source = self._bucket.blob(self._key(item.name))
        try:
            self._bucket.copy_blob(source, self._bucket, self._key(name), source_generation=item.identity[0])
        except exceptions.NotFound:
            return False
        return self.remove(item)

    def clean_stale(self) -> int:
        """Nothing to clean: an unfinished upload never becomes an object."""
        return 0
