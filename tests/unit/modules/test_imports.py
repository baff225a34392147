"""Unit tests of what modules/ may import: TF, TFT, TFX's user-code API, KerasTuner, the trackers' clients, PyYAML,
itself."""

import ast
import sys
from pathlib import Path
from typing import Dict, Set

import pytest

from pipeline.config import PROJECT_ROOT

pytestmark = pytest.mark.unit

MODULES_DIR = PROJECT_ROOT / "modules"
ALLOWED = {
    "tensorflow",
    "tensorflow_transform",
    "tfx",
    "tfx_bsl",
    "keras_tuner",
    # The tracking backends' clients (modules/runtime/tracking/): MLflow, google-cloud-aiplatform, Neptune.
    "mlflow",
    "google",
    "neptune",
    "neptune_tensorflow_keras",
    # features.py reads the dataset definition, dataset.yaml.
    "yaml",
    "modules",
}


def _imports(path: Path) -> Set[str]:
    """Dotted names a file imports, relative imports made absolute."""
    package = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts[:-1])
    found: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            # `from a import b` may import the module a.b.
            found.update({module} | {f"{module}.{alias.name}" for alias in node.names})
    return found


def _by_file() -> Dict[str, Set[str]]:
    return {path.relative_to(MODULES_DIR).as_posix(): _imports(path) for path in sorted(MODULES_DIR.rglob("*.py"))}


def test_modules_imports_only_the_ml_libraries_and_itself():
    outside = {
        name: sorted(root for root in {i.split(".")[0] for i in imports} - ALLOWED - set(sys.stdlib_module_names))
        for name, imports in _by_file().items()
    }
    assert {name: roots for name, roots in outside.items() if roots} == {}


def test_runtime_reads_only_the_shared_vocabulary_of_the_user_code():
    # Plumbing that imported model.py or hparams.py would turn every knob into an edit of the plumbing.
    user = {
        name
        for path, imports in _by_file().items()
        if path.startswith("runtime/")
        for name in imports
        if name.startswith("modules.") and not name.startswith("modules.runtime")
    }
    assert user == {"modules.features"}
