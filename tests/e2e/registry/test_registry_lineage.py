"""The local registry on a real run: the pushed version's run, data fingerprint, blessing and Evaluator metrics."""

import re

import pytest

from pipeline import mlmd
from pipeline.registry.local import LocalRegistry
from tests.builders.pipeline_runs import Run, serving_versions

pytestmark = pytest.mark.e2e


def test_the_pushed_version_carries_the_lineage_ml_metadata_recorded(first_run: Run, registry_root, vtx_command):
    registry = LocalRegistry(str(registry_root / "serving_model" / "penguins"), str(registry_root / "metadata.sqlite"))
    [version] = registry.list()
    assert [version.version] == serving_versions(first_run.output)
    assert version.pipeline_run == first_run.run_id
    store = mlmd.open_store(str(first_run.output / "metadata.sqlite"))
    run = store.get_context_by_type_and_name("pipeline_run", first_run.run_id)
    assert version.data_fingerprint == mlmd.run_facts(run)["data_fingerprint"]
    assert version.blessed and version.aliases == ("production", "staging", "latest")
    printed = re.search(r"^  accuracy\s+([\d.]+)\s+threshold", first_run.stdout, re.MULTILINE)
    assert printed, first_run.stdout
    assert round(version.metrics["accuracy"], 3) == float(printed.group(1))
    assert version.metrics["example_count"] > 0
    assert re.search(
        rf"^{version.version}\s.*production,staging,latest\s+yes\s+.*accuracy=", vtx_command(registry_root), re.M
    )


@pytest.fixture
def vtx_command():
    import subprocess
    import sys
    from pathlib import Path

    def run(root) -> str:
        vtx = str(Path(sys.executable).parent / "vtx")
        done = subprocess.run([vtx, "registry", "list", "--output", str(root)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run
