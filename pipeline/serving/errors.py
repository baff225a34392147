"""Every error response in Google's error shape, counted by status code and logged in one line."""

import json
import logging
from typing import Any, Dict, Optional

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from pipeline.serving.metrics import ServerMetrics

log = logging.getLogger(__name__)

# google.rpc.Code names; 405 and 415 have no canonical code, so they take the nearest (gRPC gateways answer a
# wrong method with UNIMPLEMENTED).
STATUS = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 405: "UNIMPLEMENTED", 415: "INVALID_ARGUMENT", 500: "INTERNAL"}


def error_body(code: int, message: str, **details: Any) -> Dict[str, Any]:
    return {"error": {"code": code, "status": STATUS.get(code, "UNKNOWN"), "message": message, **details}}


def printable(text: str) -> str:
    """The text with what UTF-8 cannot encode (a lone surrogate a client sent) written as an escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class ErrorResponses:
    """Builds error responses: JSON in Google's shape, the request counted under its code, one log line each."""

    def __init__(self, metrics: ServerMetrics):
        self.metrics = metrics

    def respond(
        self, request: Request, body: Dict[str, Any], headers: Optional[Dict[str, str]] = None, exc_info: bool = False
    ) -> Response:
        code = int(body["error"]["code"])
        self.metrics.requests.labels(code=str(code)).inc()
        verb = "refused" if code < 500 else "failed"
        message = printable(str(body["error"]["message"]))
        log.log(
            logging.WARNING if code < 500 else logging.ERROR,
            "%s %s %s: %d %s: %s",
            verb,
            request.method,
            printable(request.url.path),
            code,
            body["error"]["status"],
            message,
            exc_info=exc_info,
        )
        # ensure_ascii: a lone surrogate echoed from the request is written as \ud800, which JSON allows.
        return Response(json.dumps(body), status_code=code, media_type="application/json", headers=headers)

    async def http_exception(self, request: Request, error: Exception) -> Response:
        """No route for the path (404), or not a method the route takes (405, with its Allow header)."""
        assert isinstance(error, HTTPException)
        code, headers = error.status_code, dict(error.headers or {})
        if code == 405:
            message = f"{request.method} is not allowed here; use {headers.get('Allow', 'another method')}"
        elif code == 404:
            path = printable(request.url.path)
            message = f"no route {path}; POST predictions to /predict or to a Vertex AI predict path"
        else:
            message = str(error.detail)
        return self.respond(request, error_body(code, message), headers=headers)
