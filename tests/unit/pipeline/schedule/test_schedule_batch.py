"""`vtx schedule` for batch prediction: the real Cloud Run and Cloud Scheduler clients against a loopback fake."""

import base64
import json

import pytest
from google.cloud import scheduler_v1

from tests.unit.pipeline.schedule.conftest import IMAGE, PARENT, PIPELINES_SA, PROJECT, REGION

pytestmark = pytest.mark.unit

RUN_JOBS = rf"/v2/{PARENT}/jobs"
SCHEDULER_JOBS = rf"/v1/{PARENT}/jobs"
JOB = f"{PARENT}/jobs/vtx-batch-predict"
INVOKER = "scheduler@my-proj-1.iam.gserviceaccount.com"
RUNNER = "batch@my-proj-1.iam.gserviceaccount.com"
ACCOUNTS = [
    f"schedule.batch_prediction.service_account={RUNNER}",
    f"schedule.batch_prediction.invoker_service_account={INVOKER}",
]
ARGS = [
    "batch-predict",
    "--input",
    "gs://my-bucket-1/incoming/",
    "--to",
    "gs://my-bucket-1/predictions/",
    "--model",
    "production",
]


def sent(fake, method: str, path: str) -> list:
    return [request for request in fake.find(method, path) if request.status == 200]


def test_create_makes_the_cloud_run_job_with_the_image_and_batch_predict_args(schedule_cli, cloud_run_fake):
    result = schedule_cli("create", "batch-predict", settings=[*ACCOUNTS, "schedule.batch_prediction.env.A_B=c"])

    assert result.exit_code == 0, result.output
    [create] = sent(cloud_run_fake, "POST", RUN_JOBS + "$")
    assert create.query["jobId"] == "vtx-batch-predict"
    template = create.body["template"]
    assert template["taskCount"] == 1
    task = template["template"]
    assert task["serviceAccount"] == RUNNER
    assert task["maxRetries"] == 1
    assert task["timeout"] == "3600s"
    [container] = task["containers"]
    assert container["image"] == IMAGE
    assert container["command"] == ["vtx"]
    assert container["args"] == ARGS
    assert container["resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}
    env = {item["name"]: item["value"] for item in container["env"]}
    assert env == {
        "A_B": "c",
        "VTX_DATA_ROOT": "gs://my-bucket-1/data",
        "VTX_PROFILE": "vertex",
        "VTX_VERTEX__IMAGE": IMAGE,
        "VTX_VERTEX__PIPELINE_ROOT": "gs://my-bucket-1/pipeline-root",
        "VTX_VERTEX__PROJECT": PROJECT,
        "VTX_VERTEX__REGION": REGION,
    }
    assert create.body["labels"]["managed-by"] == "vtx-schedule"
    assert f"Cloud Run job created: {JOB}" in result.output


def test_create_makes_the_scheduler_job_that_runs_the_cloud_run_job_with_an_oauth_token(schedule_cli, cloud_run_fake):
    result = schedule_cli(
        "create", "batch-predict", settings=[*ACCOUNTS, "schedule.batch_prediction.cron=*/15 * * * *"]
    )

    assert result.exit_code == 0, result.output
    [create] = sent(cloud_run_fake, "POST", SCHEDULER_JOBS + "$")
    body = create.body
    assert body["name"] == JOB
    assert body["schedule"] == "*/15 * * * *"
    assert body["timeZone"] == "Europe/Berlin"
    target = body["httpTarget"]
    assert target["uri"] == f"https://run.googleapis.com/v2/{JOB}:run"
    # The REST clients send enums as numbers.
    assert scheduler_v1.HttpMethod(target["httpMethod"]) == scheduler_v1.HttpMethod.POST
    assert target["headers"] == {"Content-Type": "application/json"}
    assert json.loads(base64.b64decode(target["body"])) == {}
    assert target["oauthToken"] == {
        "serviceAccountEmail": INVOKER,
        "scope": "https://www.googleapis.com/auth/cloud-platform",
    }
    assert "Cloud Scheduler job created: vtx-batch-predict (cron '*/15 * * * *', Europe/Berlin)" in result.output


def test_the_invoker_may_run_the_job_and_the_grant_is_not_repeated(schedule_cli, cloud_run_fake):
    assert schedule_cli("create", "batch-predict", settings=ACCOUNTS).exit_code == 0
    assert schedule_cli("create", "batch-predict", settings=ACCOUNTS).exit_code == 0

    [grant] = sent(cloud_run_fake, "POST", r"jobs/vtx-batch-predict:setIamPolicy$")
    assert grant.body["policy"]["bindings"] == [{"role": "roles/run.invoker", "members": [f"serviceAccount:{INVOKER}"]}]
    assert cloud_run_fake.run.policies[JOB]["bindings"] == grant.body["policy"]["bindings"]


def test_accounts_default_to_the_pipelines_service_account(schedule_cli, cloud_run_fake):
    assert schedule_cli("create", "batch-predict").exit_code == 0

    [job] = cloud_run_fake.run.jobs.values()
    assert job["template"]["template"]["serviceAccount"] == PIPELINES_SA
    [trigger] = cloud_run_fake.scheduler.jobs.values()
    assert trigger["httpTarget"]["oauthToken"]["serviceAccountEmail"] == PIPELINES_SA


def test_create_again_updates_both_jobs(schedule_cli, cloud_run_fake):
    assert schedule_cli("create", "batch-predict", settings=ACCOUNTS).exit_code == 0

    result = schedule_cli(
        "create",
        "batch-predict",
        settings=[
            *ACCOUNTS,
            "schedule.batch_prediction.cron=0 6 * * *",
            "schedule.batch_prediction.model=7",
            "vertex.image=europe-west4-docker.pkg.dev/my-proj-1/vtx/vertex-tfx:new",
        ],
    )

    assert result.exit_code == 0, result.output
    assert "Cloud Run job updated" in result.output and "Cloud Scheduler job updated" in result.output
    assert len(sent(cloud_run_fake, "POST", RUN_JOBS + "$")) == len(sent(cloud_run_fake, "POST", SCHEDULER_JOBS + "$"))
    [run_patch] = sent(cloud_run_fake, "PATCH", RUN_JOBS + "/")
    [container] = run_patch.body["template"]["template"]["containers"]
    assert run_patch.path == f"/v2/{JOB}"
    assert container["image"].endswith(":new")
    assert container["args"][-2:] == ["--model", "7"]
    [scheduler_patch] = sent(cloud_run_fake, "PATCH", SCHEDULER_JOBS + "/")
    assert set(scheduler_patch.query["updateMask"].split(",")) == {
        "description",
        "schedule",
        "timeZone",
        "httpTarget",
    }
    assert cloud_run_fake.scheduler.jobs[JOB]["schedule"] == "0 6 * * *"
    assert cloud_run_fake.run.jobs[JOB]["generation"] == "2"


def test_list_shows_the_scheduler_job_and_delete_removes_both(schedule_cli, cloud_run_fake):
    assert schedule_cli("create", "batch-predict", settings=ACCOUNTS).exit_code == 0

    listed = schedule_cli("list")

    assert listed.exit_code == 0, listed.output
    line = next(line for line in listed.output.splitlines() if line.strip().startswith("vtx-batch-predict"))
    assert line.split()[:8] == ["vtx-batch-predict", "0", "*", "*", "*", "*", "Europe/Berlin", "ENABLED"]
    assert line.endswith(f"POST https://run.googleapis.com/v2/{JOB}:run")
    deleted = schedule_cli("delete", "batch-predict")
    assert deleted.exit_code == 0, deleted.output
    assert deleted.output.splitlines() == [
        "Cloud Scheduler job deleted: vtx-batch-predict",
        "Cloud Run job deleted: vtx-batch-predict",
    ]
    assert cloud_run_fake.scheduler.jobs == {} and cloud_run_fake.run.jobs == {}
    scheduler_delete, run_delete = [r for r in cloud_run_fake.requests if r.method == "DELETE"]
    assert scheduler_delete.path.startswith("/v1/") and run_delete.path.startswith("/v2/")


def test_deleting_missing_jobs_says_so(schedule_cli, cloud_run_fake):
    result = schedule_cli("delete", "batch-predict")

    assert result.exit_code == 0
    where = "in project my-proj-1, region europe-west4: nothing to delete."
    assert result.output.splitlines() == [
        f"No Cloud Scheduler job named vtx-batch-predict {where}",
        f"No Cloud Run job named vtx-batch-predict {where}",
    ]


def test_list_with_nothing_scheduled(schedule_cli):
    result = schedule_cli("list")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Vertex AI pipeline schedules (project my-proj-1, region europe-west4):",
        "  none",
        "Cloud Scheduler jobs (project my-proj-1, region europe-west4):",
        "  none",
    ]


