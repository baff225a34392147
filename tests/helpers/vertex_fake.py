"""A loopback fake of the Vertex AI and Secret Manager v1 REST APIs that the real Google clients talk to.

Point a client at `fake.endpoint` with REST transport and anonymous credentials (`fake.init_aiplatform(...)`,
`fake.client_options`, `fake.credentials`); every request lands in `fake.requests`.
"""

import json
import re
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterator, List, Optional, Pattern, Sequence, Tuple, Union
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from google.auth.credentials import AnonymousCredentials

from tests.helpers.vertex_fake_common import ApiError, Ids, Operations, share_response_classes
from tests.helpers.vertex_fake_endpoints import EndpointStore
from tests.helpers.vertex_fake_jobs import PipelineJobStore, SecretStore, Step
from tests.helpers.vertex_fake_models import ModelStore

_LOC = r"/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
_MODEL = _LOC + r"/models/(?P<model>[^/@:]+)"
_ENDPOINT = _LOC + r"/endpoints/(?P<endpoint>[^/:]+)"
_JOB = _LOC + r"/pipelineJobs/(?P<job>[^/:]+)"
Handler = Callable[[Dict[str, str], Dict[str, str], Any], Dict[str, Any]]


@dataclass
class Request:
    """One request the fake received, and the HTTP status it answered with."""

    method: str
    path: str
    query: Dict[str, str]
    body: Any
    status: int = 200


@dataclass
class _Failure:
    method: str
    path: Pattern[str]
    error: ApiError
    times: int


