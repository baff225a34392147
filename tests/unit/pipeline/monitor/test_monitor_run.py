"""pipeline.monitor.run up to the checks: which version, which features, and what stops it, on hand-made inputs."""

import datetime
from pathlib import Path
from typing import Optional

import pytest

from pipeline.config.monitoring import MonitoringConfig
from pipeline.monitor import readers, run
from tests.builders import request_traffic
from tests.builders.lineage_store import LineageStore

pytestmark = pytest.mark.unit

END = datetime.datetime(2030, 1, 2, tzinfo=datetime.timezone.utc)
DAY = datetime.timedelta(days=1)
RAW = ["bill_length_mm", "island"]


def saved_model(folder: Path, signature: str) -> None:
    """A saved_model.pb with one signature taking RAW: all that the monitor reads of a model."""
    from tensorflow.core.protobuf import saved_model_pb2

    model = saved_model_pb2.SavedModel()
    graph = model.meta_graphs.add()
    for name in RAW:
        graph.signature_def[signature].inputs[name].name = f"{name}:0"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "saved_model.pb").write_bytes(model.SerializeToString())


@pytest.fixture
def output(tmp_path: Path) -> Path:
    """Two pushed versions with lineage, and a day served mostly by the older one."""
    store = LineageStore(tmp_path / "metadata.sqlite")
    for version in ("1700000000", "1700000500"):
        store.chain(tmp_path / version, version)
    log = tmp_path / "requests.duckdb"
    request_traffic.write_requests(log, request_traffic.resampled(12, seed=1), END - DAY, END, "1700000000")
    request_traffic.write_requests(log, request_traffic.resampled(6, seed=2), END - DAY, END, "1700000500")
    return tmp_path


def monitor(output: Path, config: Optional[dict] = None, version: Optional[str] = None):
    reader = readers.DuckDbReader(output / "requests.duckdb")
    settings = MonitoringConfig.model_validate(config or {})
    return run.monitor(reader, str(output / "metadata.sqlite"), settings, run.Request(END, version))


def test_a_threshold_for_a_feature_the_model_does_not_take_stops_it(output: Path):
    saved_model(output / "1700000000" / "1700000000", "serving_raw")

    with pytest.raises(run.MonitorError) as raised:
        monitor(output, {"features": {"bill_lenght_mm": {"skew": 0.2}}})

    # The version that served most of the window (4 requests against 2) is the one compared with.
    assert str(raised.value) == (
        "monitoring.features names bill_lenght_mm, which model version 1700000000 does not take; "
        "its features are: bill_length_mm, island"
    )


def test_the_version_asked_for_wins_and_needs_its_serving_signature(output: Path):
    saved_model(output / "1700000500" / "1700000500", "serving_default")

    with pytest.raises(
        run.MonitorError, match=r"^model version 1700000500 at .*1700000500 has no 'serving_raw' signature$"
    ):
        monitor(output, version="1700000500")


def test_a_pushed_model_whose_files_are_gone_stops_it(output: Path):
    with pytest.raises(run.MonitorError, match=r"^model version 1700000000: no SavedModel at .*1700000000 or .*model$"):
        monitor(output)
