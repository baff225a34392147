"""Makes `modules` importable from a gs:// or local folder at run time (modules-only deploys)."""

import importlib
import logging
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Optional

from components import gcs_copy

PACKAGE = "modules"
_loaded_from: Optional[str] = None


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
    if uri.startswith("gs://"):
        count = gcs_copy.download_prefix(uri, target, skip=lambda relative: "__pycache__" in relative)
    else:
        count = _copy_local(uri, target)
    if not (target / "__init__.py").exists():
        raise FileNotFoundError(f"{uri} holds no {PACKAGE}/__init__.py ({count} files): is it the modules/ folder?")
    sys.path.insert(0, str(root))
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    _loaded_from = uri
    logging.info("Using %d module files from %s", count, uri)
    return target
