"""The local registry: versions, aliases, promote and rollback, lineage, and clear errors."""

import json
import multiprocessing
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipeline.config.loader import load_config
from pipeline.registry import RegistryError, open_registry
from pipeline.registry.local import LocalRegistry
from tests.unit.pipeline.registry.conftest import add_version

pytestmark = pytest.mark.unit


def production(registry: LocalRegistry) -> str:
    return registry.resolve("production").version


def test_an_empty_registry_lists_nothing_and_names_itself_when_asked_for_a_model(registry, serving_dir):
    assert registry.list() == []
    for call in (lambda: registry.resolve("production"), lambda: registry.get("1"), registry.rollback):
        with pytest.raises(RegistryError, match=f"the registry at {serving_dir} has no model version yet"):
            call()
    with pytest.raises(RegistryError, match="no model version yet"):
        registry.promote("1700000000")


def test_a_missing_serving_dir_is_an_empty_registry(tmp_path):
    registry = LocalRegistry(str(tmp_path / "nowhere"), str(tmp_path / "metadata.sqlite"))
    assert registry.list() == []


def test_versions_are_listed_newest_first_and_the_newest_push_is_latest_and_production(registry, serving_dir):
    for version in ("1700000000", "1700000300", "1700000100"):
        add_version(serving_dir, version)
    add_version(serving_dir, "1700000900", complete=False)  # the Pusher is still copying it
    (serving_dir / "notes").mkdir()
    listed = registry.list()
    assert [v.version for v in listed] == ["1700000300", "1700000100", "1700000000"]
    assert [v.aliases for v in listed] == [("production", "latest"), (), ()]
    newest = listed[0]
    assert newest.uri == str((serving_dir / "1700000300").resolve())
    assert newest.pushed_at == datetime(2023, 11, 14, 22, 18, 20, tzinfo=timezone.utc)
    assert registry.resolve("latest") == registry.resolve("production") == registry.get("1700000300") == newest


def test_without_ml_metadata_a_version_has_no_lineage(registry, serving_dir):
    add_version(serving_dir, "1700000000")
    version = registry.get("1700000000")
    assert (version.metrics, version.pipeline_run, version.data_fingerprint, version.blessed) == ({}, None, None, True)


def test_promote_moves_production_until_the_next_push(registry, serving_dir):
    add_version(serving_dir, "1700000000")
    add_version(serving_dir, "1700000100")
    promoted = registry.promote("1700000000")
    assert promoted.version == "1700000000" and promoted.aliases == ("production",)
    assert production(registry) == "1700000000"
    assert registry.resolve("latest").version == "1700000100"
    # The pipeline pushes a new version: production follows the push.
    add_version(serving_dir, "1700000200")
    assert production(registry) == "1700000200"
    assert registry.get("1700000200").aliases == ("production", "latest")


def test_rollback_walks_back_through_the_production_versions_in_turn(registry, serving_dir):
    for version in ("1700000000", "1700000100", "1700000200"):
        add_version(serving_dir, version)
    assert registry.rollback().version == "1700000100"
    assert production(registry) == "1700000100"
    assert registry.rollback().version == "1700000000"
    with pytest.raises(RegistryError, match="1700000000 is the only production version .* nothing to roll back"):
        registry.rollback()
    assert production(registry) == "1700000000"


def test_rollback_after_a_promote_returns_to_what_was_production_before_it(registry, serving_dir):
    for version in ("1700000000", "1700000100", "1700000200"):
        add_version(serving_dir, version)
    registry.promote("1700000000")
    assert registry.rollback().version == "1700000200"
    # A rollback after the next push undoes that push.
    add_version(serving_dir, "1700000300")
    assert registry.rollback().version == "1700000200"


def test_promoting_production_again_adds_no_step_to_roll_back(registry, serving_dir):
    add_version(serving_dir, "1700000000")
    add_version(serving_dir, "1700000100")
    registry.promote("1700000100")
    assert registry.rollback().version == "1700000000"


def test_a_deleted_version_drops_out_of_production(registry, serving_dir):
    import shutil

    for version in ("1700000000", "1700000100", "1700000200"):
        add_version(serving_dir, version)
    registry.promote("1700000100")
    shutil.rmtree(serving_dir / "1700000100")
    assert production(registry) == "1700000200"


