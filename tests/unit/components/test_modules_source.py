"""Modules-only deploys: `modules` is loaded from a folder or a gs:// prefix ahead of the installed copy."""

import importlib
import shutil
import sys
from pathlib import Path

import pytest

from components import modules_source
from pipeline.config import PROJECT_ROOT

pytestmark = pytest.mark.unit


@pytest.fixture
def isolated_modules(monkeypatch):
    """Whatever use_modules_from does to sys.path and sys.modules is undone after the test."""
    saved = {name: module for name, module in sys.modules.items() if name == "modules" or name.startswith("modules.")}
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(modules_source, "_loaded_from", None)
    yield
    for name in [name for name in sys.modules if name == "modules" or name.startswith("modules.")]:
        del sys.modules[name]
    sys.modules.update(saved)
    importlib.invalidate_caches()


def edited_copy(tmp_path: Path) -> Path:
    """A copy of modules/ whose default learning rate is a value no release would use."""
    copy = tmp_path / "modules"
    shutil.copytree(PROJECT_ROOT / "modules", copy, ignore=shutil.ignore_patterns("__pycache__"))
    hparams = copy / "hparams.py"
    hparams.write_text(hparams.read_text() + "\nMODULES_SOURCE_MARK = 'edited copy'\n")
    return copy


def test_a_local_folder_shadows_the_installed_package(tmp_path, isolated_modules):
    importlib.import_module("modules.hparams")
    copy = edited_copy(tmp_path / "src")

    target = modules_source.use_modules_from(str(copy))

    hparams = importlib.import_module("modules.hparams")
    assert hparams.MODULES_SOURCE_MARK == "edited copy"
    assert Path(hparams.__file__).parent == target
    assert (target / "schema.pbtxt").exists()


def test_a_gcs_prefix_is_downloaded_with_the_real_client(tmp_path, isolated_modules, storage_emulator):
    bucket = storage_emulator.client().create_bucket("team-modules")
    copy = edited_copy(tmp_path / "src")
    for path in copy.rglob("*"):
        if path.is_file():
            bucket.blob(f"modules/abc123/{path.relative_to(copy).as_posix()}").upload_from_filename(str(path))
    bucket.blob("modules/other/hparams.py").upload_from_string("MODULES_SOURCE_MARK = 'wrong prefix'\n")

    target = modules_source.use_modules_from("gs://team-modules/modules/abc123/")

    assert importlib.import_module("modules.hparams").MODULES_SOURCE_MARK == "edited copy"
    assert sorted(p.name for p in target.glob("*.py")) == sorted(p.name for p in copy.glob("*.py"))


def test_a_prefix_without_the_package_names_the_uri(tmp_path, isolated_modules):
    empty = tmp_path / "not-modules"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")

    with pytest.raises(FileNotFoundError, match=f"{empty} holds no modules/__init__.py"):
        modules_source.use_modules_from(str(empty))


def test_a_missing_folder_is_named(tmp_path, isolated_modules):
    with pytest.raises(FileNotFoundError, match="does-not-exist does not exist"):
        modules_source.use_modules_from(str(tmp_path / "does-not-exist"))
