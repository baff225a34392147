"""Fingerprints across subpackages: an edit under modules/runtime/ re-runs exactly the components that import it."""

from pathlib import Path

import pytest

from pipeline.config import PROJECT_ROOT
from pipeline.dag.fingerprint import code_fingerprint, import_closure
from tests.unit.pipeline.dag.test_dag_fingerprint import edit

pytestmark = pytest.mark.unit

MODULES_DIR = str(PROJECT_ROOT / "modules")


# Each import form the resolver must follow appears once; "# via" says which edge of the closure it is.
LAYERED_FILES = {
    "__init__.py": '"""pkg."""\n',
    "features.py": "KEYS = ['a']\n",
    "hparams.py": "SEED = 7\n",
    "preprocessing.py": (
        "from pkg import features\n"
        "from pkg.runtime import text  # via: from package import submodule\n\n"
        "def preprocessing_fn(inputs):\n    return text.clean(features.KEYS)\n"
    ),
    "model.py": (
        "import keras_tuner\n\n"
        "from pkg.runtime import data  # via: from package import submodule\n"
        "from pkg.runtime.export import save  # via: from submodule import name\n"
        "import pkg.runtime.training  # via: import dotted submodule\n"
        "from .runtime import tuning  # via: relative from the package root\n"
        "from pkg.runtime import NOT_A_MODULE  # a name of runtime/__init__.py, no file\n\n"
        "def run_fn(args):\n    return save(data, pkg.runtime.training, tuning)\n\n"
        "def tuner_fn(args):\n    return None\n"
    ),
    "runtime/__init__.py": '"""Plumbing."""\nNOT_A_MODULE = 1\n',
    "runtime/data.py": "from .. import features  # via: from parent import module\n",
    "runtime/export.py": "from . import signatures  # via: from own package import module\ndef save(*a):\n    pass\n",
    "runtime/signatures.py": "from .naming import NAMES  # via: from sibling module import name\n",
    "runtime/naming.py": "NAMES = ['serving_default']\n",
    "runtime/training.py": "from pkg.runtime.nested.deep import DEPTH  # via: two packages down\n",
    "runtime/nested/__init__.py": "",
    "runtime/nested/deep.py": "DEPTH = 2\n",
    "runtime/tuning.py": "from ..hparams import SEED  # via: from parent module import name\nfrom ... import nothing\n",
    "runtime/text.py": "def clean(keys):\n    return keys\n",
    "runtime/unused.py": "from pkg import model\n",
}
TRAINER_ONLY = [
    "model.py",
    "hparams.py",
    "runtime/data.py",
    "runtime/export.py",
    "runtime/signatures.py",
    "runtime/naming.py",
    "runtime/training.py",
    "runtime/nested/__init__.py",
    "runtime/nested/deep.py",
    "runtime/tuning.py",
]
TRANSFORM_ONLY = ["preprocessing.py", "runtime/text.py"]
SHARED = ["__init__.py", "features.py", "runtime/__init__.py"]
TRAINER = "pkg.model.run_fn"
TRANSFORM = "pkg.preprocessing.preprocessing_fn"


@pytest.fixture
def layered(tmp_path: Path) -> Path:
    """A package `pkg` with user code at the top and plumbing in `pkg/runtime/` (and `pkg/runtime/nested/`)."""
    root = tmp_path / "pkg"
    for name, text in LAYERED_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def closure_of(root: Path, *entry_modules: str) -> set:
    return {path.relative_to(root).as_posix() for path in import_closure(str(root), entry_modules)}


def fingerprints(root: Path) -> dict:
    return {"trainer": code_fingerprint(str(root), TRAINER), "transform": code_fingerprint(str(root), TRANSFORM)}


def test_the_closures_follow_every_import_form_into_subpackages(layered):
    assert closure_of(layered, "model") == set(TRAINER_ONLY) | {"__init__.py", "features.py", "runtime/__init__.py"}
    assert closure_of(layered, "preprocessing") == set(TRANSFORM_ONLY) | set(SHARED)
    assert set(TRAINER_ONLY + TRANSFORM_ONLY + SHARED) == set(LAYERED_FILES) - {"runtime/unused.py"}


def test_an_entry_module_inside_a_subpackage_brings_its_packages(layered):
    assert closure_of(layered, "runtime.export") == {
        "__init__.py",
        "runtime/__init__.py",
        "runtime/export.py",
        "runtime/signatures.py",
        "runtime/naming.py",
    }
    assert code_fingerprint(str(layered), "pkg.runtime.export.save") != fingerprints(layered)["trainer"]


