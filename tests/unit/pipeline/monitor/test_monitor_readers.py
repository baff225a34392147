"""The request log readers: DuckDB on files made here; BigQuery through a stub transport, answered by DuckDB."""

import datetime
import json
import subprocess
import sys
from pathlib import Path
from typing import List

import duckdb
import pytest
import requests
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from pipeline.monitor import readers
from pipeline.serving import request_log
from tests.builders import request_traffic

pytestmark = pytest.mark.unit

UTC = datetime.timezone.utc
START = datetime.datetime(2030, 1, 1, tzinfo=UTC)
END = START + datetime.timedelta(hours=1)
TABLE = "my-project.logging_penguins.request_response_logging"


def _log(path: Path) -> None:
    """Four requests: just before the window, at its start, inside it, and at its end."""
    instances = request_traffic.resampled(4, seed=0)
    moments = [START - datetime.timedelta(seconds=1), START, START + datetime.timedelta(minutes=30), END]
    for index, (instance, moment) in enumerate(zip(instances, moments, strict=True)):
        request_traffic.write_requests(path, [instance], moment, moment, model_version=f"v{index}")


def test_duckdb_reads_the_half_open_window_oldest_first(tmp_path: Path):
    _log(tmp_path / "requests.duckdb")

    rows = readers.DuckDbReader(tmp_path / "requests.duckdb").read(START, END)

    assert [row.model_version for row in rows] == ["v1", "v2"]
    assert [row.logging_time for row in rows] == [START, START + datetime.timedelta(minutes=30)]
    assert json.loads(rows[0].request_payload)["instances"][0] == request_traffic.resampled(4, seed=0)[1]
    assert rows[0].deployed_model_id == "vtx-serve"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, r"no request log at .*requests.duckdb: serve the model with `vtx serve` first, or pass --requests$"),
        (b"not a database", r".*requests.duckdb is not a readable DuckDB file: "),
        ("other_table", rf".*requests.duckdb has no table {request_log.TABLE}; it is not a request log$"),
        (request_log.TABLE, rf"cannot read table {request_log.TABLE} in .*requests.duckdb: Binder Error: "),
    ],
)
def test_duckdb_errors_name_the_file_and_the_problem(tmp_path: Path, content, message):
    path = tmp_path / "requests.duckdb"
    if isinstance(content, bytes):
        path.write_bytes(content * 1000)
    elif content:
        with duckdb.connect(str(path)) as connection:
            connection.execute(f"CREATE TABLE {content} (x INTEGER)")

    with pytest.raises(readers.ReaderError, match=message):
        readers.DuckDbReader(path).read(START, END)


