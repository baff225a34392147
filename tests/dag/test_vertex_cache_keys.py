"""DAG tests of what enters Vertex AI's cache keys: a commit alone changes no task, a module or the schema only theirs.

Vertex AI reuses a task's outputs when its component spec, input artifacts, parameter values and container are
those of an earlier run. So two compiles that should cache are compared whole, and a change is traced to the
tasks whose spec, inputs or executor it touches.
"""

import json
import shutil
from pathlib import Path
from typing import Callable, Dict, Set

import pytest

from pipeline.cli import common
from pipeline.config import PROJECT_ROOT
from tests.dag.test_vertex_compile import MODULES_URI, compile_spec, tasks

pytestmark = pytest.mark.dag

# Every node, and the ones downstream of the schema (the DAG of pipeline/dag/factory.py).
UPSTREAM_OF_SCHEMA = {"CsvExampleGen", "StatisticsGen"}


@pytest.fixture(scope="module")
def compile_at(offline, tmp_path_factory) -> Callable[..., dict]:
    """Compiles with modules/ from `--modules-uri`, as if HEAD were `commit`, with `modules` as the package."""

    def run(commit: str, modules: Path = PROJECT_ROOT / "modules", *extra: str) -> dict:
        patch = pytest.MonkeyPatch()
        patch.setattr(common, "git_commit", lambda: commit)
        patch.setenv("VTX_GIT_COMMIT", commit)
        patch.setenv("COMMIT_SHA", commit)
        try:
            paths = ["--set", f"modules.package_dir={modules}", "--set", f"schema_path={modules / 'schema.pbtxt'}"]
            return compile_spec(tmp_path_factory.mktemp("commit"), *paths, *extra)
        finally:
            patch.undo()

    return run


def text(spec: dict) -> str:
    return json.dumps(spec, indent=2, sort_keys=True)


def changed_tasks(before: dict, after: dict) -> Set[str]:
    """The tasks whose cache key differs: their task spec (inputs), component spec or executor (container)."""
    old, new = before["pipelineSpec"], after["pipelineSpec"]
    changed = set()
    for name, task in tasks(before).items():
        ref = task["componentRef"]["name"]
        label = old["components"][ref].get("executorLabel")
        executors: Dict[str, dict] = old["deploymentSpec"]["executors"]
        if (
            task != tasks(after)[name]
            or old["components"][ref] != new["components"][ref]
            or executors.get(label) != new["deploymentSpec"]["executors"].get(label)
        ):
            changed.add(name)
    # Nothing but tasks may differ: not the root's parameters, not the job's runtime config.
    rest = {key: value for key, value in old.items() if key not in ("components", "deploymentSpec", "root")}
    assert rest == {key: value for key, value in new.items() if key not in ("components", "deploymentSpec", "root")}
    assert before["runtimeConfig"] == after["runtimeConfig"]
    return changed


@pytest.fixture
def modules_copy(tmp_path) -> Path:
    target = tmp_path / "modules"
    shutil.copytree(PROJECT_ROOT / "modules", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture(scope="module")
def at_first_commit(compile_at) -> dict:
    return compile_at("1" * 40, PROJECT_ROOT / "modules", "--modules-uri", MODULES_URI)


@pytest.mark.parametrize("modules_uri", [MODULES_URI, None], ids=["modules-only", "baked"])
def test_two_commits_that_change_neither_modules_nor_schema_compile_to_the_same_spec(compile_at, modules_uri):
    extra = ["--modules-uri", modules_uri] if modules_uri else []
    first = compile_at("1" * 40, PROJECT_ROOT / "modules", *extra)
    second = compile_at("2" * 40, PROJECT_ROOT / "modules", *extra)

    assert text(first) == text(second)
    assert "1111111" not in text(first) and "2222222" not in text(second)


def test_a_changed_module_changes_only_the_tasks_that_read_modules(compile_at, at_first_commit, modules_copy):
    model = modules_copy / "model.py"
    model.write_text(model.read_text() + "\n# A change of the data scientist's.\n")
    changed = compile_at("2" * 40, modules_copy, "--modules-uri", MODULES_URI)

    assert changed_tasks(at_first_commit, changed) == {"Transform", "Tuner", "Trainer"}
    transform = tasks(changed)["Transform"]["inputs"]["parameters"]["custom_config"]
    assert MODULES_URI in json.dumps(transform) and json.dumps(transform) != json.dumps(
        tasks(at_first_commit)["Transform"]["inputs"]["parameters"]["custom_config"]
    )


def test_a_changed_schema_changes_only_schema_gen_and_what_follows_it(compile_at, at_first_commit, modules_copy):
    schema = modules_copy / "schema.pbtxt"
    schema.write_text(schema.read_text() + "\n# Reviewed again.\n")
    changed = compile_at("2" * 40, modules_copy, "--modules-uri", MODULES_URI)

    found = changed_tasks(at_first_commit, changed)
    assert "SchemaGen" in found
    assert not found & UPSTREAM_OF_SCHEMA
    # modules/ holds the schema, so the tasks that read modules/ see it too; they follow SchemaGen anyway.
    assert found == {"SchemaGen", "Transform", "Tuner", "Trainer"}
