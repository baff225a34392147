"""A loopback fake of the Cloud Scheduler v1 and Cloud Run Admin v2 REST APIs, for the real Google clients.

Point `scheduler_v1.CloudSchedulerClient` and `run_v2.JobsClient` at `fake.endpoint` with REST transport and
anonymous credentials (`fake.client_options`, `fake.credentials`); every request lands in `fake.requests`.
"""

import re
from typing import Any, Dict, Iterator

import pytest

from tests.fakes.cloud_run.stores import RunJobStore, SchedulerJobStore
from tests.fakes.loopback import LoopbackFake
from tests.fakes.vertex.common import ApiError

_LOC = r"/(?P<version>v1|v2)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
_JOB = _LOC + r"/jobs/(?P<job>[^/:]+)"


class CloudRunFake(LoopbackFake):
    """In-memory Cloud Scheduler jobs (/v1/...) and Cloud Run jobs (/v2/...) on 127.0.0.1."""

    def __init__(self) -> None:
        super().__init__()
        self.scheduler = SchedulerJobStore()
        self.run = RunJobStore()

    def _register_types(self) -> None:
        from google.cloud import run_v2
        from google.protobuf import symbol_database

        # Operation responses are Anys; the client parses them into the class proto-plus knows.
        symbol_database.Default().RegisterMessage(run_v2.Job.pb())

    def _dispatch(self, method: str, path: str, query: Dict[str, str], body: Any) -> Dict[str, Any]:
        body = body or {}
        loc = re.fullmatch(_LOC + r"/jobs", path)
        job = re.fullmatch(_JOB + r"(?P<verb>:\w+)?", path)
        operation = re.fullmatch(r"/v2/(?P<name>projects/[^/]+/locations/[^/]+/operations/[^/]+)", path)
        if operation and method == "GET":
            return self.run.operation(operation["name"])
        found = loc or job
        if found is None:
            raise ApiError(404, f"The fake has no route for {method} {path}.", "NOT_FOUND")
        parent = f"projects/{found['project']}/locations/{found['location']}"
        store: Any = self.scheduler if found["version"] == "v1" else self.run
        if loc:
            if method == "POST":
                return store.create(parent, query.get("jobId"), body)
            if method == "GET":
                return store.list(parent)
        elif job:
            name, verb = f"{parent}/jobs/{found['job']}", job["verb"] or ""
            handler = {
                ("GET", ""): lambda: store.get(name),
                ("PATCH", ""): lambda: store.patch(name, query.get("updateMask"), body),
                ("DELETE", ""): lambda: store.delete(name),
                ("GET", ":getIamPolicy"): lambda: store.get_iam_policy(name),
                ("POST", ":setIamPolicy"): lambda: store.set_iam_policy(name, body),
            }.get((method, verb))
            if handler:
                return handler()
        raise ApiError(404, f"The fake has no route for {method} {path}.", "NOT_FOUND")


@pytest.fixture
def cloud_run_fake() -> Iterator[CloudRunFake]:
    """A running CloudRunFake (Cloud Scheduler and Cloud Run) for one test."""
    fake = CloudRunFake().start()
    try:
        yield fake
    finally:
        fake.stop()
