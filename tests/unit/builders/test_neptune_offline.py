"""Unit tests of tests.builders.neptune_offline: a run's offline disk queue read back as its final fields."""

import json

import pytest

from tests.builders.neptune_offline import read_offline_runs

pytestmark = pytest.mark.unit


def test_read_offline_runs_replays_operations_in_version_order(tmp_path):
    run_dir = tmp_path / ".neptune" / "offline" / "run__abc__1__xyz"
    run_dir.mkdir(parents=True)
    (run_dir / "metadata.json").write_text(json.dumps({"createdAt": "2026-01-01T00:00:00+00:00"}))

    def line(version: int, **obj) -> str:
        return json.dumps({"obj": obj, "version": version, "at": 0.0}) + "\n"

    # A disk queue split in two files, each named after the first version it holds.
    (run_dir / "data-1.log").write_text(
        line(1, type="AssignFloat", path=["parameters", "lr"], value=0.1)
        + line(2, type="AddStrings", path=["sys", "tags"], values=["a", "b"])
        + line(3, type="LogFloats", path=["m", "acc"], values=[{"value": 0.5, "step": None, "ts": 0.0}])
    )
    (run_dir / "data-4.log").write_text(
        line(4, type="AssignFloat", path=["parameters", "lr"], value=0.2)
        + line(5, type="LogFloats", path=["m", "acc"], values=[{"value": 0.7, "step": None, "ts": 0.0}])
        + line(6, type="RemoveStrings", path=["sys", "tags"], values=["a"])
        + line(7, type="AssignString", path=["gone"], value="x")
        + line(8, type="DeleteAttribute", path=["gone"])
    )
    assert read_offline_runs(tmp_path / ".neptune") == [{"parameters/lr": 0.2, "sys/tags": ["b"], "m/acc": [0.5, 0.7]}]
    assert read_offline_runs(tmp_path / "nothing-here") == []
