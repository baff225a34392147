"""One interface over the request-response log: DuckDB (`vtx serve`'s table) or BigQuery (a Vertex AI endpoint's)."""

import datetime
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional, Protocol, Sequence, Union

from pipeline.config import PipelineConfig
from pipeline.serving import request_log

SQL_FILE = Path(__file__).with_name("window.sql")
# The table `vtx serve` writes records the version it served; a Vertex AI endpoint's table has no such column.
SERVED_VERSION = "model_version"
NO_VERSION = "CAST(NULL AS STRING)"


class ReaderError(Exception):
    """The log cannot be read: no file, no table, no access; the message says which and what to do."""


@dataclass(frozen=True)
class LoggedRequest:
    """One logged request: when, which deployed model and version served it, and its JSON body (or bodies)."""

    logging_time: datetime.datetime
    deployed_model_id: str
    model_version: Optional[str]
    # A string in `vtx serve`'s table; a list of strings in Vertex AI's (REPEATED STRING).
    request_payload: Union[str, Sequence[str]]


class RequestLogReader(Protocol):
    """Reads the requests logged in [start, end)."""

    description: str

    def read(self, start: datetime.datetime, end: datetime.datetime) -> List[LoggedRequest]: ...


def window_sql(table: str, model_version: str, parameter_prefix: str = "@") -> str:
    """window.sql without its comments, for one table; DuckDB's parameters are $name, BigQuery's @name."""
    lines = [line for line in SQL_FILE.read_text().splitlines() if not line.startswith("--")]
    sql = "\n".join(lines).strip().format(table=table, model_version=model_version)
    return sql.replace("@start", f"{parameter_prefix}start").replace("@end", f"{parameter_prefix}end")


def _rows(rows: Any) -> List[LoggedRequest]:
    return [LoggedRequest(row[0], str(row[1]), None if row[2] is None else str(row[2]), row[3]) for row in rows]


class DuckDbReader:
    """The embedded default: the DuckDB file `vtx serve` writes under output_root."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.description = f"table {request_log.TABLE} in {self.path}"

    def read(self, start: datetime.datetime, end: datetime.datetime) -> List[LoggedRequest]:
        import duckdb

        if not self.path.is_file():
            raise ReaderError(
                f"no request log at {self.path}: serve the model with `vtx serve` first, or pass --requests"
            )
        sql = window_sql(request_log.TABLE, SERVED_VERSION, parameter_prefix="$")
        with tempfile.TemporaryDirectory(prefix="vtx-monitor-") as scratch:
            try:
                connection = self._connect(duckdb, Path(scratch))
            except (duckdb.Error, OSError) as error:
                raise ReaderError(f"{self.path} is not a readable DuckDB file: {_first_line(error)}") from None
            try:
                return _rows(connection.execute(sql, {"start": start, "end": end}).fetchall())
            except duckdb.CatalogException:
                raise ReaderError(f"{self.path} has no table {request_log.TABLE}; it is not a request log") from None
            except duckdb.Error as error:
                raise ReaderError(f"cannot read {self.description}: {_first_line(error)}") from None
            finally:
                connection.close()

    def _connect(self, duckdb: Any, scratch: Path) -> Any:
        """A read-only connection; while `vtx serve` holds the file's write lock, to a copy of it and its WAL."""
        try:
            return duckdb.connect(str(self.path), read_only=True)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
        copy = scratch / self.path.name
        shutil.copyfile(self.path, copy)
        wal = self.path.with_name(self.path.name + ".wal")
        if wal.is_file():
            shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
        return duckdb.connect(str(copy))


class BigQueryReader:
    """The table a Vertex AI endpoint writes with request-response logging, through google-cloud-bigquery."""

    def __init__(self, table: str, project: Optional[str] = None, client: Any = None):
        self.table = table
        self.project = project or table.split(".")[0]
        self.description = f"BigQuery table {table}"
        self._client = client

    def query(self) -> str:
        quoted = ".".join(f"`{part}`" for part in self.table.split("."))
        return window_sql(quoted, NO_VERSION)

    def job_config(self, start: datetime.datetime, end: datetime.datetime) -> Any:
        from google.cloud import bigquery

        return bigquery.QueryJobConfig(
            query_parameters=[
                bigquery.ScalarQueryParameter("start", "TIMESTAMP", start),
                bigquery.ScalarQueryParameter("end", "TIMESTAMP", end),
            ],
            use_legacy_sql=False,
            labels={"vtx-command": "monitor"},
        )

    def read(self, start: datetime.datetime, end: datetime.datetime) -> List[LoggedRequest]:
        from google.api_core import exceptions
        from google.auth import exceptions as auth_exceptions
        from google.cloud import bigquery

        try:
            client = self._client or bigquery.Client(project=self.project)
            rows = client.query_and_wait(self.query(), job_config=self.job_config(start, end), project=self.project)
            return _rows(tuple(row.values()) for row in rows)
        except exceptions.NotFound:
            raise ReaderError(
                f"BigQuery table {self.table} does not exist (or project {self.project} cannot see it)"
            ) from None
        except exceptions.Forbidden as error:
            raise ReaderError(
                f"no permission to read {self.table} from project {self.project}: {error.message}"
            ) from None
        except auth_exceptions.DefaultCredentialsError as error:
            reason = _first_line(error)
            raise ReaderError(f"no Google credentials to read {self.table}: {reason}") from None
        except exceptions.GoogleAPICallError as error:
            raise ReaderError(f"BigQuery query on {self.table} failed: {error.message}") from None


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def endpoint_table(config: PipelineConfig) -> Optional[str]:
    """The table the Vertex AI pusher tells the endpoint to log to, when it names one (bq://project.dataset.table)."""
    logged = config.vertex.pusher.request_logging.bigquery_table if config.vertex else None
    table = (logged or "").removeprefix("bq://")
    return table if table.count(".") == 2 else None


def from_config(config: PipelineConfig, requests: Optional[Path] = None) -> RequestLogReader:
    """The reader `monitoring.source` names; DuckDB reads `requests`, default <output_root>/requests.duckdb."""
    monitoring = config.monitoring
    if monitoring.source == "bigquery":
        table = monitoring.bigquery_table or endpoint_table(config)
        if not table:
            raise ReaderError(
                "monitoring.source is bigquery: set monitoring.bigquery_table (or --table) to project.dataset.table"
            )
        return BigQueryReader(table, monitoring.bigquery_project)
    return DuckDbReader(requests or request_log.duckdb_path(config.output_root))
