"""Copies every object under a gs:// prefix into a local folder (google-cloud-storage)."""

from pathlib import Path
from typing import Callable, Optional


def download_prefix(uri: str, target: Path, skip: Optional[Callable[[str], bool]] = None) -> int:
    """Downloads the objects under `uri` to `target`, keeping their relative paths; returns how many."""
    from google.cloud import storage  # type: ignore[attr-defined,unused-ignore] # only gs:// inputs need it

    bucket_name, _, prefix = uri[len("gs://") :].partition("/")
    prefix = prefix.rstrip("/") + "/" if prefix else ""
    count = 0
    for blob in storage.Client().list_blobs(bucket_name, prefix=prefix):
        relative = blob.name[len(prefix) :]
        if not relative or relative.endswith("/") or (skip and skip(relative)):
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        blob.download_to_filename(str(destination))
        count += 1
    return count