class VertexFake:
    """In-memory Vertex AI (models, endpoints, pipeline jobs, operations) and Secret Manager on 127.0.0.1."""

    def __init__(self) -> None:
        ids = Ids()
        self.operations = Operations(ids)
        self.models = ModelStore(ids, self.operations)
        self.endpoints = EndpointStore(ids, self.operations, self.models)
        self.pipeline_jobs = PipelineJobStore(ids)
        self.secrets = SecretStore()
        self.requests: List[Request] = []
        self._failures: List[_Failure] = []
        self._lock = threading.Lock()
        self._routes = self._route_table()
        self._server: Optional[ThreadingHTTPServer] = None

    # ------------------------------------------------------------------ lifecycle and client wiring

    def start(self) -> "VertexFake":
        share_response_classes()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        server.daemon_threads = True
        # A short poll keeps stop() from waiting half a second per test.
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
        """http://127.0.0.1:PORT; the GAPIC REST transports keep an explicit http:// scheme."""
        assert self._server is not None, "the fake is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def client_options(self) -> Dict[str, str]:
        return {"api_endpoint": self.endpoint}

    @property
    def credentials(self) -> AnonymousCredentials:
        return AnonymousCredentials()

    def init_aiplatform(self, project: str = "test-project", location: str = "us-central1") -> None:
        """Points the google-cloud-aiplatform SDK's global config at this fake."""
        from google.cloud import aiplatform

        aiplatform.init(
            project=project,
            location=location,
            api_endpoint=self.endpoint,
            api_transport="rest",
            credentials=self.credentials,
        )

    # ------------------------------------------------------------------ what tests script and inspect

    def fail_next(
        self, method: str, path_regex: str, status: int = 503, times: int = 1, message: Optional[str] = None
    ) -> None:
        """The next `times` requests of `method` whose path matches `path_regex` (re.search) get this error."""
        error = ApiError(status, message or f"Injected error {status} for {method} {path_regex}")
        self._failures.append(_Failure(method.upper(), re.compile(path_regex), error, times))

    def add_secret(self, project: str, secret: str, value: Union[str, bytes]) -> str:
        """Adds a new version of the secret (it becomes `latest`); returns the version's resource name."""
        return self.secrets.add(project, secret, value)

    def script_pipeline_job(
        self,
        states: Sequence[Step],
        tasks: Optional[List[Dict[str, Any]]] = None,
        error: Optional[str] = None,
        job_id: Optional[str] = None,
    ) -> None:
        """What successive GETs of a pipeline job return; the create itself answers PIPELINE_STATE_PENDING.

        Each state is a name ('RUNNING' or 'PIPELINE_STATE_RUNNING') or a dict {"state": ..., "tasks": [...],
        "error": "..."} for that step alone. `tasks` (build them with vertex_fake_jobs.pipeline_task) become
        jobDetail.taskDetails; `error` is the job's error message once it is FAILED. The script applies to
        the job created with `job_id`, or else to the next job created; unscripted jobs go RUNNING, SUCCEEDED.
        """
        self.pipeline_jobs.script(states, tasks=tasks, error=error, job_id=job_id)

    def find(self, method: str, path_regex: str) -> List[Request]:
        """The recorded requests of `method` whose path matches `path_regex` (re.search), oldest first."""
        return [r for r in self.requests if r.method == method.upper() and re.search(path_regex, r.path)]

    # ------------------------------------------------------------------ dispatch

    def handle(self, method: str, raw_path: str, raw_body: bytes) -> Tuple[int, Dict[str, Any]]:
        parts = urlsplit(raw_path)
        path, query = unquote(parts.path), dict(parse_qsl(parts.query))
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            body = raw_body.decode(errors="replace")
        request = Request(method, path, query, body)
        with self._lock:
            self.requests.append(request)
            try:
                self._injected(method, path)
                result = self._dispatch(method, path, query, body)
            except ApiError as error:
                request.status = error.code
                return error.code, error.body()
            except Exception as error:  # noqa: BLE001 - a bug in the fake reaches the test as a 500, not a hang-up
                request.status = 500
                return 500, ApiError(500, f"The fake failed: {error!r}").body()
        return 200, result

    def _injected(self, method: str, path: str) -> None:
        for failure in self._failures:
            if failure.times > 0 and failure.method == method and failure.path.search(path):
                failure.times -= 1
                raise failure.error

    def _dispatch(self, method: str, path: str, query: Dict[str, str], body: Any) -> Dict[str, Any]:
        for route_method, pattern, handler in self._routes:
            found = pattern.fullmatch(path)
            if found and route_method == method:
                return handler(found.groupdict(), query, body or {})
        raise ApiError(404, f"The fake has no route for {method} {path}.", "NOT_FOUND")

    def _route_table(self) -> List[Tuple[str, Pattern[str], Handler]]:
        models, endpoints, jobs = self.models, self.endpoints, self.pipeline_jobs
        table: List[Tuple[str, str, Handler]] = [
            ("POST", _LOC + r"/models:upload", lambda m, q, b: models.upload(m["project"], m["location"], b)),
            ("GET", _LOC + r"/models", lambda m, q, b: models.list(m["project"], m["location"], q.get("filter"))),
            ("GET", _MODEL + r"(?:@(?P<version>[^/:]+))?", lambda m, q, b: models.get(m["model"], m["version"])),
            ("GET", _MODEL + r":listVersions", lambda m, q, b: models.list_versions(m["model"], q.get("filter"))),
            (
                "POST",
                _MODEL + r"@(?P<version>[^/:]+):mergeVersionAliases",
                lambda m, q, b: models.merge_aliases(m["model"], m["version"], b),
            ),
            (
                "POST",
                _LOC + r"/endpoints",
                lambda m, q, b: endpoints.create(m["project"], m["location"], q.get("endpointId"), b),
            ),
            ("GET", _LOC + r"/endpoints", lambda m, q, b: endpoints.list(m["project"], m["location"], q.get("filter"))),
            ("GET", _ENDPOINT, lambda m, q, b: endpoints.get(m["endpoint"])),
            ("PATCH", _ENDPOINT, lambda m, q, b: endpoints.patch(m["endpoint"], q.get("updateMask"), b)),
            ("POST", _ENDPOINT + r":deployModel", lambda m, q, b: endpoints.deploy(m["endpoint"], b)),
            ("POST", _ENDPOINT + r":undeployModel", lambda m, q, b: endpoints.undeploy(m["endpoint"], b)),
            (
                "POST",
                _LOC + r"/pipelineJobs",
                lambda m, q, b: jobs.create(m["project"], m["location"], q.get("pipelineJobId"), b),
            ),
            ("GET", _LOC + r"/pipelineJobs", lambda m, q, b: jobs.list(m["project"], m["location"], q.get("filter"))),
            ("GET", _JOB, lambda m, q, b: jobs.get(m["job"])),
            ("POST", _JOB + r":cancel", lambda m, q, b: jobs.cancel(m["job"])),
            ("GET", r"/v1/(?P<name>.+/operations/[^/]+)", lambda m, q, b: self.operations.get(m["name"])),
            (
                "GET",
                r"/v1/projects/(?P<project>[^/]+)/secrets/(?P<secret>[^/]+)/versions/(?P<version>[^/:]+):access",
                lambda m, q, b: self.secrets.access(m["project"], m["secret"], m["version"]),
            ),
        ]
        return [(method, re.compile(pattern), handler) for method, pattern, handler in table]


def _handler_class(fake: VertexFake) -> type:
    class _Handler(BaseHTTPRequestHandler):
        def _respond(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status, payload = fake.handle(self.command, self.path, self.rfile.read(length) if length else b"")
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _respond  # noqa: N815 - http.server's names

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
            """Quiet: tests read fake.requests instead of the access log."""

    return _Handler


def _reset_aiplatform() -> None:
    """aiplatform.init only ever adds settings; a fake's endpoint must not outlive its test."""
    if "google.cloud.aiplatform" in sys.modules:
        from google.cloud.aiplatform import initializer

        initializer.global_config.__init__()  # type: ignore[misc]


@pytest.fixture
def vertex_fake() -> Iterator[VertexFake]:
    """A running VertexFake for one test; stopped afterwards, and the aiplatform SDK's settings cleared."""
    fake = VertexFake().start()
    try:
        yield fake
    finally:
        fake.stop()
        _reset_aiplatform()
