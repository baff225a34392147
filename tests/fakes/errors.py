"""The errors a loopback fake answers with, in the JSON shape Google's REST APIs give."""

from typing import Any, Dict, List, Optional, Tuple

# The canonical status names Google APIs put next to each HTTP code.
STATUS_BY_CODE = {
    400: "FAILED_PRECONDITION",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"


class ApiError(Exception):
    """An error the fake answers with: {"error": {"code", "message", "status", "details"?}}."""

    def __init__(
        self, code: int, message: str, status: Optional[str] = None, details: Optional[List[Dict[str, Any]]] = None
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS_BY_CODE.get(code, "UNKNOWN")
        self.details = details or []

    def body(self) -> Dict[str, Any]:
        error: Dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def invalid_argument(violations: List[Tuple[str, str]], message: Optional[str] = None) -> ApiError:
    """A 400 INVALID_ARGUMENT with a google.rpc.BadRequest naming each (field, description), as Google answers."""
    if message is None:
        found = "".join(f"\t{n}.Field: {field}; Message: {text}" for n, (field, text) in enumerate(violations, 1))
        message = f"List of found errors:{found}\t"
    details = [
        {
            "@type": BAD_REQUEST_TYPE,
            "fieldViolations": [{"field": field, "description": text} for field, text in violations],
        }
    ]
    return ApiError(400, message, "INVALID_ARGUMENT", details)


class FakeAnswerError(Exception):
    """The fake itself is wrong (e.g. an answer the real API could not give); the client gets a 500 naming it."""
