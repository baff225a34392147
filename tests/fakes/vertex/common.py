"""Shared pieces of the Vertex AI fake: timestamps, ids, filters and long-running operations."""

import itertools
import re
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional

from tests.fakes.errors import ApiError

__all__ = ["ApiError", "Ids", "Operations", "camel", "location_path", "matches_filter", "now"]

API_TYPE_PREFIX = "type.googleapis.com/google.cloud.aiplatform.v1."
_CLAUSE = re.compile(r'^\s*(?P<field>[\w.]+)\s*=\s*"(?P<value>[^"]*)"\s*$')


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def location_path(project: str, location: str) -> str:
    return f"projects/{project}/locations/{location}"


def camel(path: str) -> str:
    """update_mask paths come snake_case from some clients and camelCase from others."""
    head, *rest = path.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class Ids:
    """Numeric resource ids, as Vertex hands out, unique within one fake."""

    def __init__(self, start: int = 1000):
        self._counter = itertools.count(start)

    def next(self) -> str:
        return str(next(self._counter))


def all_clauses(expression: Optional[str], clause: "re.Pattern[str]", holds: Callable[["re.Match[str]"], bool]) -> bool:
    """Whether every clause of an AIP-160 filter, joined by AND, holds; a clause `clause` cannot read is a 400."""
    if not expression:
        return True
    for text in re.split(r"\s+AND\s+", expression.strip()):
        found = clause.match(text)
        if not found:
            raise ApiError(400, f"Unsupported filter clause: {text!r}", "INVALID_ARGUMENT")
        if not holds(found):
            return False
    return True


def matches_filter(resource: Dict[str, Any], expression: Optional[str]) -> bool:
    """Supports `display_name="x"` and `labels.k="v"` clauses joined by AND; anything else is a 400."""
    return all_clauses(expression, _CLAUSE, lambda found: _field_equals(resource, found["field"], found["value"]))


def _field_equals(resource: Dict[str, Any], field: str, value: str) -> bool:
    if field in ("display_name", "displayName"):
        return resource.get("displayName") == value
    if field.startswith("labels."):
        return resource.get("labels", {}).get(field[len("labels.") :]) == value
    raise ApiError(400, f"Unsupported filter field: {field!r}", "INVALID_ARGUMENT")


# The `response` types of the operations the fake finishes.
RESPONSE_TYPES = ("UploadModelResponse", "Endpoint", "DeployModelResponse", "UndeployModelResponse", "MetadataStore")


def share_response_classes() -> None:
    """Lets the client parse operation responses into the classes proto-plus knows.

    With protobuf 3.20 (cpp), json_format turns an Any into a message of a class it makes afresh, and later
    messages of that type, e.g. every Endpoint in a ListEndpoints response, get that class too; proto-plus then
    hands back raw messages, which are always truthy, so `aiplatform.Endpoint.list` drops every endpoint as
    private after one `Endpoint.create` in the process. Real Vertex over REST does the same; registering the
    generated classes first keeps one class per type.
    """
    from google.cloud.aiplatform_v1 import types
    from google.protobuf import symbol_database

    database = symbol_database.Default()
    for name in RESPONSE_TYPES:
        database.RegisterMessage(getattr(types, name).pb())


class Operations:
    """Long-running operations: each is answered `done: false` when started and is done from its first GET on.

    So every caller really runs the client's polling path, as against the real API, where no operation
    that does work is done in the answer that starts it.
    """

    def __init__(self, ids: Ids):
        self._ids = ids
        self._finished: Dict[str, Dict[str, Any]] = {}
        self._polled: Dict[str, bool] = {}

    def start(self, parent: str, response_type: str, response: Dict[str, Any]) -> Dict[str, Any]:
        """A new operation that will answer with `response`, a google.cloud.aiplatform.v1.<response_type>."""
        assert response_type in RESPONSE_TYPES, response_type
        return self._start(parent, {"@type": API_TYPE_PREFIX + response_type, **response})

    def start_empty(self, parent: str) -> Dict[str, Any]:
        """A new operation whose response is google.protobuf.Empty, as the Delete* methods answer."""
        return self._start(parent, {"@type": "type.googleapis.com/google.protobuf.Empty"})

    def _start(self, parent: str, response: Dict[str, Any]) -> Dict[str, Any]:
        name = f"{parent}/operations/{self._ids.next()}"
        self._finished[name] = {"name": name, "done": True, "response": response}
        self._polled[name] = False
        return {"name": name, "done": False}

    def get(self, name: str) -> Dict[str, Any]:
        if name not in self._finished:
            raise ApiError(404, f"Operation {name} not found.", "NOT_FOUND")
        self._polled[name] = True
        return self._finished[name]

    def names(self) -> List[str]:
        return list(self._finished)

    def polled(self, name: str) -> bool:
        """Whether a client has read the operation since it started."""
        return self._polled[name]
