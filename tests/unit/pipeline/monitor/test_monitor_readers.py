"""The request log readers: DuckDB on files made here; BigQuery through a stub transport, answered by DuckDB."""

import datetime
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from pipeline.monitor import readers
from pipeline.serving import request_log
from tests.builders import request_traffic, vertex_request_log
from tests.builders.vertex_request_log import as_duckdb, timestamp_param

pytestmark = pytest.mark.unit

UTC = datetime.timezone.utc
START = datetime.datetime(2030, 1, 1, tzinfo=UTC)
END = START + datetime.timedelta(hours=1)
TABLE = vertex_request_log.TABLE


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


# --- BigQuery: the same window.sql, sent through google-cloud-bigquery to a stub transport, which runs it on
# DuckDB holding the endpoint's table with the columns and types Google documents.


def vertex_table() -> vertex_request_log.VertexLogTable:
    """Three requests of two instances: a minute before the window, inside it, and at its end."""
    table = vertex_request_log.VertexLogTable()
    moments = [START - datetime.timedelta(minutes=1), START + datetime.timedelta(minutes=5), END]
    for seed, moment in enumerate(moments):
        table.log_requests(request_traffic.resampled(2, seed=seed), moment, moment + datetime.timedelta(seconds=1))
    return table


class StubBigQuery(vertex_request_log.StubBigQuery):
    def __init__(self, status: int = 200):
        super().__init__(vertex_table(), status)


def test_the_stand_in_table_has_the_documented_columns_and_types():
    assert vertex_request_log.VertexLogTable().columns() == [
        ("endpoint", "VARCHAR"),
        ("deployed_model_id", "VARCHAR"),
        ("logging_time", "TIMESTAMP WITH TIME ZONE"),
        ("request_id", "DECIMAL(38,9)"),
        ("request_payload", "VARCHAR[]"),
        ("response_payload", "VARCHAR[]"),
    ]
    assert request_log.VERTEX_SCHEMA[3] == ("request_id", "NUMERIC", "NULLABLE")
    assert [mode for _, _, mode in request_log.VERTEX_SCHEMA].count("REPEATED") == 2


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
        == readers.window_sql("`my-project`.`logging_penguins_1234`.`request_response_logging`", "CAST(NULL AS STRING)")
    )
    assert body["useLegacySql"] is False and body["parameterMode"] == "NAMED"
    assert timestamp_param(body, "start") == START
    assert timestamp_param(body, "end") == END
    assert body["labels"] == {"vtx-command": "monitor"}
    # Only the request inside [start, end), its payload as Vertex stores it: a list of strings.
    [row] = rows
    assert row.logging_time == START + datetime.timedelta(minutes=5)
    assert row.deployed_model_id == "5678" and row.model_version is None
    assert json.loads(row.request_payload[0]) == {"instances": request_traffic.resampled(2, seed=1)}


def test_the_bigquery_query_gives_the_same_rows_on_duckdb():
    stub = StubBigQuery()
    reader = bigquery_reader(stub)
    from_bigquery = reader.read(START - datetime.timedelta(hours=1), END + datetime.timedelta(hours=1))

    on_duckdb = stub.table.connection.execute(
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


def test_a_repeated_payload_of_whole_bodies_or_of_single_instances_gives_the_same_examples():
    from pipeline.monitor import instances

    sent = request_traffic.resampled(7, seed=4)
    tables = [vertex_request_log.VertexLogTable() for _ in range(2)]
    tables[0].log_requests(sent, START, END)
    tables[1].log_requests(sent, START, END, split_instances=True)

    found = []
    for table in tables:
        rows = bigquery_reader(vertex_request_log.StubBigQuery(table)).read(START, END)
        assert len(rows) == 3 and all(isinstance(row.request_payload, list) for row in rows)
        found.append(instances.examples((row.request_payload for row in rows), sorted(request_traffic.NUMERIC)))

    assert found[0].count == found[1].count == 7 and found[0].unreadable == found[1].unreadable == 0
    assert found[0].columns == found[1].columns
    assert found[0].columns["island"] == [instance.get("island") for instance in sent]
