"""Unit tests of pipeline.dag.fingerprint: code edits change exactly the fingerprints of the code that imports them."""

from pathlib import Path

import pytest

from pipeline.config import PROJECT_ROOT
from pipeline.dag.fingerprint import code_fingerprint, file_fingerprint, import_closure

pytestmark = pytest.mark.unit

MODULES_DIR = str(PROJECT_ROOT / "modules")


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    """A package `pkg` whose entry module imports features directly and helpers transitively."""
    root = tmp_path / "pkg"
    root.mkdir()
    files = {
        "__init__.py": '"""pkg."""\n',
        "entry.py": "from pkg import features\n\ndef run_fn(args):\n    return features.KEYS\n",
        "features.py": "import os\n\nimport pkg.helpers\n\nKEYS = ['a']\n",
        "helpers.py": "from pkg.constants import VALUE\n",
        "constants.py": "VALUE = 1\n",
        "unrelated.py": "X = 1\n",
        "other_entry.py": "from pkg import unrelated\n\ndef other_fn():\n    return unrelated.X\n",
    }
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def edit(path: Path) -> None:
    path.write_text(path.read_text() + "EDITED = True\n")


def test_comments_and_formatting_keep_the_fingerprint(pkg):
    before = code_fingerprint(str(pkg), "pkg.entry.run_fn")
    for name in ("entry.py", "features.py"):
        path = pkg / name
        path.write_text("# a comment\n\n" + path.read_text().replace(" = ", "=") + "\n# another\n")
    assert code_fingerprint(str(pkg), "pkg.entry.run_fn") == before


def test_fingerprint_is_stable(pkg):
    assert code_fingerprint(str(pkg), "pkg.entry.run_fn") == code_fingerprint(str(pkg), "pkg.entry.run_fn")
    assert len(code_fingerprint(str(pkg), "pkg.entry.run_fn")) == 64


@pytest.mark.parametrize("changed", ["entry.py", "features.py", "helpers.py", "constants.py", "__init__.py"])
def test_editing_the_entry_module_or_anything_it_imports_changes_the_fingerprint(pkg, changed):
    before = code_fingerprint(str(pkg), "pkg.entry.run_fn")

    edit(pkg / changed)

    assert code_fingerprint(str(pkg), "pkg.entry.run_fn") != before


def test_editing_an_unrelated_module_keeps_the_fingerprint(pkg):
    before = code_fingerprint(str(pkg), "pkg.entry.run_fn")
    other_before = code_fingerprint(str(pkg), "pkg.other_entry.other_fn")

    edit(pkg / "unrelated.py")
    (pkg / "new_module.py").write_text("Y = 2\n")

    assert code_fingerprint(str(pkg), "pkg.entry.run_fn") == before
    assert code_fingerprint(str(pkg), "pkg.other_entry.other_fn") != other_before


def test_the_function_name_does_not_matter_only_its_module(pkg):
    assert code_fingerprint(str(pkg), "pkg.entry.run_fn") == code_fingerprint(str(pkg), "pkg.entry.tuner_fn")


def test_import_closure_follows_all_absolute_import_forms(pkg):
    closure = {path.name for path in import_closure(str(pkg), ["entry"])}

    assert closure == {"__init__.py", "entry.py", "features.py", "helpers.py", "constants.py"}


def test_import_closure_ignores_other_packages_and_missing_names(tmp_path):
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "entry.py").write_text(
        "import os\nimport pkgextra.thing\nfrom pkg import NOT_A_MODULE\nfrom tf import pkg\n"
    )
    (root / "pkg.py").write_text("")

    assert {path.name for path in import_closure(str(root), ["entry"])} == {"entry.py"}


def test_import_closure_survives_import_cycles(tmp_path):
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "a.py").write_text("from pkg import b\n")
    (root / "b.py").write_text("from pkg import a\n")

    assert {path.name for path in import_closure(str(root), ["a"])} == {"a.py", "b.py"}


@pytest.mark.parametrize("statement", ["from . import features", "from .features import KEYS"])
def test_relative_imports_are_followed(pkg, statement):
    (pkg / "entry.py").write_text(f"{statement}\n\ndef run_fn(args):\n    return None\n")
    before = code_fingerprint(str(pkg), "pkg.entry.run_fn")

    edit(pkg / "features.py")

    assert code_fingerprint(str(pkg), "pkg.entry.run_fn") != before


def test_file_fingerprint_is_the_content_hash(tmp_path):
    first, second = tmp_path / "a.pbtxt", tmp_path / "b.pbtxt"
    first.write_text("feature {}\n")
    second.write_text("feature {}\n")

    assert file_fingerprint(str(first)) == file_fingerprint(str(second))
    edit(second)
    assert file_fingerprint(str(first)) != file_fingerprint(str(second))


# ---------------------------------------------------------------- subpackages: a package laid out like modules/
