"""The local registry's release stages: pushes go to staging, production moves by promotion only, smoke records."""

import json

import pytest

from pipeline.registry import RegistryError
from pipeline.registry.local import LocalRegistry
from pipeline.registry.model import SmokeRecord
from tests.unit.pipeline.registry.conftest import add_version

pytestmark = pytest.mark.unit


def aliases(registry: LocalRegistry) -> dict:
    return {v.version: v.aliases for v in registry.list()}


def test_a_push_after_the_staging_mark_is_staging_and_production_waits_for_a_promote(registry, serving_dir):
    assert registry.mark_staged(1700000000) == 1700000000
    add_version(serving_dir, "1700000100")
    assert aliases(registry) == {"1700000100": ("staging", "latest")}
    with pytest.raises(RegistryError, match="is production yet; `vtx promote` makes the staging version production"):
        registry.resolve("production")
    with pytest.raises(RegistryError, match="is production yet; nothing to roll back"):
        registry.rollback()
    registry.promote("1700000100")
    add_version(serving_dir, "1700000200")
    assert aliases(registry) == {"1700000200": ("staging", "latest"), "1700000100": ("production",)}
    registry.promote("1700000200")
    assert registry.resolve("production").version == "1700000200"
    assert registry.rollback().version == "1700000100"
    assert aliases(registry) == {"1700000200": ("staging", "latest"), "1700000100": ("production",)}


def test_an_existing_users_production_push_stays_production_until_a_promote(registry, serving_dir):
    add_version(serving_dir, "1600000000")
    add_version(serving_dir, "1600000100")
    registry.promote("1600000000")
    # The first run with release stages marks the registry; the mark never moves once written.
    assert registry.mark_staged(1700000000) == 1700000000
    assert registry.mark_staged(1800000000) == 1700000000
    add_version(serving_dir, "1700000050")
    assert aliases(registry) == {
        "1700000050": ("staging", "latest"),
        "1600000100": (),
        "1600000000": ("production",),
    }
    registry.promote("1700000050")
    assert registry.rollback().version == "1600000000"


def test_the_mark_survives_promotes_and_a_bad_mark_is_a_corrupted_file(registry, serving_dir):
    registry.mark_staged(1700000000)
    add_version(serving_dir, "1700000100")
    registry.promote("1700000100")
    data = json.loads(registry.history_path.read_text())
    assert data["staged_since"] == "1700000000" and len(data["events"]) == 1
    data["staged_since"] = "soon"
    registry.history_path.write_text(json.dumps(data))
    with pytest.raises(RegistryError, match="corrupted \\('staged_since' is not a version number: 'soon'\\)"):
        registry.list()


def test_smoke_records_are_kept_per_version_and_a_damaged_one_is_one_line(registry, serving_dir):
    add_version(serving_dir, "1700000100")
    assert registry.smoke_record("1700000100") is None
    record = SmokeRecord(False, "2026-12-04T17:00:00+00:00", ("accuracy 0.5 is 0.45 below the Evaluator's 0.95",))
    registry.record_smoke("1700000100", record)
    assert registry.smoke_record("1700000100") == record
    (serving_dir / ".registry" / "smoke" / "1700000100.json").write_text("{")
    with pytest.raises(RegistryError, match="the smoke record of version 1700000100 is unreadable"):
        registry.smoke_record("1700000100")
