"""`vtx schedule` for continuous training, against the loopback Vertex AI fake with google-cloud-aiplatform."""

import json

import pytest

from tests.unit.pipeline.schedule.conftest import PARENT, PIPELINES_SA

pytestmark = pytest.mark.unit

SCHEDULES = rf"/v1/{PARENT}/schedules"


def sent(fake, method: str, path: str) -> list:
    return [request for request in fake.find(method, path) if request.status == 200]


def test_create_sends_the_cron_with_its_time_zone_and_the_pipeline_job(schedule_cli, vertex_fake, schedule_spec):
    result = schedule_cli("create", "training", "--param", "train_steps=500")

    assert result.exit_code == 0, result.output
    [request] = sent(vertex_fake, "POST", SCHEDULES + "$")
    body = request.body
    assert body["displayName"] == "vertex-tfx-penguins-training"
    assert body["cron"] == "TZ=Europe/Berlin 30 2 * * MON-FRI"
    assert body["maxConcurrentRunCount"] == "1"
    assert "allowQueueing" not in body
    job_request = body["createPipelineJobRequest"]
    assert job_request["parent"] == PARENT
    job = job_request["pipelineJob"]
    assert job["serviceAccount"] == PIPELINES_SA
    assert job["runtimeConfig"]["gcsOutputDirectory"] == "gs://my-bucket-1/pipeline-root"
    assert job["runtimeConfig"]["parameterValues"]["train_steps"] == 500
    assert job["runtimeConfig"]["parameterValues"]["data_root"] == "gs://my-bucket-1/data"
    assert job["labels"]["schedule"] == "training"
    assert job["labels"]["pipeline"] == "vertex-tfx-penguins"
    compiled = json.loads(schedule_spec.read_text())["pipelineSpec"]
    assert job["pipelineSpec"]["root"]["dag"]["tasks"].keys() == compiled["root"]["dag"]["tasks"].keys()
    assert job["pipelineSpec"]["deploymentSpec"] == compiled["deploymentSpec"]
    [stored] = vertex_fake.schedules.schedules.values()
    assert "Training schedule created: vertex-tfx-penguins-training (cron '30 2 * * MON-FRI', Europe/Berlin)" in (
        result.output
    )
    assert stored["name"] in result.output


def test_create_again_updates_the_same_schedule_in_place(schedule_cli, vertex_fake):
    assert schedule_cli("create", "training").exit_code == 0
    [original] = vertex_fake.schedules.schedules.values()

    result = schedule_cli(
        "create",
        "training",
        "--param",
        "tuner_trials=9",
        settings=["schedule.training.cron=0 4 1 * *", "schedule.time_zone=Etc/UTC"]
        + ["schedule.training.max_concurrent_runs=2", "schedule.training.allow_queueing=true"],
    )

    assert result.exit_code == 0, result.output
    assert "Training schedule updated" in result.output
    assert len(sent(vertex_fake, "POST", SCHEDULES + "$")) == 1
    [patch] = sent(vertex_fake, "PATCH", SCHEDULES + "/")
    assert patch.path == f"/v1/{original['name']}"
    mask = set(patch.query["updateMask"].split(","))
    assert {m.replace("_", "").lower() for m in mask} == {
        "cron",
        "maxconcurrentruncount",
        "allowqueueing",
        "createpipelinejobrequest",
    }
    [stored] = vertex_fake.schedules.schedules.values()
    assert stored["name"] == original["name"]
    assert stored["cron"] == "TZ=Etc/UTC 0 4 1 * *"
    assert stored["maxConcurrentRunCount"] == "2"
    assert stored["allowQueueing"] is True
    values = stored["createPipelineJobRequest"]["pipelineJob"]["runtimeConfig"]["parameterValues"]
    assert values["tuner_trials"] == 9


def test_list_shows_the_schedule_and_delete_removes_it(schedule_cli, vertex_fake):
    assert schedule_cli("create", "training").exit_code == 0

    listed = schedule_cli("list")

    assert listed.exit_code == 0, listed.output
    line = next(line for line in listed.output.splitlines() if "vertex-tfx-penguins-training" in line)
    assert line.split()[:7] == ["vertex-tfx-penguins-training", "30", "2", "*", "*", "MON-FRI", "Europe/Berlin"]
    assert "ACTIVE" in line
    deleted = schedule_cli("delete", "training")
    assert deleted.exit_code == 0, deleted.output
    assert "Training schedule deleted: vertex-tfx-penguins-training" in deleted.output
    assert vertex_fake.schedules.schedules == {}
    assert len(sent(vertex_fake, "DELETE", SCHEDULES + "/")) == 1


def test_deleting_a_missing_schedule_says_so_and_sends_no_delete(schedule_cli, vertex_fake):
    result = schedule_cli("delete", "training")

    assert result.exit_code == 0
    assert result.output.strip() == (
        "No training schedule named vertex-tfx-penguins-training in project my-proj-1, region europe-west4: "
        "nothing to delete."
    )
    assert vertex_fake.find("DELETE", "") == []


def test_two_schedules_of_the_same_name_are_not_guessed_between(schedule_cli, vertex_fake):
    assert schedule_cli("create", "training").exit_code == 0
    [stored] = vertex_fake.schedules.schedules.values()
    vertex_fake.schedules.create("my-proj-1", "europe-west4", {k: v for k, v in stored.items() if k != "name"})

    result = schedule_cli("create", "training")

    assert result.exit_code == 1
    assert "2 Vertex AI schedules are named vertex-tfx-penguins-training" in result.stderr
    assert sent(vertex_fake, "PATCH", SCHEDULES) == []
    assert schedule_cli("delete", "training").output.count("Training schedule deleted") == 2


def test_dry_run_prints_the_schedule_and_sends_nothing(schedule_cli, vertex_fake):
    result = schedule_cli("create", "training", "--dry-run")

    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)["training"]["vertexSchedule"]
    assert printed["cron"] == "TZ=Europe/Berlin 30 2 * * MON-FRI"
    assert printed["createPipelineJobRequest"]["pipelineJob"]["serviceAccount"] == PIPELINES_SA
    assert "pipelineSpec" not in printed["createPipelineJobRequest"]["pipelineJob"]
    assert vertex_fake.requests == []


def test_a_permission_error_is_one_line(schedule_cli, vertex_fake):
    vertex_fake.fail_next(
        "POST", SCHEDULES + "$", status=403, message="Permission 'aiplatform.schedules.create' denied"
    )

    result = schedule_cli("create", "training")

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "creating the Vertex AI schedule: permission denied in project my-proj-1, region europe-west4" in (
        result.stderr
    )
    assert "aiplatform.schedules.create" in result.stderr


def test_transient_errors_of_list_and_update_are_retried(schedule_cli, vertex_fake, monkeypatch):
    monkeypatch.setattr("pipeline.vertex.submit.RETRY_INITIAL_SECONDS", 0.01)
    assert schedule_cli("create", "training").exit_code == 0
    vertex_fake.fail_next("GET", SCHEDULES + "$", status=503)
    vertex_fake.fail_next("PATCH", SCHEDULES + "/", status=429)

    result = schedule_cli("create", "training")

    assert result.exit_code == 0, result.output + result.stderr
    assert [r.status for r in vertex_fake.find("GET", SCHEDULES + "$")] == [200, 503, 200]
    assert [r.status for r in vertex_fake.find("PATCH", SCHEDULES + "/")] == [429, 200]
    assert len(vertex_fake.schedules.schedules) == 1
