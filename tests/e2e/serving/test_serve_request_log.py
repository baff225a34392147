"""The request-response log: one row per served request with Vertex's columns, the model version and latency."""

import datetime
import json
import subprocess
import sys
import time

import httpx
import pytest

from pipeline.serving.request_log import COLUMNS, duckdb_path
from tests.builders.serving import isolated_output, logged_rows, penguins, pushed_versions, running, serving_config

pytestmark = pytest.mark.e2e


def test_every_served_request_is_one_row_with_its_payloads_and_bad_ones_are_not_logged(served_run, tmp_path):
    output = isolated_output(served_run, tmp_path / "out")
    (version,) = pushed_versions(output)
    pairs = penguins(every=50)
    sent = {}
    started = datetime.datetime.now(datetime.timezone.utc)

    with running(serving_config(output)) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        for i, (instance, _) in enumerate(pairs):
            path = "/predict" if i % 2 else "/v1/projects/p/locations/l/endpoints/penguins-7:predict"
            body = {"instances": [instance] * (i % 3 + 1)}
            response = client.post(path, json=body)
            assert response.status_code == 200, response.text
            sent[response.headers["x-request-id"]] = (path, body, response.json())
        assert client.post("/predict", json={"instances": [{"island": 3}]}).status_code == 400
        assert client.post("/predict", content=b"{").status_code == 400

    rows = logged_rows(output)
    assert len(rows) == len(sent) == len(pairs)
    assert tuple(rows[0]) == COLUMNS
    for row in rows:
        path, body, response = sent[row["request_id"]]
        assert row["endpoint"] == ("local" if path == "/predict" else "penguins-7")
        assert row["deployed_model_id"] == "local"
        assert json.loads(row["request_payload"]) == body
        assert json.loads(row["response_payload"]) == response
        assert row["model_version"] == version
        assert 0 < row["latency_ms"] < 30_000
        assert started <= row["logging_time"] <= datetime.datetime.now(datetime.timezone.utc)
    assert server.lines[-1] == f"Stopped. Request log: {len(pairs)} rows written to {duckdb_path(str(output))}."


HOLD_LOCK = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); sys.stdin.read()"


def test_while_another_process_holds_the_log_requests_are_answered_and_their_rows_arrive_later(served_run, tmp_path):
    output = isolated_output(served_run, tmp_path / "out")
    config = serving_config(output, "serving.request_log.flush_seconds=0.1", "serving.request_log.retry_seconds=0.2")
    instance, _ = penguins()[0]

    with running(config) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, str(duckdb_path(str(output)))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout.readline().strip() == "locked"
            ids = [client.post("/predict", json={"instances": [instance]}).headers["x-request-id"] for _ in range(20)]
            deadline = time.monotonic() + 30
            while _spooled(client) < 20 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _spooled(client) == 20, "the rows did not reach the spool while the table was locked"
        finally:
            holder.communicate("", timeout=30)
        deadline = time.monotonic() + 30
        while _spooled(client) > 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _spooled(client) == 0, "the spool was not replayed once the table was free"

    assert sorted(row["request_id"] for row in logged_rows(output)) == sorted(ids)
    assert not list((output / "request_log_spool").glob("*.jsonl"))


def _spooled(client: httpx.Client) -> float:
    lines = client.get("/metrics").text.splitlines()
    return next(float(line.split()[-1]) for line in lines if line.startswith("vtx_serve_log_spooled_rows "))
