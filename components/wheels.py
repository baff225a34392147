"""Content-addressed wheels of code that Beam workers install at start (`--extra_package`).

A wheel lands in `<out>/<sha256 of its sources>/`, so the same code always has the same path: the Beam flags,
and with them TFX's cache key, change only when the code does.
"""

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, Optional, Tuple

# Never part of a wheel, and never part of its address.
IGNORED = ("__pycache__", "*.pyc", "*.pyo", "*.egg-info", "build", "dist")


class WheelError(RuntimeError):
    """A wheel could not be built; the message says which and why, in one line."""


def _files(root: Path, names: Iterable[str]) -> Iterator[Tuple[str, Path]]:
    for name in names:
        path = root / name
        candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in candidates:
            relative = file.relative_to(root)
            if any(relative.match(pattern) or pattern in relative.parts for pattern in IGNORED):
                continue
            yield relative.as_posix(), file


def sources_digest(root: Path, names: Iterable[str]) -> str:
    """sha256 over the relative path and bytes of every file under `names` (files or folders) of `root`."""
    digest = hashlib.sha256()
    for relative, file in sorted(_files(root, names)):
        digest.update(relative.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def _copy(root: Path, names: Iterable[str], target: Path) -> None:
    for relative, file in _files(root, names):
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, target / relative)


def _uv() -> Optional[str]:
    """uv beside this interpreter (the project's venv), else on the PATH."""
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.is_file() else shutil.which("uv")


def _build_command(source: Path, out: Path) -> list:
    # No build isolation: the build backend is the locked setuptools of this environment, so no index is needed.
    uv = _uv()
    if uv:
        return [uv, "build", "--wheel", "--no-build-isolation", "--python", sys.executable, "--out-dir", str(out)]
    # The pipeline image has no uv on its PATH; pip is one of the locked packages.
    return [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        str(out),
        ".",
    ]


def build_wheel(root: Path, names: Iterable[str], out: Path, pyproject: Optional[str] = None) -> Path:
    """The wheel of `names` under `root` (with root's pyproject.toml, or `pyproject`), built once per content."""
    names = list(names) + ([] if pyproject else ["pyproject.toml"])
    digest = sources_digest(root, names) if not pyproject else _with_text(sources_digest(root, names), pyproject)
    folder = out / digest[:32]
    built = sorted(folder.glob("*.whl")) if folder.is_dir() else []
    if built:
        return built[0]
    with tempfile.TemporaryDirectory(prefix="vtx-wheel-") as tmp:
        source, staging = Path(tmp) / "src", Path(tmp) / "dist"
        source.mkdir()
        _copy(root, names, source)
        if pyproject:
            (source / "pyproject.toml").write_text(pyproject)
        done = subprocess.run(_build_command(source, staging), cwd=source, capture_output=True, text=True)
        wheels = sorted(staging.glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no wheel was written"]
            raise WheelError(f"cannot build the wheel of {root}: {last[0]}")
        folder.mkdir(parents=True, exist_ok=True)
        # Moved in whole, so a reader never sees half a wheel at its content address.
        partial = folder / (wheels[0].name + ".partial")
        shutil.copy2(wheels[0], partial)
        partial.replace(folder / wheels[0].name)
        return folder / wheels[0].name


def _with_text(digest: str, text: str) -> str:
    return hashlib.sha256(digest.encode() + b"\0" + text.encode()).hexdigest()


PROJECT_SOURCES = ("pipeline", "components", "modules", "README.md")
MODULES_PACKAGE = "modules"
# The modules of a modules-only deploy, as a distribution of their own: a worker that has the project's image
# installs it over the image's copy (pip puts it in site-packages, ahead of the image's editable install).
_MODULES_PYPROJECT = """\
[project]
name = "vertex-tfx-modules"
version = "0+{version}"
description = "The modules/ of a modules-only deploy of vertex-tfx"

[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[tool.setuptools.packages.find]
include = ["modules*"]

[tool.setuptools.package-data]
"*" = ["*"]
"""


def project_wheel(project_root: Path, out: Path) -> Path:
    """The wheel of this project (pipeline, components, modules), as `uv build` makes it from pyproject.toml."""
    return build_wheel(project_root, PROJECT_SOURCES, out)


def modules_wheel(parent: Path, out: Path) -> Path:
    """The wheel of the `modules` package found in `parent` (where a modules-only deploy was downloaded to)."""
    version = sources_digest(parent, [MODULES_PACKAGE])[:16]
    return build_wheel(parent, [MODULES_PACKAGE], out, _MODULES_PYPROJECT.format(version=version))
