"""The stores of the Cloud Scheduler and Cloud Run fake: jobs by full resource name, IAM policies, operations."""

import base64
import copy
import itertools
from typing import Any, Dict, Optional

from tests.fakes.errors import ApiError
from tests.fakes.vertex.common import camel, now

RUN_JOB_TYPE = "type.googleapis.com/google.cloud.run.v2.Job"
SCHEDULER_UPDATABLE = {
    "description",
    "schedule",
    "timeZone",
    "httpTarget",
    "pubsubTarget",
    "appEngineHttpTarget",
    "retryConfig",
    "attemptDeadline",
}
NEXT_RUN_TIME = "2030-01-06T03:00:00Z"


def _missing(kind: str, name: str) -> ApiError:
    return ApiError(404, f"{kind} {name} was not found.", "NOT_FOUND")


class _JobStore:
    """Jobs by full name, read back as copies so a test cannot change the fake's state by accident."""

    def __init__(self) -> None:
        self.jobs: Dict[str, Dict[str, Any]] = {}

    def get(self, name: str) -> Dict[str, Any]:
        if name not in self.jobs:
            raise _missing("Job", name)
        return copy.deepcopy(self.jobs[name])

    def list(self, parent: str) -> Dict[str, Any]:
        return {"jobs": [copy.deepcopy(j) for n, j in self.jobs.items() if n.startswith(parent + "/jobs/")]}


class SchedulerJobStore(_JobStore):
    """Cloud Scheduler jobs; create names the job in its body, as the API does."""

    def create(self, parent: str, job_id: Optional[str], body: Dict[str, Any]) -> Dict[str, Any]:
        name = body.get("name", "")
        if not name.startswith(parent + "/jobs/"):
            raise ApiError(400, f"Job name {name!r} must be under {parent}.", "INVALID_ARGUMENT")
        if name in self.jobs:
            raise ApiError(409, f"Job {name} already exists.")
        if not body.get("schedule"):
            raise ApiError(400, "Job.schedule is required.", "INVALID_ARGUMENT")
        job = copy.deepcopy(body)
        job.update(state="ENABLED", userUpdateTime=now(), scheduleTime=NEXT_RUN_TIME)
        self.jobs[name] = job
        return copy.deepcopy(job)

    def patch(self, name: str, update_mask: Optional[str], body: Dict[str, Any]) -> Dict[str, Any]:
        job = self.jobs.get(name)
        if job is None:
            raise _missing("Job", name)
        paths = [camel(path) for path in (update_mask or "").split(",") if path] or list(SCHEDULER_UPDATABLE)
        for path in paths:
            if path not in SCHEDULER_UPDATABLE:
                raise ApiError(400, f"Field {path} cannot be updated.", "INVALID_ARGUMENT")
            if path in body:
                job[path] = copy.deepcopy(body[path])
            else:
                job.pop(path, None)
        job["userUpdateTime"] = now()
        return copy.deepcopy(job)

    def delete(self, name: str) -> Dict[str, Any]:
        if self.jobs.pop(name, None) is None:
            raise _missing("Job", name)
        return {}


class RunJobStore(_JobStore):
    """Cloud Run jobs; a change bumps the generation and answers with an operation, done from its first GET."""

    def __init__(self) -> None:
        super().__init__()
        self.policies: Dict[str, Dict[str, Any]] = {}
        self.operations: Dict[str, Dict[str, Any]] = {}
        self._ids = itertools.count(1)

    def create(self, parent: str, job_id: Optional[str], body: Dict[str, Any]) -> Dict[str, Any]:
        if not job_id:
            raise ApiError(400, "job_id is required.", "INVALID_ARGUMENT")
        if body.get("name"):
            raise ApiError(400, "Job.name must be empty on create; it comes from job_id.", "INVALID_ARGUMENT")
        name = f"{parent}/jobs/{job_id}"
        if name in self.jobs:
            raise ApiError(409, f"Resource '{job_id}' already exists.")
        self._check(body)
        job = copy.deepcopy(body)
        job.update(name=name, generation="1", createTime=now(), updateTime=now(), etag=f'"{next(self._ids)}"')
        self.jobs[name] = job
        self.policies[name] = {"version": 1, "etag": _etag(0), "bindings": []}
        return self._done(parent, job)

    def patch(self, name: str, update_mask: Optional[str], body: Dict[str, Any]) -> Dict[str, Any]:
        old = self.jobs.get(name)
        if old is None:
            raise _missing("Job", name)
        # The REST client sends job.name in the path, not in the body.
        if body.get("name", name) != name:
            raise ApiError(400, "Job.name must be the job's full name.", "INVALID_ARGUMENT")
        self._check(body)
        job = copy.deepcopy(body)
        job["name"] = name
        generation = str(int(old["generation"]) + 1)
        job.update(generation=generation, createTime=old["createTime"], updateTime=now(), etag=f'"{generation}"')
        self.jobs[name] = job
        return self._done(name.split("/jobs/")[0], job)

    def delete(self, name: str) -> Dict[str, Any]:
        job = self.jobs.pop(name, None)
        if job is None:
            raise _missing("Job", name)
        self.policies.pop(name, None)
        return self._done(name.split("/jobs/")[0], job)

    def get_iam_policy(self, name: str) -> Dict[str, Any]:
        if name not in self.policies:
            raise _missing("Job", name)
        return copy.deepcopy(self.policies[name])

    def set_iam_policy(self, name: str, body: Dict[str, Any]) -> Dict[str, Any]:
        current = self.get_iam_policy(name)
        policy = copy.deepcopy(body.get("policy") or {})
        if policy.get("etag") != current["etag"]:
            raise ApiError(409, "The policy changed since it was read (etag mismatch).", "ABORTED")
        policy["etag"] = _etag(int(base64.b64decode(current["etag"]).decode()) + 1)
        self.policies[name] = policy
        return copy.deepcopy(policy)

    def operation(self, name: str) -> Dict[str, Any]:
        if name not in self.operations:
            raise _missing("Operation", name)
        return self.operations[name]

    def _done(self, parent: str, job: Dict[str, Any]) -> Dict[str, Any]:
        """The operation of a change: `done: false` in this answer, so the client must poll it to finish."""
        name = f"{parent}/operations/{next(self._ids)}"
        self.operations[name] = {"name": name, "done": True, "response": {"@type": RUN_JOB_TYPE, **copy.deepcopy(job)}}
        return {"name": name, "done": False}

    @staticmethod
    def _check(body: Dict[str, Any]) -> None:
        containers = body.get("template", {}).get("template", {}).get("containers") or []
        if len(containers) != 1 or not containers[0].get("image"):
            raise ApiError(400, "A job needs exactly one container with an image.", "INVALID_ARGUMENT")


def _etag(version: int) -> str:
    return base64.b64encode(str(version).encode()).decode()
