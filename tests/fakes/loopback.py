"""The HTTP plumbing every loopback Google API fake shares: server, request log, injected errors, client wiring."""

import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Pattern, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

from google.auth.credentials import AnonymousCredentials

from tests.fakes.errors import ApiError, FakeAnswerError
from tests.fakes.routing import Router


@dataclass
class Request:
    """One request the fake received, and the HTTP status and JSON it answered with."""

    method: str
    path: str
    query: Dict[str, str]
    body: Any
    status: int = 200
    response: Any = None


@dataclass
class _Failure:
    method: str
    path: Pattern[str]
    error: ApiError
    times: int


class LoopbackFake:
    """A JSON REST API on 127.0.0.1: subclasses give the routes; every request lands in `self.requests`.

    Every request is parsed strictly into the request message of its RPC and every answer into the response
    message (tests/fakes/api.py): what the real API refuses is a 400 here too, and an answer the real API
    could not give is a 500 naming the fake's mistake (also kept in `self.bugs`).
    """

    def __init__(self, router: Router) -> None:
        self.router = router
        self.requests: List[Request] = []
        self.bugs: List[str] = []
        self._failures: List[_Failure] = []
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None

    # ------------------------------------------------------------------ lifecycle and client wiring

    def _register_types(self) -> None:
        """Makes the protobuf classes known that the clients parse from Any fields (operations' responses)."""

    def start(self, port: int = 0):
        """Serves on 127.0.0.1:`port` (0: a free one)."""
        self._register_types()
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler_class(self))
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

    # ------------------------------------------------------------------ what tests script and inspect

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int = 503,
        times: int = 1,
        message: Optional[str] = None,
        status_name: Optional[str] = None,
    ) -> None:
        """The next `times` requests of `method` whose path matches `path_regex` (re.search) get a Google error.

        The body is {"error": {"code": status, "message": ..., "status": ...}}; the status name follows the code
        (403 PERMISSION_DENIED, 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE, ...) unless given.
        """
        error = ApiError(status, message or f"Injected error {status} for {method} {path_regex}", status_name)
        self._failures.append(_Failure(method.upper(), re.compile(path_regex), error, times))

    def find(self, method: str, path_regex: str) -> List[Request]:
        """The recorded requests of `method` whose path matches `path_regex` (re.search), oldest first."""
        return [r for r in self.requests if r.method == method.upper() and re.search(path_regex, r.path)]

    # ------------------------------------------------------------------ dispatch

    def handle(self, method: str, raw_path: str, raw_body: bytes) -> Tuple[int, Dict[str, Any]]:
        parts = urlsplit(raw_path)
        path, query = unquote(parts.path), parse_qs(parts.query, keep_blank_values=True)
        request = Request(method, path, {key: values[-1] for key, values in query.items()}, None)
        with self._lock:
            self.requests.append(request)
            status, answer = self._answer(request, query, raw_body)
            request.status, request.response = status, answer
        return status, answer

    def _answer(self, request: Request, query: Dict[str, List[str]], raw_body: bytes) -> Tuple[int, Dict[str, Any]]:
        try:
            try:
                request.body = json.loads(raw_body) if raw_body else None
            except ValueError:
                request.body = raw_body.decode(errors="replace")
                raise ApiError(400, "Invalid JSON payload received.", "INVALID_ARGUMENT") from None
            self._injected(request.method, request.path)
            return 200, self.router.dispatch(request.method, request.path, query, request.body)
        except ApiError as error:
            return error.code, error.body()
        except FakeAnswerError as error:
            self.bugs.append(str(error))
            return 500, ApiError(500, f"The fake failed: {error}").body()
        except Exception as error:  # noqa: BLE001 - a bug in the fake reaches the test as a 500, not a hang-up
            self.bugs.append(repr(error))
            return 500, ApiError(500, f"The fake failed: {error!r}").body()

    def _injected(self, method: str, path: str) -> None:
        for failure in self._failures:
            if failure.times > 0 and failure.method == method and failure.path.search(path):
                failure.times -= 1
                raise failure.error


def _handler_class(fake: LoopbackFake) -> type:
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
