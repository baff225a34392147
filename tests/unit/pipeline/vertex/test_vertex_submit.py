"""`vtx submit` against the loopback Vertex AI fake, with the real google-cloud-aiplatform client."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from google.cloud import aiplatform_v1
from google.protobuf import json_format

from pipeline.cli import main
from pipeline.config.loader import load_config
from pipeline.vertex.compile import compile_for_vertex
from tests.builders.vertex_settings import REQUIRED
from tests.fakes.vertex.jobs import pipeline_task

pytestmark = pytest.mark.unit

SETTINGS = [
    *REQUIRED,
    "vertex.service_account=pipelines@my-proj-1.iam.gserviceaccount.com",
    "vertex.labels.team=penguins",
]
JOBS = r"/v1/projects/my-proj-1/locations/europe-west4/pipelineJobs"


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("spec") / "pipeline.json"
    return compile_for_vertex(load_config(profile="vertex", overrides=SETTINGS, environ={}), out)


def submit(fake, spec: Path, *args: str):
    flags = []
    for item in [*SETTINGS, f"vertex.api_endpoint={fake.endpoint}"]:
        flags += ["--set", item]
    command = ["submit", "--profile", "vertex", "--spec", str(spec), "--poll-seconds", "0.01", *flags, *args]
    return CliRunner().invoke(main, command, catch_exceptions=False)


def created(fake) -> list:
    return [request for request in fake.find("POST", JOBS + "$") if request.status == 200]


def blessed_run_tasks(version: str = "3") -> list:
    return [
        pipeline_task("CsvExampleGen"),
        pipeline_task("Trainer"),
        pipeline_task("Evaluator", outputs={"blessing": [{"metadata": {"blessed": 1}}]}),
        pipeline_task(
            "Pusher",
            outputs={
                "pushed_model": [
                    {
                        "metadata": {
                            "pushed": 1,
                            "pushed_version": version,
                            "pushed_destination": f"projects/1/locations/europe-west4/models/77@{version}",
                        }
                    }
                ]
            },
        ),
    ]


def test_the_request_carries_the_job_settings(vertex_fake, spec):
    result = submit(vertex_fake, spec, "--param", "train_steps=500", "--param", "accuracy_threshold=0.95", "--no-cache")

    assert result.exit_code == 0, result.output + result.stderr
    [request] = created(vertex_fake)
    body = request.body
    assert request.query["pipelineJobId"].startswith("vertex-tfx-penguins-")
    assert body["displayName"] == "vertex-tfx-penguins"
    assert body["serviceAccount"] == "pipelines@my-proj-1.iam.gserviceaccount.com"
    assert body["runtimeConfig"]["gcsOutputDirectory"] == "gs://my-bucket-1/pipeline-root"
    values = body["runtimeConfig"]["parameterValues"]
    assert values["train_steps"] == 500
    assert values["accuracy_threshold"] == 0.95
    assert values["data_root"] == "gs://my-bucket-1/data"
    assert body["labels"]["team"] == "penguins"
    assert body["labels"]["pipeline"] == "vertex-tfx-penguins"
    assert len(body["labels"]["git_commit"]) > 0
    tasks = body["pipelineSpec"]["root"]["dag"]["tasks"]
    assert all(task.get("cachingOptions", {}).get("enableCache") is not True for task in tasks.values())
    assert "Submitted projects/my-proj-1/locations/europe-west4/pipelineJobs/" in result.output


def test_wait_follows_the_tasks_and_reports_verdict_and_version(vertex_fake, spec):
    running = [pipeline_task("CsvExampleGen", "RUNNING")]
    vertex_fake.script_pipeline_job(
        [{"state": "RUNNING", "tasks": running}, "RUNNING", "SUCCEEDED"], tasks=blessed_run_tasks("3")
    )

    result = submit(vertex_fake, spec, "--wait")

    assert result.exit_code == 0, result.output + result.stderr
    lines = result.output.splitlines()
    assert any("CsvExampleGen" in line and line.rstrip().endswith("RUNNING") for line in lines)
    assert any("CsvExampleGen" in line and line.rstrip().endswith("SUCCEEDED") for line in lines)
    assert any("Pusher" in line and line.rstrip().endswith("SUCCEEDED") for line in lines)
    assert "Pipeline job succeeded" in result.output
    assert "Verdict: BLESSED" in result.output
    assert "Model: version 3 pushed: projects/1/locations/europe-west4/models/77@3" in result.output


def test_wait_reports_a_model_that_was_not_pushed(vertex_fake, spec):
    tasks = [
        pipeline_task("Evaluator", outputs={"blessing": [{"metadata": {"blessed": 0}}]}),
        pipeline_task(
            "Pusher", outputs={"pushed_model": [{"metadata": {"pushed": 0, "reason": "accuracy 0.71 < 0.9"}}]}
        ),
    ]
    vertex_fake.script_pipeline_job(["RUNNING", "SUCCEEDED"], tasks=tasks)

    result = submit(vertex_fake, spec, "--wait")

    assert result.exit_code == 0
    assert "Verdict: NOT BLESSED" in result.output
    assert "Model: not pushed: accuracy 0.71 < 0.9" in result.output


def test_wait_exits_non_zero_and_names_the_failed_task(vertex_fake, spec):
    failed = pipeline_task("Trainer", "FAILED")
    failed["error"] = {"code": 9, "message": "The replica workerpool0-0 exited with a non-zero status of 1."}
    vertex_fake.script_pipeline_job(
        ["RUNNING", "FAILED"],
        tasks=[pipeline_task("Transform"), failed],
        error="The DAG failed because some tasks failed.",
    )

    result = submit(vertex_fake, spec, "--wait")

    assert result.exit_code == 1
    assert "Pipeline job failed" in result.output
    assert "Trainer failed: The replica workerpool0-0 exited with a non-zero status of 1." in result.output
    assert "Verdict" not in result.output


def test_a_503_is_retried(vertex_fake, spec, monkeypatch):
    monkeypatch.setattr("pipeline.vertex.submit.RETRY_INITIAL_SECONDS", 0.01)
    vertex_fake.fail_next("POST", JOBS + "$", status=503, times=2)

    result = submit(vertex_fake, spec)

    assert result.exit_code == 0, result.output + result.stderr
    statuses = [request.status for request in vertex_fake.find("POST", JOBS + "$")]
    assert statuses == [503, 503, 200]


def test_a_403_gives_one_clear_line(vertex_fake, spec):
    vertex_fake.fail_next("POST", JOBS + "$", status=403, message="Permission 'aiplatform.pipelineJobs.create' denied")

    result = submit(vertex_fake, spec)

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "permission denied in project my-proj-1" in result.stderr
    assert "pipelines@my-proj-1.iam.gserviceaccount.com" in result.stderr
    assert "aiplatform.pipelineJobs.create" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert len(vertex_fake.find("POST", JOBS + "$")) == 1


def test_a_404_names_what_to_check(vertex_fake, spec):
    vertex_fake.fail_next("POST", JOBS + "$", status=404, message="Location europe-west4 not found")

    result = submit(vertex_fake, spec)

    assert result.exit_code == 1
    assert "not found (check vertex.project, vertex.region" in result.stderr


def test_dry_run_prints_the_exact_create_request_and_sends_nothing(vertex_fake, spec):
    result = submit(vertex_fake, spec, "--dry-run", "--param", "tuner_trials=9")

    assert result.exit_code == 0, result.output + result.stderr
    printed = json.loads(result.stdout)
    request = aiplatform_v1.CreatePipelineJobRequest.pb()()
    json_format.ParseDict(printed, request, ignore_unknown_fields=False)
    job = request.pipeline_job
    assert request.parent == "projects/my-proj-1/locations/europe-west4"
    assert request.pipeline_job_id.startswith("vertex-tfx-penguins-")
    assert job.display_name == "vertex-tfx-penguins"
    assert job.runtime_config.parameter_values["tuner_trials"].number_value == 9
    assert job.runtime_config.gcs_output_directory == "gs://my-bucket-1/pipeline-root"
    assert job.service_account == "pipelines@my-proj-1.iam.gserviceaccount.com"
    assert job.labels["team"] == "penguins"
    assert job.pipeline_spec["pipelineInfo"]["name"] == "vertex-tfx-penguins"
    assert vertex_fake.requests == []


def test_dry_run_prints_what_a_submission_then_sends(vertex_fake, spec, monkeypatch):
    monkeypatch.setattr("pipeline.vertex.submit.job_id", lambda name: f"{name}-20300101-000000")

    printed = json.loads(submit(vertex_fake, spec, "--dry-run", "--no-cache").stdout)
    assert submit(vertex_fake, spec, "--no-cache").exit_code == 0

    [sent] = created(vertex_fake)
    assert set(printed) == {"parent", "pipelineJobId", "pipelineJob"}
    assert sent.path == f"/v1/{printed['parent']}/pipelineJobs"
    assert sent.query["pipelineJobId"] == printed["pipelineJobId"] == "vertex-tfx-penguins-20300101-000000"
    assert sent.body == printed["pipelineJob"]


def test_an_unknown_parameter_is_refused_before_anything_is_sent(vertex_fake, spec):
    result = submit(vertex_fake, spec, "--param", "learning_rate=0.1")

    assert result.exit_code == 2
    assert "unknown pipeline parameter 'learning_rate'" in result.stderr
    assert vertex_fake.requests == []


def test_no_credentials_is_one_clear_line(spec, monkeypatch):
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    def no_credentials(*args, **kwargs):
        raise DefaultCredentialsError("Your default credentials were not found.")

    monkeypatch.setattr(google.auth, "default", no_credentials)
    flags = [part for item in SETTINGS for part in ("--set", item)]

    result = CliRunner().invoke(main, ["submit", "--profile", "vertex", "--spec", str(spec), *flags])

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no Google credentials: run `gcloud auth application-default login`")
    assert "Traceback" not in result.output


def test_quota_errors_are_retried_then_named(vertex_fake, spec, monkeypatch):
    monkeypatch.setattr("pipeline.vertex.submit.RETRY_INITIAL_SECONDS", 0.01)
    monkeypatch.setattr("pipeline.vertex.submit.RETRY_DEADLINE_SECONDS", 0.5)
    vertex_fake.fail_next("POST", JOBS + "$", status=429, times=1000, message="Quota exceeded for pipeline jobs")

    result = submit(vertex_fake, spec)

    assert result.exit_code == 1
    assert len(vertex_fake.find("POST", JOBS + "$")) > 1
    assert "quota exhausted in project my-proj-1, retries gave up: Quota exceeded for pipeline jobs" in result.stderr
    assert result.stderr.count("\n") == 1
