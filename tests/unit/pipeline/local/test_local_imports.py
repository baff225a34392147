"""Unit tests of pipeline.local.imports: the distribution list read once while importing, Beam's in-process cache."""

from importlib import metadata

import pytest

from pipeline.local import imports

pytestmark = pytest.mark.unit


def test_the_distribution_list_is_read_once_inside_and_afresh_after(monkeypatch):
    calls = []
    monkeypatch.setattr(metadata, "packages_distributions", lambda: calls.append(1) or {"google": ["x"]})
    original = metadata.packages_distributions

    with imports._distributions_listed_once():
        assert metadata.packages_distributions() == metadata.packages_distributions() == {"google": ["x"]}
        assert len(calls) == 1
    assert metadata.packages_distributions is original
    metadata.packages_distributions()
    assert len(calls) == 2


def test_the_original_comes_back_when_the_import_fails(monkeypatch):
    original = metadata.packages_distributions
    with pytest.raises(ImportError), imports._distributions_listed_once():
        raise ImportError("no such module")
    assert metadata.packages_distributions is original


def test_beams_in_process_worker_gets_no_side_input_cache(monkeypatch):
    from apache_beam.runners.portability.fn_api_runner import worker_handlers

    monkeypatch.setattr(worker_handlers, "STATE_CACHE_SIZE_MB", 100)
    imports._size_side_inputs_never()
    assert worker_handlers.STATE_CACHE_SIZE_MB == imports.IN_PROCESS_SIDE_INPUT_CACHE_MB == 0
