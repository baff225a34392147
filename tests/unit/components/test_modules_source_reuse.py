"""Modules from modules_uri: where the imported package lives, reuse of a loaded uri, and failed loads."""

import importlib
import shutil
import sys
from pathlib import Path

import pytest

from components import modules_source
from pipeline.config import PROJECT_ROOT

pytestmark = pytest.mark.unit


def _modules_entries() -> dict:
    return {name: module for name, module in sys.modules.items() if name == "modules" or name.startswith("modules.")}


@pytest.fixture
def isolated_modules(monkeypatch):
    """sys.path, the `modules*` entries of sys.modules and the loaded uri are as before after the test."""
    saved = _modules_entries()
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(modules_source, "_loaded_from", None)
    yield
    for name in _modules_entries():
        del sys.modules[name]
    sys.modules.update(saved)
    importlib.invalidate_caches()


def batch_size_copy(folder: Path, batch_size: int) -> Path:
    """A copy of the real modules/ whose BATCH_SIZE is `batch_size`."""
    copy = folder / "modules"
    shutil.copytree(PROJECT_ROOT / "modules", copy, ignore=shutil.ignore_patterns("__pycache__"))
    hparams = copy / "hparams.py"
    source = hparams.read_text()
    assert "\nBATCH_SIZE = 32\n" in source, "the copy edits the constant modules/hparams.py defines"
    hparams.write_text(source.replace("\nBATCH_SIZE = 32\n", f"\nBATCH_SIZE = {batch_size}\n"))
    return copy


def upload(bucket, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            bucket.blob(f"{prefix}/{path.relative_to(folder).as_posix()}").upload_from_filename(str(path))


def test_a_local_copy_is_imported_from_its_temporary_folder(tmp_path, isolated_modules):
    copy = batch_size_copy(tmp_path / "src", 48)

    target = modules_source.use_modules_from(str(copy))

    modules = importlib.import_module("modules")
    assert importlib.import_module("modules.hparams").BATCH_SIZE == 48
    assert Path(modules.__file__) == target / "__init__.py"
    assert sys.path[0] == str(target.parent)
    assert target.parent.name.startswith("vtx-modules-")
    assert not target.is_relative_to(copy), "the package is copied, not imported in place"
    assert modules_source._loaded_from == str(copy)


def test_a_gcs_prefix_is_imported_from_its_download(tmp_path, isolated_modules, storage_emulator):
    bucket = storage_emulator.client(project="my-proj-1").create_bucket("team-modules")
    upload(bucket, batch_size_copy(tmp_path / "src", 96), "modules/abc123")
    upload(bucket, batch_size_copy(tmp_path / "other", 1), "modules/abc1234")

    target = modules_source.use_modules_from("gs://team-modules/modules/abc123")

    modules = importlib.import_module("modules")
    assert importlib.import_module("modules.hparams").BATCH_SIZE == 96
    assert Path(modules.__file__) == target / "__init__.py"
    assert sys.path[0] == str(target.parent)
    assert (target / "schema.pbtxt").read_bytes() == (PROJECT_ROOT / "modules" / "schema.pbtxt").read_bytes()
    assert not list(target.rglob("__pycache__"))


def test_the_uri_already_loaded_is_not_fetched_again(tmp_path, isolated_modules, monkeypatch):
    copy = batch_size_copy(tmp_path / "src", 48)
    first = modules_source.use_modules_from(str(copy))
    path_after_first = list(sys.path)
    monkeypatch.setattr(modules_source, "_copy_local", lambda *args: pytest.fail("copied again"))

    again = modules_source.use_modules_from(str(copy))

    assert again == first
    assert sys.path == path_after_first
    assert importlib.import_module("modules.hparams").BATCH_SIZE == 48


def test_a_second_uri_replaces_the_first(tmp_path, isolated_modules):
    modules_source.use_modules_from(str(batch_size_copy(tmp_path / "one", 48)))
    assert importlib.import_module("modules.hparams").BATCH_SIZE == 48

    second = modules_source.use_modules_from(str(batch_size_copy(tmp_path / "two", 64)))

    assert importlib.import_module("modules.hparams").BATCH_SIZE == 64
    assert Path(importlib.import_module("modules").__file__).parent == second


def test_a_gcs_prefix_without_the_package_names_the_uri(isolated_modules, storage_emulator):
    bucket = storage_emulator.client(project="my-proj-1").create_bucket("team-modules")
    bucket.blob("modules/abc123/hparams.py").upload_from_string("BATCH_SIZE = 1\n")
    path_before = list(sys.path)

    with pytest.raises(
        FileNotFoundError, match=r"gs://team-modules/modules/abc123/ holds no modules/__init__.py \(1 files\)"
    ):
        modules_source.use_modules_from("gs://team-modules/modules/abc123/")

    assert sys.path == path_before
    assert modules_source._loaded_from is None
    assert importlib.import_module("modules.hparams").BATCH_SIZE == 32


def test_an_empty_gcs_prefix_names_the_uri(isolated_modules, storage_emulator):
    storage_emulator.client(project="my-proj-1").create_bucket("team-modules")

    with pytest.raises(
        FileNotFoundError, match=r"gs://team-modules/nothing-here holds no modules/__init__.py \(0 files\)"
    ):
        modules_source.use_modules_from("gs://team-modules/nothing-here")


def test_a_missing_local_folder_leaves_the_real_package(tmp_path, isolated_modules):
    with pytest.raises(FileNotFoundError, match=f"modules folder {tmp_path / 'gone'} does not exist"):
        modules_source.use_modules_from(str(tmp_path / "gone"))

    assert modules_source._loaded_from is None
    assert Path(importlib.import_module("modules").__file__).parent == PROJECT_ROOT / "modules"


def test_afterwards_the_real_package_is_imported_again():
    """Runs last in this file: the fixture undid what the tests above loaded."""
    import modules.hparams

    assert Path(modules.__file__).parent == PROJECT_ROOT / "modules"
    assert modules.hparams.BATCH_SIZE == 32
