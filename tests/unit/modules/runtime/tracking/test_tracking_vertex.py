"""The vertex backend against the loopback Vertex AI fake: what Vertex AI Experiments stores, request by request."""

import pytest

from modules.runtime import tracking
from modules.runtime.tracking.vertex_experiments import resource_id

pytestmark = pytest.mark.unit

PROJECT, REGION = "test-project", "us-central1"
STORE = f"projects/{PROJECT}/locations/{REGION}/metadataStores/default"
EXPERIMENT = f"{STORE}/contexts/vertex-tfx-penguins"


def settings(fake, **extra) -> tracking.Settings:
    values = dict(
        backend="vertex",
        experiment="vertex-tfx-penguins",
        project=PROJECT,
        location=REGION,
        api_endpoint=fake.endpoint,
        timeout_seconds=60,
    )
    return tracking.Settings(**{**values, **extra})


def contexts(fake, schema: str) -> dict:
    return {name: c for name, c in fake.metadata.nodes["contexts"].items() if c["schemaTitle"] == schema}


def test_a_pipeline_run_is_an_experiment_run_with_its_parameters_and_metrics(vertex_fake):
    run = tracking.pipeline_run(settings(vertex_fake), "20261204-101500-123")
    run.log_params({"learning_rate": 0.003, "hidden_units": 8})
    run.log_metrics({"val_accuracy": 0.5}, step=1)
    run.log_metrics({"val_accuracy": 0.75}, step=2)
    run.set_tags({"vtx.git_commit": "0123abc"})
    run.end()

    assert list(contexts(vertex_fake, "system.Experiment")) == [EXPERIMENT]
    runs = contexts(vertex_fake, "system.ExperimentRun")
    context = runs[f"{EXPERIMENT}-20261204-101500-123"]
    assert context["parentContexts"] == [EXPERIMENT]
    params, metrics = context["metadata"]["_params"], context["metadata"]["_metrics"]
    assert params["learning_rate"] == 0.003 and params["hidden_units"] == 8
    assert params["vtx.git_commit"] == "0123abc" and params["vtx.pipeline_run_id"] == "20261204-101500-123"
    # No backing TensorBoard (a billed resource): a per-epoch metric keeps its latest value.
    assert metrics == {"val_accuracy": 0.75}
    assert context["metadata"]["_state"] == "COMPLETE"
    assert not [r for r in vertex_fake.requests if "tensorboards" in r.path]
    assert run.where()["open"].startswith(
        "https://console.cloud.google.com/vertex-ai/experiments/locations/us-central1"
    )


def test_tuner_trials_are_runs_of_the_same_experiment_naming_their_parent(vertex_fake):
    run = tracking.pipeline_run(settings(vertex_fake), "20261204-101500-123")
    trial = run.child("trial-07")
    trial.log_params({"learning_rate": 0.03})
    trial.log_metrics({"score": 0.9})
    trial.end()

    context = contexts(vertex_fake, "system.ExperimentRun")[f"{EXPERIMENT}-20261204-101500-123-trial-07"]
    assert context["parentContexts"] == [EXPERIMENT]
    assert context["metadata"]["_params"]["vtx.parent_run"] == "20261204-101500-123"
    assert context["metadata"]["_metrics"] == {"score": 0.9}


def test_the_same_run_id_resumes_the_same_experiment_run(vertex_fake):
    first = tracking.pipeline_run(settings(vertex_fake), "20261204-101500-123")
    first.log_params({"tuning.max_trials": 3})
    second = tracking.pipeline_run(settings(vertex_fake), "20261204-101500-123")
    second.log_params({"learning_rate": 0.01})

    [context] = contexts(vertex_fake, "system.ExperimentRun").values()
    assert {"tuning.max_trials", "learning_rate"} <= set(context["metadata"]["_params"])


def test_runs_are_listed_newest_first_without_the_trials(vertex_fake):
    for run_id in ("20261204-101500-123", "20261204-111500-456"):
        run = tracking.pipeline_run(settings(vertex_fake), run_id)
        run.log_params({"learning_rate": 0.01})
        run.log_metrics({"eval.accuracy": 0.97})
        run.child("trial-00").end()

    listed = tracking.list_runs(vars(settings(vertex_fake)), 10)
    assert [r["run_id"] for r in listed] == ["20261204-111500-456", "20261204-101500-123"]
    assert listed[0]["params"] == {"learning_rate": "0.01"}
    assert listed[0]["metrics"] == {"eval.accuracy": 0.97}


def test_inside_a_pipeline_job_the_job_joins_the_experiment(vertex_fake, tmp_path):
    from google.cloud import aiplatform

    vertex_fake.init_aiplatform(PROJECT, REGION)
    spec = tmp_path / "spec.json"
    spec.write_text('{"pipelineInfo": {"name": "vertex-tfx-penguins"}, "root": {}, "schemaVersion": "2.1.0"}')
    job = aiplatform.PipelineJob(
        display_name="vertex-tfx-penguins",
        template_path=str(spec),
        job_id="vertex-tfx-penguins-20261204",
        pipeline_root="gs://b/root",
    )
    # As `vtx submit` creates jobs: without PipelineJob.submit's bucket step.
    vertex_fake.script_pipeline_job(["RUNNING"], job_id="vertex-tfx-penguins-20261204")
    job.api_client.create_pipeline_job(
        parent=job._parent, pipeline_job=job._gca_resource, pipeline_job_id="vertex-tfx-penguins-20261204"
    )

    run = tracking.pipeline_run(settings(vertex_fake, pipeline_root="gs://b/root"), "vertex-tfx-penguins-20261204")
    run.end()

    assert "warning" not in run.where()
    pipeline_run = contexts(vertex_fake, "system.PipelineRun")[f"{STORE}/contexts/vertex-tfx-penguins-20261204"]
    assert pipeline_run["parentContexts"] == [EXPERIMENT]
    job_context = f"{STORE}/contexts/vertex-tfx-penguins-20261204"
    added = [r for r in vertex_fake.requests if r.path.endswith(":addContextChildren") and job_context in str(r.body)]
    assert [(r.path, r.body) for r in added] == [
        (f"/v1/{EXPERIMENT}:addContextChildren", {"childContexts": [job_context]})
    ]


def test_names_become_vertex_resource_ids():
    assert resource_id("20261204-101500-123") == "20261204-101500-123"
    assert resource_id("Trial_07 (best)") == "trial-07-best"
