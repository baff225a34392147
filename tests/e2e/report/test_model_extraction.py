"""pipeline.report.model_info on real runs: the SavedModel's signatures, its size, where it was pushed."""

import pytest

from pipeline.report import model_info, runs
from tests.builders.pipeline_runs import Run, serving_versions

pytestmark = pytest.mark.e2e

RAW_INPUTS = {
    "bill_length_mm": "float",
    "bill_depth_mm": "float",
    "flipper_length_mm": "float",
    "body_mass_g": "float",
    "island": "string",
    "sex": "string",
}


def test_the_pushed_model_has_its_signatures_size_and_version(pushed: runs.RunRecord, first_run: Run):
    section = model_info.extract(pushed.nodes)
    signatures = {s.name: s for s in section.signatures}
    version = serving_versions(first_run.output)[0]

    assert section.trained and section.pushed and section.pushed_now
    assert set(signatures) == {"serving_default", "serving_raw", "transform_features"}
    assert {t.name: t.dtype for t in signatures["serving_raw"].inputs} == RAW_INPUTS
    assert [(t.name, t.dtype, t.shape) for t in signatures["serving_default"].inputs] == [
        ("examples", "string", "(None)")
    ]
    assert {t.name for t in signatures["serving_default"].outputs} == {"classes", "probabilities", "class_names"}
    assert section.size_bytes == model_info.directory_size(section.path or "") > 10_000
    assert section.version == version
    assert section.destination == str(first_run.output / "serving_model" / "penguins" / version)


def test_a_cached_push_is_not_a_new_push(cached: runs.RunRecord, pushed: runs.RunRecord):
    section = model_info.extract(cached.nodes)

    assert section.pushed and not section.pushed_now
    assert section.version == model_info.extract(pushed.nodes).version


def test_an_unblessed_model_is_trained_but_not_pushed(not_blessed: runs.RunRecord):
    section = model_info.extract(not_blessed.nodes)

    assert section.trained and section.trainer_status == "executed"
    assert not section.pushed and section.version is None


def test_a_stopped_run_trained_no_model(stopped: runs.RunRecord):
    assert model_info.extract(stopped.nodes) == model_info.ModelSection()