RERUNS = (
    [(name, {"trainer"}) for name in TRAINER_ONLY]
    + [(name, {"transform"}) for name in TRANSFORM_ONLY]
    + [(name, {"trainer", "transform"}) for name in SHARED]
    + [("runtime/unused.py", set())]
)


@pytest.mark.parametrize(("changed", "reruns"), RERUNS, ids=[name for name, _ in RERUNS])
def test_an_edit_reruns_exactly_the_components_whose_entry_module_imports_it(layered, changed, reruns):
    before = fingerprints(layered)

    edit(layered / changed)

    after = fingerprints(layered)
    assert {component for component in before if after[component] != before[component]} == reruns


def test_new_runtime_files_rerun_nothing(layered):
    before = fingerprints(layered)

    (layered / "runtime" / "brand_new.py").write_text("Z = 3\n")
    (layered / "runtime" / "nested" / "also_new.py").write_text("Z = 4\n")

    assert fingerprints(layered) == before


def test_a_new_import_of_a_runtime_module_pulls_it_in(layered):
    before = fingerprints(layered)
    preprocessing = layered / "preprocessing.py"
    preprocessing.write_text("from .runtime import unused\n" + preprocessing.read_text())

    assert "runtime/unused.py" in closure_of(layered, "preprocessing")
    after = fingerprints(layered)
    assert after["transform"] != before["transform"]
    assert after["trainer"] == before["trainer"]


def test_a_subpackage_init_is_read_before_a_module_of_the_same_name(layered):
    # Python imports pkg/runtime/ (the package), never a pkg/runtime.py next to it.
    (layered / "runtime.py").write_text("SHADOWED = True\n")

    assert "runtime.py" not in closure_of(layered, "model")


def test_relative_imports_above_the_package_root_are_ignored(layered):
    (layered / "features.py").write_text("from .. import outside\nfrom ...far import away\nKEYS = []\n")
    (layered.parent / "outside.py").write_text("X = 1\n")

    assert closure_of(layered, "preprocessing") == set(TRANSFORM_ONLY) | set(SHARED)


# ---------------------------------------------------------------- the real modules/ package


def test_real_preprocessing_and_model_fingerprints_differ():
    preprocessing = code_fingerprint(MODULES_DIR, "modules.preprocessing.preprocessing_fn")
    run_fn = code_fingerprint(MODULES_DIR, "modules.model.run_fn")

    assert preprocessing != run_fn
    assert code_fingerprint(MODULES_DIR, "modules.model.tuner_fn") == run_fn


def test_real_preprocessing_closure_excludes_the_model_code():
    closure = {path.name for path in import_closure(MODULES_DIR, ["preprocessing"])}

    assert {"preprocessing.py", "features.py", "__init__.py"} <= closure
    assert not closure & {"model.py", "hparams.py", "tuning.py", "tracking.py", "serving.py"}


def test_real_model_closure_follows_the_model_imports_within_modules():
    closure = import_closure(MODULES_DIR, ["model"])

    assert {"model.py", "features.py", "__init__.py"} <= {path.name for path in closure}
    # Within modules/, and since the plumbing moved to modules/runtime/, also below it.
    assert all(path.is_relative_to(Path(MODULES_DIR)) for path in closure)


def test_real_closures_split_at_the_runtime_package():
    model = {path.relative_to(MODULES_DIR).as_posix() for path in import_closure(MODULES_DIR, ["model"])}
    preprocessing = {
        path.relative_to(MODULES_DIR).as_posix() for path in import_closure(MODULES_DIR, ["preprocessing"])
    }

    assert model == {
        "__init__.py",
        "model.py",
        "features.py",
        "hparams.py",
        "runtime/__init__.py",
        "runtime/data.py",
        "runtime/determinism.py",
        "runtime/export.py",
        # Every tracking backend: a change to any of them re-runs the Tuner and Trainer that use one.
        "runtime/tracking/__init__.py",
        "runtime/tracking/base.py",
        "runtime/tracking/context.py",
        "runtime/tracking/guard.py",
        "runtime/tracking/keras.py",
        "runtime/tracking/mlflow_store.py",
        "runtime/tracking/neptune_server.py",
        "runtime/tracking/off.py",
        "runtime/tracking/relay.py",
        "runtime/tracking/vertex_experiments.py",
        "runtime/training.py",
        "runtime/tuning.py",
    }
    # Transform follows the date parts into runtime/, and no other file there.
    assert preprocessing == {
        "__init__.py",
        "preprocessing.py",
        "features.py",
        "runtime/__init__.py",
        "runtime/dates.py",
    }
