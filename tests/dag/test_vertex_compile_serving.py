"""DAG tests of the serving choice in `vtx compile`: the pusher's container spec, what the Trainer exports as
serving_default and which signature the Evaluator calls; a prebuilt option without a container is one line."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.dag import serving_container
from tests.builders.vertex_settings import IMAGE, REQUIRED

pytestmark = pytest.mark.dag


def compile_command(out: Path, *extra: str):
    args = ["compile", "--profile", "vertex", "--out", str(out), "--set", f"output_root={out.parent}"]
    for item in [*REQUIRED, *extra]:
        args += ["--set", item]
    return CliRunner().invoke(main, args)


def constant(spec: dict, task: str, key: str):
    return spec["pipelineSpec"]["root"]["dag"]["tasks"][task]["inputs"]["parameters"][key]["runtimeValue"]["constant"]


def test_by_default_the_pusher_uploads_vtx_serve_and_the_evaluator_calls_serving_default(tmp_path):
    done = compile_command(tmp_path / "pipeline.json")
    assert done.exit_code == 0, done.output
    spec = json.loads((tmp_path / "pipeline.json").read_text())

    container = json.loads(constant(spec, "Pusher", "serving_container"))
    assert container["imageUri"] == IMAGE and container["command"] == ["vtx", "serve"]
    assert (container["predictRoute"], container["healthRoute"], container["ports"]) == (
        "/predict",
        "/ready",
        [{"containerPort": 8080}],
    )
    assert "serving_default_inputs" not in json.loads(constant(spec, "Trainer", "custom_config"))
    assert json.loads(constant(spec, "Evaluator", "eval_config"))["model_specs"][0]["signature_name"] == (
        "serving_default"
    )


def test_prebuilt_without_a_container_for_this_tf_is_refused_in_one_line_and_nothing_is_written(tmp_path):
    out = tmp_path / "spec" / "pipeline.json"

    done = compile_command(out, "vertex.pusher.serving=prebuilt")

    assert done.exit_code == 2
    assert done.output.strip().splitlines() == [
        "Error: vertex.pusher.serving is prebuilt, but Vertex AI has no prebuilt TensorFlow 2.16 prediction container"
        f" (google-cloud-aiplatform lists TensorFlow {', '.join(serving_container.prebuilt_versions())});"
        " set vertex.pusher.serving to custom"
    ]
    assert not out.parent.exists()


def test_prebuilt_for_a_tf_with_a_container_exports_raw_features_as_serving_default(tmp_path, monkeypatch):
    """As if the lock pinned TF 2.15: the Trainer exports serving_default for JSON instances, the Evaluator moves."""
    monkeypatch.setattr(serving_container, "installed_tensorflow", lambda: "2.15")

    done = compile_command(tmp_path / "pipeline.json", "vertex.pusher.serving=prebuilt")
    assert done.exit_code == 0, done.output
    spec = json.loads((tmp_path / "pipeline.json").read_text())

    assert json.loads(constant(spec, "Pusher", "serving_container")) == {
        "imageUri": "europe-docker.pkg.dev/vertex-ai/prediction/tf2-cpu.2-15:latest"
    }
    assert json.loads(constant(spec, "Trainer", "custom_config"))["serving_default_inputs"] == "raw"
    assert json.loads(constant(spec, "Evaluator", "eval_config"))["model_specs"][0]["signature_name"] == (
        "serving_examples"
    )
