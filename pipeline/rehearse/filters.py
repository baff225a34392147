"""The AIP-160 filters of a resolver's outputArtifactQueries, read and applied to the rehearsal's artifacts."""

import re
from dataclasses import dataclass
from typing import Any, Dict, List

# The clauses TFX's Kubeflow V2 compiler and vertex/compile.py write: field=value, joined by AND.
_CLAUSE = re.compile(r'^(?P<field>[A-Za-z_][\w.]*)\s*=\s*(?:"(?P<string>[^"]*)"|(?P<bare>[\w.+-]+))$')
_METADATA = re.compile(r"^metadata\.(?P<key>\w+)\.(?P<kind>number_value|string_value)$")


class FilterError(ValueError):
    """A filter clause this reader does not know; Vertex AI would read it, so the rehearsal must not guess."""


@dataclass(frozen=True)
class Clause:
    field: str
    value: Any


def parse(expression: str) -> List[Clause]:
    """The clauses of `expression`; schema_title, state, name and metadata.<key>.<kind>_value are known."""
    clauses = []
    for text in re.split(r"\s+AND\s+", expression.strip()):
        found = _CLAUSE.match(text.strip())
        if not found:
            raise FilterError(f"unsupported filter clause {text!r} in {expression!r}")
        field = found["field"]
        value: Any = found["string"] if found["string"] is not None else found["bare"]
        metadata = _METADATA.match(field)
        if metadata and metadata["kind"] == "number_value":
            value = float(value)
        elif not metadata and field not in ("schema_title", "state", "name"):
            raise FilterError(f"unsupported filter field {field!r} in {expression!r}")
        clauses.append(Clause(field, value))
    return clauses


def _holds(artifact: Dict[str, Any], clause: Clause) -> bool:
    if clause.field in ("schema_title", "state", "name"):
        return artifact.get(clause.field) == clause.value
    metadata = _METADATA.match(clause.field)
    assert metadata
    value = artifact.get("metadata", {}).get(metadata["key"])
    if metadata["kind"] == "number_value":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and float(value) == clause.value
    return isinstance(value, str) and value == clause.value


def matches(artifact: Dict[str, Any], clauses: List[Clause]) -> bool:
    return all(_holds(artifact, clause) for clause in clauses)
