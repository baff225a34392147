"""The schedules part of the Vertex AI fake: pipeline job schedules are stored, listed, patched and deleted."""

import copy
from typing import Any, Dict, Optional

from tests.fakes.vertex.catalog import check_pipeline_job
from tests.fakes.vertex.common import ApiError, Ids, Operations, camel, location_path, matches_filter, now

# What UpdateSchedule may change; the scheduled request's type (createPipelineJobRequest) stays.
UPDATABLE = {
    "displayName",
    "cron",
    "startTime",
    "endTime",
    "maxRunCount",
    "maxConcurrentRunCount",
    "allowQueueing",
    "createPipelineJobRequest",
}
_NOT_UNSETTABLE = {"displayName", "cron", "maxConcurrentRunCount", "createPipelineJobRequest"}
NEXT_RUN_TIME = "2030-01-06T03:00:00Z"


class ScheduleStore:
    """Pipeline job schedules by numeric id, as Vertex AI hands them out."""

    def __init__(self, ids: Ids, operations: Operations):
        self._ids = ids
        self._operations = operations
        self.schedules: Dict[str, Dict[str, Any]] = {}

    def create(self, project: str, location: str, body: Dict[str, Any]) -> Dict[str, Any]:
        _check(body, ("displayName", "cron", "maxConcurrentRunCount", "createPipelineJobRequest"))
        schedule_id = self._ids.next()
        stamp = now()
        schedule = copy.deepcopy(body)
        schedule.update(
            name=f"{location_path(project, location)}/schedules/{schedule_id}",
            state="ACTIVE",
            createTime=stamp,
            updateTime=stamp,
            nextRunTime=NEXT_RUN_TIME,
            startedRunCount="0",
        )
        self.schedules[schedule_id] = schedule
        return copy.deepcopy(schedule)

    def get(self, schedule_id: str) -> Dict[str, Any]:
        return copy.deepcopy(self._schedule(schedule_id))

    def list(self, project: str, location: str, expression: Optional[str]) -> Dict[str, Any]:
        prefix = location_path(project, location) + "/schedules/"
        found = [s for s in self.schedules.values() if s["name"].startswith(prefix) and matches_filter(s, expression)]
        return {"schedules": copy.deepcopy(found)}

    def patch(self, schedule_id: str, update_mask: Optional[str], body: Dict[str, Any]) -> Dict[str, Any]:
        schedule = self._schedule(schedule_id)
        paths = [camel(path) for path in (update_mask or "").split(",") if path]
        if not paths:
            raise ApiError(400, "update_mask must name the fields to update.", "INVALID_ARGUMENT")
        for path in paths:
            if path not in UPDATABLE:
                raise ApiError(400, f"Field {path} cannot be updated.", "INVALID_ARGUMENT")
            if path in body:
                schedule[path] = copy.deepcopy(body[path])
            elif path in _NOT_UNSETTABLE:
                raise ApiError(400, f"Field {path} is in update_mask but not set; it cannot be unset.")
            else:
                # JSON leaves out false, zero and empty values: the field goes back to its default.
                schedule.pop(path, None)
        _check(schedule, ("cron",))
        schedule["updateTime"] = now()
        return copy.deepcopy(schedule)

    def delete(self, schedule_id: str) -> Dict[str, Any]:
        name = self._schedule(schedule_id)["name"]
        del self.schedules[schedule_id]
        return self._operations.start_empty(name.rsplit("/schedules/", 1)[0])

    def _schedule(self, schedule_id: str) -> Dict[str, Any]:
        if schedule_id not in self.schedules:
            raise ApiError(404, f"Schedule {schedule_id} does not exist.", "NOT_FOUND")
        return self.schedules[schedule_id]


def _check(body: Dict[str, Any], required: tuple) -> None:
    for field in required:
        if not body.get(field):
            raise ApiError(400, f"Schedule.{field} is required.", "INVALID_ARGUMENT")
    if "createPipelineJobRequest" in body:
        job = body["createPipelineJobRequest"].get("pipelineJob", {})
        check_pipeline_job(job, "schedule.create_pipeline_job_request.pipeline_job")
    if body["cron"].split()[0].startswith("TZ=") and len(body["cron"].split()) != 6:
        raise ApiError(400, f"Invalid cron {body['cron']!r}.", "INVALID_ARGUMENT")
