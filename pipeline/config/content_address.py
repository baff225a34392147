"""Content addresses of what a modules-only deploy uploads: the same files always land in the same gs:// folder.

A folder is named by the hash of what it holds, so a spec names modules/ and the schema by their content and
never by the commit: Vertex AI's cache key (task inputs) changes exactly when a shipped file does.
`.ci/deploy_path.py --address` is a standard-library copy that Cloud Build uploads with (it runs outside the
image); tests/unit/ci/test_deploy_path.py holds the two equal.
"""

import hashlib
from pathlib import Path
from typing import List, Tuple

from pipeline.config.uri import join_uri

# The upload leaves out Python's caches (cloudbuild.yaml: --exclude), so they are no part of an address either.
NOT_SHIPPED = "__pycache__"
# Hex digits of the sha256 kept in a folder's name.
LENGTH = 16


def shipped(path: Path) -> List[Tuple[str, Path]]:
    """(name, file) of each file an upload of `path` ships, sorted: a folder's files by their path inside it."""
    if path.is_file():
        return [(path.name, path)]
    if not path.is_dir():
        raise FileNotFoundError(f"{path} does not exist, so it has no content address")
    files = (file for file in path.rglob("*") if file.is_file())
    return sorted(
        (file.relative_to(path).as_posix(), file) for file in files if NOT_SHIPPED not in file.relative_to(path).parts
    )


def address(path: Path) -> str:
    """The folder name of `path`'s upload: sha256 over each shipped file's name and the sha256 of its bytes."""
    digest = hashlib.sha256()
    for name, file in shipped(path):
        digest.update(f"{name}\0{hashlib.sha256(file.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()[:LENGTH]


def location(store: str, path: Path) -> str:
    """Where `path` is under the store: a folder at <store>/<address>/, a file at <store>/<address>/<its name>."""
    folder = join_uri(store, address(path))
    return join_uri(folder, path.name) if path.is_file() else folder + "/"
