"""Joins of local paths and URIs (gs://...) that keep a URI's `//`, which a filesystem path join collapses."""

import posixpath
from pathlib import Path

SCHEME = "://"


def is_uri(location: str) -> bool:
    return SCHEME in location


def is_gcs(location: str) -> bool:
    return location.startswith("gs://")


def join_uri(base: str, *parts: str) -> str:
    """`base` joined with `parts`: gs://b/x + y -> gs://b/x/y; a local base is joined as a path."""
    if not is_uri(base):
        return str(Path(base).joinpath(*parts))
    scheme, _, rest = base.partition(SCHEME)
    return f"{scheme}{SCHEME}" + posixpath.join(rest.rstrip("/"), *(part.strip("/") for part in parts))
