"""`vtx monitor`'s bad input: one line on stderr, exit status 2, nothing written.

One case per kind of error; the readers' and the lineage's other messages are tested where they are made.
"""

import datetime
import re
from pathlib import Path

import pytest

from tests.builders import request_traffic
from tests.builders.lineage_store import LineageStore

pytestmark = pytest.mark.unit

UTC = datetime.timezone.utc
DAY = datetime.timedelta(days=1)
END = datetime.datetime(2030, 1, 2, tzinfo=UTC)


def one_error_line(done, pattern: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr

    assert re.fullmatch(f"Error: {pattern}", lines[0]), lines[0]


@pytest.fixture
def logged(tmp_path: Path) -> Path:
    """A day of requests served by version 1700000000, ending at END."""
    path = tmp_path / "requests.duckdb"
    request_traffic.write_requests(path, request_traffic.resampled(30, seed=1), END - DAY, END, "1700000000")
    return path


def test_no_request_log(vtx, tmp_path: Path):
    done = vtx("monitor", "--output", str(tmp_path))

    one_error_line(
        done, r"no request log at .*/requests.duckdb: serve the model with `vtx serve` first, or pass --requests"
    )


def test_an_empty_window(vtx, tmp_path: Path, logged: Path):
    done = vtx(
        "monitor", "--output", str(tmp_path), "--requests", str(logged), "--end", "2030-01-05", "--window-hours", "6"
    )

    one_error_line(
        done,
        r"no request logged in table request_response_logging in .*/requests.duckdb from "
        r"2030-01-04T18:00:00\+00:00 to 2030-01-05T00:00:00\+00:00 \(6 h\); widen --window-hours or choose --end",
    )


def test_a_model_without_lineage(vtx, tmp_path: Path, logged: Path):
    LineageStore(tmp_path / "metadata.sqlite").chain(tmp_path / "run", "1700000000", broken_at="Trainer")

    done = vtx("monitor", "--output", str(tmp_path), "--requests", str(logged), "--end", "2030-01-02")

    one_error_line(
        done,
        r"model version 1700000000 has no lineage in ML Metadata: "
        r"no Trainer execution and its transform graph recorded for it",
    )
    assert not (tmp_path / "monitoring").exists()


def test_bigquery_without_a_table(vtx, tmp_path: Path):
    done = vtx("monitor", "--output", str(tmp_path), "--source", "bigquery")

    one_error_line(
        done, r"monitoring.source is bigquery: set monitoring.bigquery_table \(or --table\) to project.dataset.table"
    )


def test_a_bad_threshold_names_its_key(vtx, tmp_path: Path):
    done = vtx("monitor", "--output", str(tmp_path), "--set", "monitoring.features.island.skew=1.5")

    one_error_line(
        done,
        r"bad configuration: 'monitoring.features.island.skew': Input should be less than or equal to 1 \(got 1.5\)",
    )


def test_bigquery_without_credentials_is_one_line(vtx, tmp_path: Path):
    environ = {"GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "no-such-key.json")}
    table = "my-project.logging_penguins.request_response_logging"

    done = vtx("monitor", "--output", str(tmp_path), "--source", "bigquery", "--table", table, env=environ)

    one_error_line(done, rf"no Google credentials to read {table}: File .*no-such-key.json was not found.")


VERTEX_ENV = {
    "VTX_DATA_ROOT": "gs://my-bucket-1/data",
    "VTX_VERTEX__PROJECT": "my-project",
    "VTX_VERTEX__REGION": "europe-west4",
    "VTX_VERTEX__PIPELINE_ROOT": "gs://my-bucket-1/root",
    "VTX_VERTEX__IMAGE": "europe-west4-docker.pkg.dev/my-project/vtx/vertex-tfx:abc",
}


@pytest.mark.parametrize(
    ("logged", "table"),
    [("bq://my-project.logs.requests", "my-project.logs.requests"), ("bq://my-project", None), (None, None)],
)
def test_on_vertex_the_table_defaults_to_the_one_the_endpoint_logs_to(logged, table):
    from pipeline.config import load_config
    from pipeline.monitor import readers

    overrides = [f"vertex.pusher.request_logging.bigquery_table={logged}"] if logged else []
    config = load_config(profile="vertex", overrides=overrides, environ=VERTEX_ENV)

    assert config.monitoring.source == "bigquery"
    assert readers.endpoint_table(config) == table


def test_the_vertex_profile_reads_the_endpoints_table(vtx, tmp_path: Path):
    environ = {**VERTEX_ENV, "GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "no-such-key.json")}
    logged = "vertex.pusher.request_logging.bigquery_table=bq://my-project.logs.requests"

    done = vtx("monitor", "--profile", "vertex", "--set", logged, env=environ)

    one_error_line(
        done, r"no Google credentials to read my-project.logs.requests: File .*no-such-key.json was not found."
    )
