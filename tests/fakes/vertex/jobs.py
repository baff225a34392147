"""The pipeline jobs and Secret Manager parts of the fake: jobs walk through states a test scripts."""

import base64
import copy
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Optional, Sequence, Union

import google_crc32c

from tests.fakes.vertex.catalog import check_pipeline_job
from tests.fakes.vertex.common import ApiError, Ids, location_path, matches_filter, now

Step = Union[str, Dict[str, Any]]
DEFAULT_STATES = ("RUNNING", "SUCCEEDED")
_TERMINAL = {"SUCCEEDED", "FAILED", "CANCELLED"}


def pipeline_state(state: str) -> str:
    """'RUNNING' or 'PIPELINE_STATE_RUNNING' -> 'PIPELINE_STATE_RUNNING'."""
    return state if state.startswith("PIPELINE_STATE_") else f"PIPELINE_STATE_{state}"


def pipeline_task(
    name: str, state: str = "SUCCEEDED", outputs: Optional[Dict[str, List[Dict[str, Any]]]] = None
) -> Dict[str, Any]:
    """A PipelineTaskDetail; `outputs` maps each output key to its artifacts, e.g. {"model": [{"uri": ...}]}."""
    stamp = now()
    return {
        "taskName": name,
        "state": state,
        "createTime": stamp,
        "startTime": stamp,
        "endTime": stamp,
        "outputs": {key: {"artifacts": copy.deepcopy(artifacts)} for key, artifacts in (outputs or {}).items()},
    }


class PipelineJobStore:
    """Pipeline jobs; each GET of a job moves it one scripted step on, and the last step stays."""

    def __init__(self, ids: Ids, run_context: Optional[Callable[[str], Dict[str, Any]]] = None):
        self._ids = ids
        # Makes the system.PipelineRun context of a job (by its name) in ML Metadata, once the job runs.
        self._run_context = run_context
        self.jobs: Dict[str, Dict[str, Any]] = {}
        self._steps: Dict[str, List[Dict[str, Any]]] = {}
        self._scripted_by_id: Dict[str, List[Dict[str, Any]]] = {}
        self._scripted_next: Deque[List[Dict[str, Any]]] = deque()

    def script(
        self,
        states: Sequence[Step],
        tasks: Optional[List[Dict[str, Any]]] = None,
        error: Optional[str] = None,
        job_id: Optional[str] = None,
    ) -> None:
        """See VertexFake.script_pipeline_job."""
        steps = []
        for step in states:
            fields: Dict[str, Any] = {"state": step} if isinstance(step, str) else dict(step)
            fields["state"] = pipeline_state(fields["state"])
            fields.setdefault("tasks", tasks or [])
            fields.setdefault("error", error if fields["state"] == "PIPELINE_STATE_FAILED" else None)
            steps.append(fields)
        if not steps:
            raise ValueError("a pipeline job script needs at least one state")
        if job_id is None:
            self._scripted_next.append(steps)
        else:
            self._scripted_by_id[job_id] = steps

    def create(self, project: str, location: str, job_id: Optional[str], body: Dict[str, Any]) -> Dict[str, Any]:
        check_pipeline_job(body, "pipeline_job")
        job_id = job_id or f"{body.get('displayName', 'pipeline')}-{self._ids.next()}"
        if job_id in self.jobs:
            raise ApiError(409, f"Pipeline job {job_id} already exists.")
        if job_id in self._scripted_by_id:
            steps = self._scripted_by_id.pop(job_id)
        elif self._scripted_next:
            steps = self._scripted_next.popleft()
        else:
            steps = [{"state": pipeline_state(s), "tasks": [], "error": None} for s in DEFAULT_STATES]
        stamp = now()
        job = copy.deepcopy(body)
        job.update(
            name=f"{location_path(project, location)}/pipelineJobs/{job_id}",
            state="PIPELINE_STATE_PENDING",
            createTime=stamp,
            updateTime=stamp,
        )
        self.jobs[job_id] = job
        self._steps[job_id] = steps
        return copy.deepcopy(job)

    def get(self, job_id: str) -> Dict[str, Any]:
        job = self._job(job_id)
        steps = self._steps[job_id]
        step = steps.pop(0) if len(steps) > 1 else steps[0]
        self._apply(job, step)
        detail = job.get("jobDetail", {})
        if self._run_context and job["state"] != "PIPELINE_STATE_PENDING" and "pipelineRunContext" not in detail:
            job.setdefault("jobDetail", {})["pipelineRunContext"] = self._run_context(job["name"])
        return copy.deepcopy(job)

    def list(self, project: str, location: str, expression: Optional[str]) -> Dict[str, Any]:
        prefix = location_path(project, location) + "/pipelineJobs/"
        found = [j for j in self.jobs.values() if j["name"].startswith(prefix) and matches_filter(j, expression)]
        return {"pipelineJobs": copy.deepcopy(found)}

    def cancel(self, job_id: str) -> Dict[str, Any]:
        job = self._job(job_id)
        if job["state"].replace("PIPELINE_STATE_", "") in _TERMINAL:
            raise ApiError(400, f"Pipeline job {job_id} has already finished ({job['state']}).")
        self._steps[job_id] = [{"state": "PIPELINE_STATE_CANCELLED", "tasks": [], "error": None}]
        return {}

    def _job(self, job_id: str) -> Dict[str, Any]:
        if job_id not in self.jobs:
            raise ApiError(404, f"Pipeline job {job_id} does not exist.", "NOT_FOUND")
        return self.jobs[job_id]

    @staticmethod
    def _apply(job: Dict[str, Any], step: Dict[str, Any]) -> None:
        stamp = now()
        job["state"] = step["state"]
        job["updateTime"] = stamp
        if step["state"] != "PIPELINE_STATE_PENDING":
            job.setdefault("startTime", stamp)
        if step["state"].replace("PIPELINE_STATE_", "") in _TERMINAL:
            job.setdefault("endTime", stamp)
        if step["tasks"]:
            job.setdefault("jobDetail", {})["taskDetails"] = copy.deepcopy(step["tasks"])
        if step["error"]:
            job["error"] = {"code": 9, "message": step["error"]}


class SecretStore:
    """Secret versions by (project, secret); `latest` is the newest version added."""

    def __init__(self) -> None:
        self.secrets: Dict[tuple, Dict[str, bytes]] = {}

    def add(self, project: str, secret: str, value: Union[str, bytes]) -> str:
        versions = self.secrets.setdefault((project, secret), {})
        version = str(len(versions) + 1)
        versions[version] = value.encode() if isinstance(value, str) else value
        return f"projects/{project}/secrets/{secret}/versions/{version}"

    def access(self, project: str, secret: str, version: str) -> Dict[str, Any]:
        versions = self.secrets.get((project, secret))
        if not versions:
            raise ApiError(404, f"Secret [projects/{project}/secrets/{secret}] not found or has no versions.")
        if version == "latest":
            version = max(versions, key=int)
        if version not in versions:
            raise ApiError(404, f"Secret version {version} of {secret} not found.", "NOT_FOUND")
        data = versions[version]
        return {
            "name": f"projects/{project}/secrets/{secret}/versions/{version}",
            "payload": {"data": base64.b64encode(data).decode(), "dataCrc32c": str(google_crc32c.value(data))},
        }
