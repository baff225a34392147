"""The request-response log table: Vertex AI's BigQuery logging columns, plus model version and latency."""

from pathlib import Path
from typing import Tuple

# Vertex AI writes these columns when an endpoint logs requests to BigQuery, one row per request.
# Here request_payload and response_payload hold the request and response JSON bodies
# ({"instances": [...]} and {"predictions": [...], ...}); Vertex's own table stores them as
# REPEATED STRING, which a BigQuery reader flattens to the same text.
VERTEX_COLUMNS: Tuple[str, ...] = (
    "endpoint",
    "deployed_model_id",
    "logging_time",
    "request_id",
    "request_payload",
    "response_payload",
)
# Written by `vtx serve` only; a Vertex endpoint's table has no such columns.
EXTRA_COLUMNS: Tuple[str, ...] = ("model_version", "latency_ms")
COLUMNS: Tuple[str, ...] = VERTEX_COLUMNS + EXTRA_COLUMNS

TABLE = "request_response_logging"

# The embedded default: one row per logged request, in a DuckDB file under the output root.
DUCKDB_DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    endpoint VARCHAR NOT NULL,
    deployed_model_id VARCHAR NOT NULL,
    logging_time TIMESTAMPTZ NOT NULL,
    request_id VARCHAR NOT NULL,
    request_payload VARCHAR NOT NULL,
    response_payload VARCHAR NOT NULL,
    model_version VARCHAR,
    latency_ms DOUBLE
)
"""


def duckdb_path(output_root: str) -> Path:
    """Where `vtx serve` logs requests locally and `vtx monitor` reads them."""
    return Path(output_root) / "requests.duckdb"
