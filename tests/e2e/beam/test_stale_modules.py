"""A modules-only deploy on remote workers: the transform graph comes from the modules the driver loaded.

The workers hold the image's copy of the project (this checkout); the driver loads a second copy of modules/
whose preprocessing_fn shifts every z-score by OFFSET. TFT builds the final graph on a worker, from
preprocessing_fn pickled by name: unless the new modules reach the worker, the graph has no shift.
"""

import json
import subprocess
import sys

import pytest

from pipeline import mlmd
from tests.builders.beam_cluster import beam_cluster
from tests.builders.pipeline_runs import PROJECT_ROOT, Run
from tests.builders.stale_modules import OFFSET, new_modules_copy

pytestmark = pytest.mark.e2e


def _uri(run: Run, node: str, key: str) -> str:
    nodes = mlmd.node_runs(mlmd.open_store(str(run.output / "metadata.sqlite")), "vertex-tfx-penguins", run.run_id)
    return nodes[node].outputs[key][0].uri


def test_the_transform_graph_comes_from_the_modules_only_copy(first_run: Run, worker_python, tmp_path):
    import tensorflow as tf
    import tensorflow_transform as tft

    modules_uri = new_modules_copy(tmp_path / "deploy")
    graph = tmp_path / "transform_graph"
    with beam_cluster(worker_python, tmp_path / "cluster", image_code=PROJECT_ROOT) as flags:
        # The workers run "the image": TFX need not package itself for them.
        spec = {
            "examples": _uri(first_run, "CsvExampleGen", "examples"),
            "schema": _uri(first_run, "SchemaGen", "schema"),
            "transform_graph": str(graph),
            "tmp": str(tmp_path / "tmp"),
            "modules_uri": str(modules_uri),
            "beam_args": [
                "--runner=PortableRunner",
                "--job_server_timeout=900",
                *flags,
                "--sdk_container_image=vertex-tfx:image",
            ],
        }
        (tmp_path / "spec.json").write_text(json.dumps(spec))
        command = [sys.executable, "-m", "tests.builders.stale_modules", str(tmp_path / "spec.json")]
        done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    raw = {"bill_length_mm": [[44.0]], "bill_depth_mm": [[17.0]], "flipper_length_mm": [[200]], "body_mass_g": [[4200]]}
    output = tft.TFTransformOutput(str(graph))
    feature_spec = output.raw_feature_spec()
    inputs = {}
    for key, spec_ in feature_spec.items():
        value = raw.get(key, [[b"Biscoe"]] if spec_.dtype == tf.string else [[0]])
        dense = tf.constant(value, dtype=spec_.dtype)
        inputs[key] = tf.sparse.from_dense(dense) if isinstance(spec_, tf.io.VarLenFeature) else dense
    transformed = output.transform_raw_features(inputs, drop_unused_features=True)
    for key in raw:
        assert float(transformed[f"{key}_xf"].numpy()[0]) > OFFSET - 10, key
    started = [json.loads(line) for line in (tmp_path / "cluster" / "pool" / "started.jsonl").read_text().splitlines()]
    # What carried them there: the wheel of the loaded modules, staged for every worker.
    assert started and all(any(n.startswith("vertex_tfx_modules-") for n in w["staged"]) for w in started), started
