"""pipeline.mlmd.lineage on ML Metadata stores made here: from a pushed version to its training artifacts."""

from pathlib import Path

import pytest

from pipeline.mlmd import lineage
from tests.builders.lineage_store import LineageStore

pytestmark = pytest.mark.unit


def test_the_chain_leads_from_the_pushed_version_to_its_own_statistics_and_schema(tmp_path: Path):
    store = LineageStore(tmp_path / "m.sqlite")
    old = store.chain(tmp_path / "old", "1700000000", run="run-old")
    new = store.chain(tmp_path / "new", "1700000500", run="run-new")

    found = lineage.find(str(tmp_path / "m.sqlite"), "1700000000")
    latest = lineage.find(str(tmp_path / "m.sqlite"), None)

    assert (found.statistics_uri, found.schema_uri, found.model_uri) == (old["statistics"], old["schema"], old["model"])
    assert found.run_id == "run-old" and found.destination == str(tmp_path / "old" / "1700000000")
    assert found.schema_file == str(Path(old["schema"]) / "schema.pbtxt")
    assert (latest.version, latest.statistics_uri, latest.run_id) == ("1700000500", new["statistics"], "run-new")


@pytest.mark.parametrize(
    ("broken_at", "missing"),
    [
        ("Pusher", "no Pusher execution and its trained model recorded for it"),
        ("Trainer", "no Trainer execution and its transform graph recorded for it"),
        ("Transform", "no Transform execution and its schema recorded for it"),
        ("StatisticsGen", "no statistics of its training examples"),
    ],
)
def test_a_broken_chain_says_where_the_lineage_ends(tmp_path: Path, broken_at: str, missing: str):
    LineageStore(tmp_path / "m.sqlite").chain(tmp_path, "1700000000", broken_at=broken_at)

    with pytest.raises(
        lineage.LineageError, match=f"^model version 1700000000 has no lineage in ML Metadata: {missing}$"
    ):
        lineage.find(str(tmp_path / "m.sqlite"), "1700000000")


def test_an_unknown_version_lists_the_latest_pushed_ones(tmp_path: Path):
    store = LineageStore(tmp_path / "m.sqlite")
    for version in ("1700000000", "1700000100", "1700000200", "1700000300"):
        store.chain(tmp_path / version, version)

    with pytest.raises(
        lineage.LineageError,
        match=r"no pushed model version 42 in .*; the latest are: 1700000300, 1700000200, 1700000100$",
    ):
        lineage.find(str(tmp_path / "m.sqlite"), "42")


def test_no_store_and_no_pushed_model_are_clear_errors(tmp_path: Path):
    with pytest.raises(lineage.LineageError, match=r"^no ML Metadata at .*nothing.sqlite; run `vtx run` first"):
        lineage.find(str(tmp_path / "nothing.sqlite"), None)
    store = LineageStore(tmp_path / "m.sqlite")
    store.artifact("PushedModel", str(tmp_path / "pushed"), pushed=0, pushed_version="1700000000")

    with pytest.raises(lineage.LineageError, match=r"records no pushed model; run `vtx run` until one is blessed$"):
        lineage.find(str(tmp_path / "m.sqlite"), None)


def test_a_file_that_is_not_ml_metadata_is_a_clear_error(tmp_path: Path):
    (tmp_path / "m.sqlite").write_bytes(b"not sqlite at all " * 100)

    with pytest.raises(lineage.LineageError, match=r"^.*m.sqlite is not a readable ML Metadata store: "):
        lineage.find(str(tmp_path / "m.sqlite"), None)
