"""Unit tests of tests.fakes.cloud_run.server: the real Cloud Scheduler and Cloud Run clients, over REST."""

import pytest
from google.api_core import exceptions
from google.cloud import run_v2, scheduler_v1

pytestmark = pytest.mark.unit

PARENT = "projects/test-project/locations/us-central1"


def run_job(image: str = "img:1") -> run_v2.Job:
    container = run_v2.Container(image=image)
    return run_v2.Job(template=run_v2.ExecutionTemplate(template=run_v2.TaskTemplate(containers=[container])))


def test_a_scheduler_job_is_created_once_and_a_second_create_conflicts(scheduler):
    job = scheduler_v1.Job(name=f"{PARENT}/jobs/nightly", schedule="0 1 * * *", time_zone="Etc/UTC")

    created = scheduler.create_job(parent=PARENT, job=job)

    assert created.state == scheduler_v1.Job.State.ENABLED
    assert [j.name for j in scheduler.list_jobs(parent=PARENT)] == [job.name]
    with pytest.raises(exceptions.Conflict):
        scheduler.create_job(parent=PARENT, job=job)


def test_a_run_job_is_created_updated_and_deleted_through_operations(jobs):
    created = jobs.create_job(parent=PARENT, job=run_job(), job_id="batch").result()
    updated = jobs.update_job(job=run_v2.Job(name=created.name, template=run_job("img:2").template)).result()

    assert created.name == f"{PARENT}/jobs/batch"
    assert (created.generation, updated.generation) == (1, 2)
    assert jobs.get_job(name=created.name).template.template.containers[0].image == "img:2"
    jobs.delete_job(name=created.name).result()
    with pytest.raises(exceptions.NotFound):
        jobs.get_job(name=created.name)


def test_a_run_job_without_an_image_is_refused(jobs):
    with pytest.raises(
        exceptions.BadRequest, match=r"job\.template\.template\.containers\[0\]\.image; Message: Required"
    ):
        jobs.create_job(parent=PARENT, job=run_job(image=""), job_id="batch")


def test_a_policy_written_from_a_stale_read_is_refused(jobs):
    name = jobs.create_job(parent=PARENT, job=run_job(), job_id="batch").result().name
    stale = jobs.get_iam_policy(request={"resource": name})
    fresh = jobs.get_iam_policy(request={"resource": name})
    fresh.bindings.add(role="roles/run.invoker", members=["serviceAccount:a@p.iam.gserviceaccount.com"])
    jobs.set_iam_policy(request={"resource": name, "policy": fresh})

    with pytest.raises(exceptions.Conflict, match="etag mismatch"):
        jobs.set_iam_policy(request={"resource": name, "policy": stale})
    assert [b.role for b in jobs.get_iam_policy(request={"resource": name}).bindings] == ["roles/run.invoker"]