def test_duckdb_reads_a_copy_while_a_server_holds_the_write_lock(tmp_path: Path):
    path = tmp_path / "requests.duckdb"
    _log(path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print('ready', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(path), read_only=True)

        rows = readers.DuckDbReader(path).read(START, END)
    finally:
        holder.communicate("", timeout=30)

    assert [row.model_version for row in rows] == ["v1", "v2"]


# --- BigQuery: the same window.sql, sent through google-cloud-bigquery to a stub transport. ---


def vertex_table(connection) -> None:
    """A DuckDB copy of the table a Vertex AI endpoint writes: payloads are REPEATED STRING, no model version."""
    connection.execute("ATTACH ':memory:' AS \"my-project\"")
    connection.execute('CREATE SCHEMA "my-project".logging_penguins')
    connection.execute(
        'CREATE TABLE "my-project".logging_penguins.request_response_logging (endpoint VARCHAR, '
        "deployed_model_id VARCHAR, logging_time TIMESTAMPTZ, request_id DECIMAL(38, 0), "
        "request_payload VARCHAR[], response_payload VARCHAR[])"
    )
    bodies = [json.dumps({"instances": request_traffic.resampled(2, seed=seed)}) for seed in range(3)]
    moments = [START - datetime.timedelta(minutes=1), START + datetime.timedelta(minutes=5), END]
    for request_id, (body, moment) in enumerate(zip(bodies, moments, strict=True)):
        connection.execute(
            'INSERT INTO "my-project".logging_penguins.request_response_logging VALUES (?, ?, ?, ?, ?, ?)',
            ["projects/1/locations/europe-west4/endpoints/2", "3", moment, request_id, [body], ["{}"]],
        )


def as_duckdb(sql: str) -> str:
    """BigQuery's dialect to DuckDB's, for this query: `quoted` names and @parameters."""
    return sql.replace("`", '"').replace("@start", "$start").replace("@end", "$end")


def _timestamp_param(body: dict, name: str) -> datetime.datetime:
    [param] = [p for p in body["queryParameters"] if p["name"] == name]
    assert param["parameterType"] == {"type": "TIMESTAMP"}
    return datetime.datetime.fromisoformat(param["parameterValue"]["value"].replace(" ", "T").removesuffix("Z"))


class StubBigQuery:
    """google-cloud-bigquery's HTTP session, stubbed: records each request; runs the query it gets on DuckDB."""

    is_mtls = False

    def __init__(self, status: int = 200):
        self.sent: List[dict] = []
        self.status = status
        self.connection = duckdb.connect()
        vertex_table(self.connection)

    def request(self, method, url, data=None, headers=None, timeout=None, **_):
        body = json.loads(data) if data else {}
        self.sent.append({"method": method, "url": url, "body": body})
        if self.status != 200:
            payload = {"error": {"code": self.status, "message": "Not found: Table my-project:logging_penguins.x"}}
            return self._response(method, url, payload)
        params = {name: _timestamp_param(body, name) for name in ("start", "end")}
        cursor = self.connection.execute(as_duckdb(body["query"]), params)
        names = [column[0] for column in cursor.description]
        rows = [{"f": [self._cell(value) for value in row]} for row in cursor.fetchall()]
        fields = [{"name": n, "type": "TIMESTAMP" if n == "logging_time" else "STRING"} for n in names]
        fields[-1]["mode"] = "REPEATED"
        payload = {
            "kind": "bigquery#queryResponse",
            "jobComplete": True,
            "schema": {"fields": fields},
            "rows": rows,
            "totalRows": str(len(rows)),
            "jobReference": {"projectId": "my-project", "jobId": "job-1", "location": "EU"},
        }
        return self._response(method, url, payload)

    def _cell(self, value):
        if isinstance(value, datetime.datetime):
            return {"v": str(int(value.timestamp() * 1_000_000))}
        if isinstance(value, list):
            return {"v": [{"v": item} for item in value]}
        return {"v": value}

    def _response(self, method, url, payload) -> requests.Response:
        response = requests.Response()
        response.status_code = self.status
        response._content = json.dumps(payload).encode()
        response.headers["content-type"] = "application/json"
        response.request = requests.Request(method, url).prepare()
        return response


def bigquery_reader(stub: StubBigQuery) -> readers.BigQueryReader:
    client = bigquery.Client(project="my-project", credentials=AnonymousCredentials(), _http=stub)
    return readers.BigQueryReader(TABLE, client=client)


def test_bigquery_sends_window_sql_with_timestamp_parameters_and_reads_repeated_payloads():
    stub = StubBigQuery()
    reader = bigquery_reader(stub)

    rows = reader.read(START, END)

    [sent] = stub.sent
    assert sent["method"] == "POST" and sent["url"].split("?")[0].endswith("/bigquery/v2/projects/my-project/queries")
    body = sent["body"]
    assert (
        body["query"]
        == reader.query()
        == readers.window_sql("`my-project`.`logging_penguins`.`request_response_logging`", "CAST(NULL AS STRING)")
    )
    assert body["useLegacySql"] is False and body["parameterMode"] == "NAMED"
    assert _timestamp_param(body, "start") == START
    assert _timestamp_param(body, "end") == END
    assert body["labels"] == {"vtx-command": "monitor"}
    # Only the request inside [start, end), its payload as Vertex stores it: a list of strings.
    [row] = rows
    assert row.logging_time == START + datetime.timedelta(minutes=5)
    assert row.deployed_model_id == "3" and row.model_version is None
    assert json.loads(row.request_payload[0]) == {"instances": request_traffic.resampled(2, seed=1)}


def test_the_bigquery_query_gives_the_same_rows_on_duckdb():
    stub = StubBigQuery()
    reader = bigquery_reader(stub)
    from_bigquery = reader.read(START - datetime.timedelta(hours=1), END + datetime.timedelta(hours=1))

    on_duckdb = stub.connection.execute(
        as_duckdb(reader.query()),
        {"start": START - datetime.timedelta(hours=1), "end": END + datetime.timedelta(hours=1)},
    ).fetchall()

    assert len(from_bigquery) == 3
    assert [(r.logging_time, r.deployed_model_id, r.model_version, list(r.request_payload)) for r in from_bigquery] == [
        (when, model, version, payload) for when, model, version, payload in on_duckdb
    ]


def test_a_missing_bigquery_table_is_one_clear_error():
    with pytest.raises(readers.ReaderError, match=rf"^BigQuery table {TABLE} does not exist \(or project my-project"):
        bigquery_reader(StubBigQuery(status=404)).read(START, END)


def test_window_sql_reads_vtx_serves_table_on_duckdb_too(tmp_path: Path):
    _log(tmp_path / "requests.duckdb")
    sql = readers.window_sql(request_log.TABLE, readers.SERVED_VERSION, parameter_prefix="$")

    with duckdb.connect(str(tmp_path / "requests.duckdb"), read_only=True) as connection:
        rows = connection.execute(sql, {"start": START, "end": END}).fetchall()

    assert "@" not in sql and "{" not in sql and "--" not in sql
    assert [row[2] for row in rows] == ["v1", "v2"]