def test_dry_run_prints_both_jobs_and_sends_nothing(schedule_cli, cloud_run_fake):
    result = schedule_cli("create", "batch-predict", "--dry-run", settings=ACCOUNTS)

    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)["batch-predict"]
    assert printed["cloudRunJob"]["template"]["template"]["containers"][0]["args"] == ARGS
    assert printed["schedulerJob"]["httpTarget"]["oauthToken"]["serviceAccountEmail"] == INVOKER
    assert cloud_run_fake.requests == []


def test_a_denied_scheduler_call_is_one_line_after_the_cloud_run_job_is_in_place(schedule_cli, cloud_run_fake):
    cloud_run_fake.fail_next("POST", SCHEDULER_JOBS + "$", status=403, message="cloudscheduler.jobs.create denied")

    result = schedule_cli("create", "batch-predict", settings=ACCOUNTS)

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "creating or updating the Cloud Scheduler job: permission denied" in result.stderr
    assert "roles/cloudscheduler.admin" in result.stderr
    assert JOB in cloud_run_fake.run.jobs
    assert schedule_cli("create", "batch-predict", settings=ACCOUNTS).exit_code == 0
    assert JOB in cloud_run_fake.scheduler.jobs


def test_transient_errors_of_reads_and_updates_are_retried(schedule_cli, cloud_run_fake, monkeypatch):
    monkeypatch.setattr("pipeline.vertex.submit.RETRY_INITIAL_SECONDS", 0.01)
    assert schedule_cli("create", "batch-predict", settings=ACCOUNTS).exit_code == 0
    cloud_run_fake.fail_next("GET", rf"/v2/{JOB}$", status=503)
    cloud_run_fake.fail_next("PATCH", rf"/v2/{JOB}$", status=503)
    cloud_run_fake.fail_next("PATCH", rf"/v1/{JOB}$", status=429)

    result = schedule_cli("create", "batch-predict", settings=ACCOUNTS)

    assert result.exit_code == 0, result.output + result.stderr
    assert [r.status for r in cloud_run_fake.find("PATCH", rf"/v2/{JOB}$")] == [503, 200]
    assert [r.status for r in cloud_run_fake.find("PATCH", rf"/v1/{JOB}$")] == [429, 200]
    assert [r.status for r in cloud_run_fake.find("GET", rf"/v2/{JOB}$")] == [404, 503, 200]