def test_unknown_versions_and_aliases_name_the_choices(registry, serving_dir):
    add_version(serving_dir, "1700000000")
    add_version(serving_dir, "1700000100")
    choices = "choose production, staging, latest or a version: 1700000100, 1700000000"
    for call in (lambda: registry.resolve("canary"), lambda: registry.get("42"), lambda: registry.promote("42")):
        with pytest.raises(RegistryError, match=f"no version '(canary|42)' in {serving_dir}; {choices}$"):
            call()
    assert not registry.history_path.exists()


@pytest.mark.parametrize(
    "content, reason",
    [
        ("{not json", "not JSON"),
        ('{"format": 1, "events": {}}', "expected"),
        ('{"format": 1, "events": [{"action": "promote", "version": "1700000000", "at": "x"}]}', "no valid 'after'"),
        (
            '{"format": 1, "events": [{"action": "demote", "version": "1", "after": "1", "at": "x"}]}',
            "unknown action 'demote'",
        ),
        ('{"format": 1, "events": ["promote"]}', "event 0 is not an object"),
    ],
)
def test_a_corrupted_alias_file_is_one_clear_error_and_is_left_as_it_is(registry, serving_dir, content, reason):
    add_version(serving_dir, "1700000000")
    registry.history_path.parent.mkdir(parents=True, exist_ok=True)
    registry.history_path.write_text(content)
    for call in (lambda: registry.resolve("production"), lambda: registry.promote("1700000000"), registry.list):
        with pytest.raises(RegistryError, match=f"alias file {registry.history_path} is corrupted .*{reason}"):
            call()
    assert registry.history_path.read_text() == content


def test_a_failed_write_leaves_the_previous_alias_file_whole(registry, serving_dir, monkeypatch):
    add_version(serving_dir, "1700000000")
    add_version(serving_dir, "1700000100")
    registry.promote("1700000000")
    before = registry.history_path.read_text()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(RegistryError, match="cannot write the alias file .*: No space left on device; nothing changed"):
        registry.promote("1700000100")
    assert registry.history_path.read_text() == before
    assert sorted(p.name for p in registry.history_path.parent.iterdir()) == ["aliases.json", "aliases.json.lock"]
    monkeypatch.undo()
    assert production(registry) == "1700000000"


def _promote(serving_dir: str, metadata_path: str, version: str) -> None:
    LocalRegistry(serving_dir, metadata_path).promote(version)


def test_concurrent_promotes_are_all_recorded(registry, serving_dir, tmp_path):
    versions = [str(1700000000 + 100 * i) for i in range(6)]
    for version in versions:
        add_version(serving_dir, version)
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_promote, args=(str(serving_dir), registry.metadata_path, v)) for v in versions * 2
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert all(worker.exitcode == 0 for worker in workers)
    events = json.loads(registry.history_path.read_text())["events"]
    assert sorted(e["version"] for e in events) == sorted(versions * 2)


def test_lineage_comes_from_ml_metadata_and_is_cached(registry, serving_dir, record_push, tmp_path):
    add_version(serving_dir, "1700000000")
    record_push("1700000000", "20231114-221800-001", fingerprint="f00d")
    version = registry.get("1700000000")
    assert (version.pipeline_run, version.data_fingerprint, version.blessed) == ("20231114-221800-001", "f00d", True)
    cache = serving_dir / ".registry" / "versions" / "1700000000.json"
    assert json.loads(cache.read_text())["pipeline_run"] == "20231114-221800-001"
    # Once cached, ML Metadata is not read again: resolve stays cheap while a run writes to the store.
    (tmp_path / "metadata.sqlite").unlink()
    assert registry.resolve("production") == version


def test_a_push_ml_metadata_does_not_know_yet_is_looked_up_again_later(registry, serving_dir, record_push):
    add_version(serving_dir, "1700000000")
    record_push("1699999999", "20231114-000000-001")  # another version's push
    assert registry.get("1700000000").pipeline_run is None
    assert not (serving_dir / ".registry" / "versions" / "1700000000.json").exists()
    record_push("1700000000", "20231114-221800-002", blessed=1)
    assert registry.get("1700000000").pipeline_run == "20231114-221800-002"


def test_open_registry_gives_the_local_registry_under_output_root(tmp_path):
    config = load_config(overrides=[f"output_root={tmp_path}"], environ={})
    registry = open_registry(config)
    assert isinstance(registry, LocalRegistry)
    assert registry.serving_dir == Path(config.serving_dir)
    assert registry.metadata_path == config.metadata_path
