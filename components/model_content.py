"""A SavedModel's content hash, and the pushed version that already holds the same model, if any.

Re-evaluating a model (new slices, new bars) re-runs the Evaluator and so the Pusher; the model itself is the
same bytes, and pushing it again would make a new version of nothing new.
"""

import hashlib
import os
from typing import List, Optional

from tfx.dsl.io import fileio


def content_hash(directory: str) -> str:
    """sha256 over every file of a directory tree: its path relative to the tree and its bytes."""
    digest = hashlib.sha256()
    paths: List[str] = []
    for root, _, names in fileio.walk(directory):
        paths += [os.path.join(str(root), str(name)) for name in names]
    for path in sorted(paths):
        relative = os.path.relpath(path, directory)
        digest.update(f"{len(relative)}:{relative}".encode())
        with fileio.open(path, "rb") as handle:
            data = handle.read()
        digest.update(f"{len(data)}:".encode() + data)
    return digest.hexdigest()


def same_version(model_dir: str, base_directory: str) -> Optional[str]:
    """The newest version under `base_directory` whose files are those of `model_dir`; None if there is none."""
    if not fileio.exists(base_directory):
        return None
    names = [str(name).rstrip("/") for name in fileio.listdir(base_directory)]
    versions = sorted(
        (name for name in names if name.isdigit()),
        key=int,
        reverse=True,
    )
    wanted = content_hash(model_dir)
    for version in versions:
        path = os.path.join(base_directory, version)
        complete = fileio.isdir(path) and fileio.exists(os.path.join(path, "saved_model.pb"))
        if complete and content_hash(path) == wanted:
            return version
    return None
