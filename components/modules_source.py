"""Makes `modules` importable from a gs:// or local folder at run time (modules-only deploys)."""

import importlib
import logging
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Optional

PACKAGE = "modules"
_loaded_from: Optional[str] = None


def _download_gcs(uri: str, target: Path) -> int:
    from google.cloud import storage  # type: ignore[attr-defined] # only a modules-only deploy needs it

    bucket_name, _, prefix = uri[len("gs://") :].partition("/")
    prefix = prefix.rstrip("/") + "/" if prefix else ""
    count = 0
    for blob in storage.Client().list_blobs(bucket_name, prefix=prefix):
        relative = blob.name[len(prefix) :]
        if not relative or relative.endswith("/") or "__pycache__" in relative:
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        blob.download_to_filename(str(destination))
        count += 1
    return count


def _copy_local(folder: str, target: Path) -> int:
    source = Path(folder)
    if not source.is_dir():
        raise FileNotFoundError(f"modules folder {folder} does not exist")
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    return sum(1 for path in target.rglob("*") if path.is_file())


def use_modules_from(uri: str) -> Path:
    """Copies the `modules` package from `uri` and puts it ahead of the image's copy on sys.path."""
    global _loaded_from
    if _loaded_from == uri:
        return Path(sys.path[0]) / PACKAGE
    root = Path(tempfile.mkdtemp(prefix="vtx-modules-"))
    target = root / PACKAGE
    target.mkdir()
    count = _download_gcs(uri, target) if uri.startswith("gs://") else _copy_local(uri, target)
    if not (target / "__init__.py").exists():
        raise FileNotFoundError(f"{uri} holds no {PACKAGE}/__init__.py ({count} files): is it the modules/ folder?")
    sys.path.insert(0, str(root))
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    _loaded_from = uri
    logging.info("Using %d module files from %s", count, uri)
    return target
