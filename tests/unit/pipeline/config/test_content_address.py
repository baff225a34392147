"""Unit tests of content addresses: what changes an address, what does not, and where a folder or file goes."""

import shutil
from pathlib import Path

import pytest

from pipeline.config import PROJECT_ROOT, content_address

pytestmark = pytest.mark.unit


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "modules"
    shutil.copytree(PROJECT_ROOT / "modules", root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_the_same_files_have_the_same_address_wherever_they_are(tree):
    assert content_address.address(tree) == content_address.address(PROJECT_ROOT / "modules")
    assert len(content_address.address(tree)) == content_address.LENGTH


def test_python_caches_are_not_shipped_and_do_not_change_the_address(tree):
    before = content_address.address(tree)
    (tree / "runtime" / "__pycache__").mkdir(exist_ok=True)
    (tree / "runtime" / "__pycache__" / "tuning.cpython-310.pyc").write_bytes(b"\0compiled")

    assert content_address.address(tree) == before
    assert all("__pycache__" not in name for name, _ in content_address.shipped(tree))


@pytest.mark.parametrize(
    "change",
    [
        lambda root: (root / "model.py").write_text((root / "model.py").read_text() + "\n# a comment\n"),
        lambda root: (root / "notes.txt").write_text("a new file is shipped too"),
        lambda root: (root / "hparams.py").rename(root / "runtime" / "hparams.py"),
        lambda root: (root / "schema.pbtxt").unlink(),
    ],
    ids=["edited", "added", "moved", "removed"],
)
def test_any_change_to_a_shipped_file_changes_the_address(tree, change):
    before = content_address.address(tree)
    change(tree)
    assert content_address.address(tree) != before


def test_a_file_is_addressed_by_its_name_and_bytes_alone(tree, tmp_path):
    schema = tree / "schema.pbtxt"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(schema, elsewhere / "schema.pbtxt")
    before = content_address.address(schema)
    (tree / "model.py").write_text("changed")

    assert content_address.address(schema) == before == content_address.address(elsewhere / "schema.pbtxt")
    schema.write_text(schema.read_text() + "\n")
    assert content_address.address(schema) != before


def test_a_folder_and_a_file_have_their_own_place_under_the_store(tree):
    store = "gs://my-bucket-1/modules"
    assert content_address.location(store, tree) == f"{store}/{content_address.address(tree)}/"
    schema = tree / "schema.pbtxt"
    assert content_address.location(store + "/", schema) == f"{store}/{content_address.address(schema)}/schema.pbtxt"


def test_a_missing_path_has_no_address(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing does not exist"):
        content_address.address(tmp_path / "nothing")
