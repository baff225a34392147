"""A loopback fake of the Cloud Scheduler v1 and Cloud Run Admin v2 REST APIs, for the real Google clients.

Point `scheduler_v1.CloudSchedulerClient` and `run_v2.JobsClient` at `fake.endpoint` with REST transport and
anonymous credentials (`fake.client_options`, `fake.credentials`); every request lands in `fake.requests`.
"""

import json
import re
import threading
from http.server import ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from google.auth.credentials import AnonymousCredentials

from tests.helpers.cloud_run_fake_stores import RunJobStore, SchedulerJobStore
from tests.helpers.vertex_fake import Request, _handler_class
from tests.helpers.vertex_fake_common import ApiError

_LOC = r"/(?P<version>v1|v2)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
_JOB = _LOC + r"/jobs/(?P<job>[^/:]+)"


class CloudRunFake:
    """In-memory Cloud Scheduler jobs (/v1/...) and Cloud Run jobs (/v2/...) on 127.0.0.1."""

    def __init__(self) -> None:
        self.scheduler = SchedulerJobStore()
        self.run = RunJobStore()
        self.requests: List[Request] = []
        self._failures: List[Tuple[str, re.Pattern[str], ApiError, List[int]]] = []
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None

    def start(self) -> "CloudRunFake":
        from google.cloud import run_v2
        from google.protobuf import symbol_database

        # Operation responses are Anys; the client parses them into the class proto-plus knows.
        symbol_database.Default().RegisterMessage(run_v2.Job.pb())
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def endpoint(self) -> str:
        assert self._server is not None, "the fake is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def client_options(self) -> Dict[str, str]:
        return {"api_endpoint": self.endpoint}

    @property
    def credentials(self) -> AnonymousCredentials:
        return AnonymousCredentials()

    def fail_next(self, method: str, path_regex: str, status: int = 503, message: Optional[str] = None) -> None:
        """The next request of `method` whose path matches `path_regex` (re.search) gets a Google error."""
        error = ApiError(status, message or f"Injected error {status} for {method} {path_regex}")
        self._failures.append((method.upper(), re.compile(path_regex), error, [1]))

    def find(self, method: str, path_regex: str) -> List[Request]:
        """The recorded requests of `method` whose path matches `path_regex` (re.search), oldest first."""
        return [r for r in self.requests if r.method == method.upper() and re.search(path_regex, r.path)]

    def handle(self, method: str, raw_path: str, raw_body: bytes) -> Tuple[int, Dict[str, Any]]:
        parts = urlsplit(raw_path)
        path, query = unquote(parts.path), dict(parse_qsl(parts.query))
        body = json.loads(raw_body) if raw_body else None
        request = Request(method, path, query, body)
        with self._lock:
            self.requests.append(request)
            try:
                for failure_method, pattern, error, left in self._failures:
                    if left[0] and failure_method == method and pattern.search(path):
                        left[0] -= 1
                        raise error
                return 200, self._dispatch(method, path, query, body or {})
            except ApiError as error:
                request.status = error.code
                return error.code, error.body()

    def _dispatch(self, method: str, path: str, query: Dict[str, str], body: Any) -> Dict[str, Any]:
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
