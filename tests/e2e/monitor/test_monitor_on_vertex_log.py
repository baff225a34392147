"""`vtx monitor --profile vertex` on a Vertex AI endpoint's request-response log, in the table's documented schema.

The BigQuery table is DuckDB behind the real google-cloud-bigquery client (tests/builders/vertex_request_log.py);
the model whose training data it is compared with is the first run's.
"""

import datetime
from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from pipeline.config import load_config
from pipeline.monitor import readers
from pipeline.monitor.run import Request, monitor
from tests.builders import request_traffic, vertex_request_log
from tests.builders.pipeline_runs import Run, serving_versions

pytestmark = pytest.mark.e2e

END = datetime.datetime(2030, 1, 2, tzinfo=datetime.timezone.utc)
DAY = datetime.timedelta(days=1)
VERTEX = [
    "data_root=gs://my-bucket-1/data",
    "vertex.project=my-project",
    "vertex.region=europe-west4",
    "vertex.pipeline_root=gs://my-bucket-1/root",
    "vertex.image=europe-west4-docker.pkg.dev/my-project/vtx/vertex-tfx:abc",
    f"vertex.pusher.request_logging.bigquery_table=bq://{vertex_request_log.TABLE}",
]


def run_monitor(first_run: Run, shift: bool, split_instances: bool):
    """A day of traffic, then a day of the same or shifted traffic, logged as the endpoint logs it."""
    config = load_config(profile="vertex", overrides=[*VERTEX, f"output_root={first_run.output}"], environ={})
    table = vertex_request_log.VertexLogTable()
    before = request_traffic.resampled(400, seed=1)
    table.log_requests(before, END - 2 * DAY, END - DAY, split_instances=split_instances)
    current = request_traffic.resampled(400, seed=2)
    current = request_traffic.shifted(current, seed=3) if shift else current
    table.log_requests(current, END - DAY, END, split_instances=split_instances)
    client = bigquery.Client(
        project="my-project", credentials=AnonymousCredentials(), _http=vertex_request_log.StubBigQuery(table)
    )
    # The reader the vertex profile picks: BigQuery, the table the pusher has the endpoint log to.
    assert config.monitoring.source == "bigquery"
    reader = readers.BigQueryReader(readers.endpoint_table(config), client=client)
    return monitor(reader, config.metadata_path, config.monitoring, Request(END))


@pytest.mark.parametrize("split_instances", [False, True], ids=["whole-bodies", "one-instance-each"])
def test_calm_traffic_in_the_endpoints_table_raises_no_alert(first_run: Run, split_instances: bool):
    result = run_monitor(first_run, shift=False, split_instances=split_instances)

    assert result.source == f"BigQuery table {vertex_request_log.TABLE}"
    assert (result.window.requests, result.window.instances, result.window.unreadable) == (134, 400, 0)
    assert result.previous.instances == 400
    # A Vertex AI table names no model version: the latest pushed one is compared with.
    assert result.served_by == {} and result.model_version == serving_versions(first_run.output)[-1]
    assert [feature.name for feature in result.features if feature.flagged] == []


def test_shifted_traffic_in_the_endpoints_table_flags_exactly_those_features(first_run: Run, tmp_path: Path):
    result = run_monitor(first_run, shift=True, split_instances=False)

    assert sorted(feature.name for feature in result.features if feature.flagged) == ["bill_length_mm", "island"]
