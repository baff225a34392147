"""Opens the place a batch reads from or writes to: a local folder or a gs:// prefix, as a Location."""

from pathlib import Path

from pipeline.batch.gcs import GcsPrefix
from pipeline.batch.locations import LocalFolder, Location, LocationError


def open_location(uri: str) -> Location:
    """A gs://bucket/prefix or a local folder."""
    if uri.startswith("gs://"):
        return GcsPrefix(uri)
    if "://" in uri:
        raise LocationError(f"{uri}: only local folders and gs:// prefixes are supported")
    return LocalFolder(Path(uri).expanduser().resolve())
