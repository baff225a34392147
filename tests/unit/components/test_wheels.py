"""Content-addressed wheels: one path per content, a new path for new code, and the modules of a modules-only deploy."""

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from components import executors, wheels
from pipeline.config import PROJECT_ROOT

pytestmark = pytest.mark.unit


def _modules_copy(parent: Path) -> Path:
    shutil.copytree(PROJECT_ROOT / "modules", parent / "modules", ignore=shutil.ignore_patterns("__pycache__"))
    return parent


def test_the_modules_wheel_holds_every_module_file_under_its_content_address(tmp_path):
    parent = _modules_copy(tmp_path / "a")

    wheel = wheels.modules_wheel(parent, tmp_path / "out")

    assert wheel.name.startswith("vertex_tfx_modules-0+") and wheel.name.endswith("-py3-none-any.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"modules/preprocessing.py", "modules/runtime/training.py", "modules/schema.pbtxt"} <= names
    assert not [name for name in names if "__pycache__" in name]
    assert wheels.modules_wheel(parent, tmp_path / "out") == wheel


def test_changed_code_gets_a_new_address_and_the_same_code_the_same_one(tmp_path):
    first = wheels.modules_wheel(_modules_copy(tmp_path / "a"), tmp_path / "out")
    same = wheels.modules_wheel(_modules_copy(tmp_path / "b"), tmp_path / "out")
    changed_parent = _modules_copy(tmp_path / "c")
    (changed_parent / "modules" / "preprocessing.py").write_text("# changed\n", encoding="utf-8")
    (changed_parent / "modules" / "__pycache__").mkdir()
    (changed_parent / "modules" / "__pycache__" / "x.pyc").write_bytes(b"ignored")

    changed = wheels.modules_wheel(changed_parent, tmp_path / "out")

    assert same == first
    assert changed.parent != first.parent and changed.name != first.name
    assert zipfile.ZipFile(changed).read("modules/preprocessing.py") == b"# changed\n"


def test_a_failed_build_is_one_line_naming_the_folder(tmp_path):
    (tmp_path / "src" / "modules").mkdir(parents=True)
    with pytest.raises(wheels.WheelError, match=r"cannot build the wheel of .*src"):
        wheels.build_wheel(tmp_path / "src", ["modules"], tmp_path / "out", pyproject="[project\nbroken")


@pytest.mark.parametrize(
    "args, remote",
    [
        ([], False),
        (["--direct_num_workers=2"], False),
        (["--runner=DirectRunner"], False),
        (["--runner=direct"], False),
        (["--runner=DataflowRunner"], True),
        (["--runner=PortableRunner", "--job_endpoint=127.0.0.1:1"], True),
        (["--runner=FlinkRunner"], True),
    ],
)
def test_which_runners_are_remote(args, remote):
    assert executors.runs_remotely(args) is remote


def test_transform_stages_the_loaded_modules_only_for_a_modules_uri_on_remote_workers(tmp_path):
    parent = _modules_copy(tmp_path / "deploy")
    properties = {"custom_config": json.dumps({executors.MODULES_URI: str(parent / "modules")})}
    remote = ["--runner=PortableRunner", "--job_endpoint=127.0.0.1:1"]

    try:
        staged = executors.staged_modules(remote, properties)
    finally:
        executors.modules_source._loaded_from = None
        import sys

        sys.path[:] = [
            p for p in sys.path if not p.startswith(str(Path(executors.tempfile.gettempdir()) / "vtx-modules-"))
        ]
        for name in [n for n in sys.modules if n == "modules" or n.startswith("modules.")]:
            del sys.modules[name]

    assert staged[:2] == remote
    (flag,) = staged[2:]
    assert flag.startswith("--extra_package=") and "vertex_tfx_modules-0+" in flag
    assert executors.staged_modules(["--runner=DirectRunner"], properties) == ["--runner=DirectRunner"]
    assert executors.staged_modules(remote, {"custom_config": "{}"}) == remote
