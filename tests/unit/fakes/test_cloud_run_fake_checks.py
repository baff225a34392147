"""The Cloud Scheduler and Cloud Run fake refuses what the real APIs refuse, and answers only what they could."""

import pytest
from google.api_core import exceptions
from google.cloud import run_v2, scheduler_v1

pytestmark = pytest.mark.unit

PARENT = "projects/test-project/locations/us-central1"

TRIGGER = {"name": f"{PARENT}/jobs/nightly", "schedule": "0 1 * * *", "timeZone": "Etc/UTC"}
RUN_JOB = {"template": {"template": {"containers": [{"image": "europe-west4-docker.pkg.dev/p/r/vtx:1"}]}}}


def test_an_unknown_field_in_a_scheduler_job_is_a_400(cloud_run_fake, send):
    status, answer = send(cloud_run_fake, "POST", f"/v1/{PARENT}/jobs", {**TRIGGER, "timezone": "Etc/UTC"})

    assert status == 400
    assert "Unknown name \"timezone\" at 'job': Cannot find field." in answer["error"]["message"]
    assert cloud_run_fake.scheduler.jobs == {}


def test_a_value_of_the_wrong_type_in_a_run_job_is_a_400(cloud_run_fake, send):
    body = {"template": {**RUN_JOB["template"], "taskCount": "many"}}

    status, answer = send(cloud_run_fake, "POST", f"/v2/{PARENT}/jobs?jobId=batch", body)

    assert status == 400
    assert "Invalid value at 'job.template.taskCount'" in answer["error"]["message"]


def test_a_run_job_create_without_its_required_job_id_is_a_400(cloud_run_fake, send):
    status, answer = send(cloud_run_fake, "POST", f"/v2/{PARENT}/jobs", RUN_JOB)

    assert status == 400
    assert "Field: jobId; Message: Required field is not set." in answer["error"]["message"]


def test_a_scheduler_job_without_a_schedule_is_refused(scheduler):
    job = scheduler_v1.Job(name=f"{PARENT}/jobs/nightly", time_zone="Etc/UTC")

    with pytest.raises(exceptions.BadRequest, match=r"Field: job\.schedule; Message: Required field is not set"):
        scheduler.create_job(parent=PARENT, job=job)


def run_job() -> run_v2.Job:
    container = run_v2.Container(image="europe-west4-docker.pkg.dev/p/r/vtx:1")
    return run_v2.Job(template=run_v2.ExecutionTemplate(template=run_v2.TaskTemplate(containers=[container])))


def test_a_run_job_change_needs_a_poll_to_finish(cloud_run_fake, jobs):
    operation = jobs.create_job(parent=PARENT, job=run_job(), job_id="batch")

    assert operation.operation.done is False
    assert cloud_run_fake.find("GET", r"/operations/") == []
    assert operation.result().name == f"{PARENT}/jobs/batch"
    assert len(cloud_run_fake.find("GET", r"/operations/")) == 1


def test_an_answer_the_real_api_could_not_give_is_caught(cloud_run_fake, jobs, monkeypatch):
    name = jobs.create_job(parent=PARENT, job=run_job(), job_id="batch").result().name
    monkeypatch.setattr(cloud_run_fake.run, "get", lambda job_name: {"name": job_name, "generation": "two"})

    with pytest.raises(exceptions.InternalServerError, match=r"GetJob is not a valid google\.cloud\.run\.v2\.Job"):
        jobs.get_job(request=run_v2.GetJobRequest(name=name))

    (bug,) = cloud_run_fake.bugs
    assert "generation" in bug
    cloud_run_fake.bugs.clear()
