"""The request-response log: Vertex AI's BigQuery table as Google documents it, and `vtx serve`'s DuckDB table."""

from pathlib import Path
from typing import Dict, Tuple

# The table a Vertex AI endpoint writes with request-response logging (schema v1, which Vertex AI creates for
# an endpoint unless told otherwise): one row per sampled request, every column NULLABLE but the payloads,
# which are REPEATED STRING. Name, BigQuery type, mode.
VERTEX_SCHEMA: Tuple[Tuple[str, str, str], ...] = (
    ("endpoint", "STRING", "NULLABLE"),
    ("deployed_model_id", "STRING", "NULLABLE"),
    ("logging_time", "TIMESTAMP", "NULLABLE"),
    ("request_id", "NUMERIC", "NULLABLE"),
    ("request_payload", "STRING", "REPEATED"),
    ("response_payload", "STRING", "REPEATED"),
)
VERTEX_COLUMNS: Tuple[str, ...] = tuple(name for name, _, _ in VERTEX_SCHEMA)
# BigQuery's types as DuckDB spells them: NUMERIC is DECIMAL(38, 9); REPEATED is a list.
_DUCKDB_TYPES: Dict[str, str] = {"STRING": "VARCHAR", "TIMESTAMP": "TIMESTAMPTZ", "NUMERIC": "DECIMAL(38, 9)"}


def vertex_duckdb_ddl(table: str) -> str:
    """A DuckDB table with Vertex AI's columns and types: the embedded stand-in for the endpoint's BigQuery table."""
    columns = [
        f"{name} {_DUCKDB_TYPES[kind]}{'[]' if mode == 'REPEATED' else ''}" for name, kind, mode in VERTEX_SCHEMA
    ]
    return f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(columns)})"


# `vtx serve` writes Vertex AI's columns, with request_payload and response_payload each holding one whole JSON
# body ({"instances": [...]}, {"predictions": [...], ...}) and request_id the response's X-Request-Id (hex),
# plus these two, which a Vertex AI endpoint's table does not have.
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
