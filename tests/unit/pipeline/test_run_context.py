"""Unit tests of pipeline.config.run_context: the runner sets exactly these variables, and settings skip them."""

import pytest

from pipeline.config import run_context
from pipeline.config.loader import ENV_NOT_SETTINGS, env_overrides
from pipeline.local.runner import RunContext

pytestmark = pytest.mark.unit


def test_the_runner_sets_each_run_context_variable_to_its_fact():
    context = RunContext(run_id="20250101-000000-000", git_commit="0123abc", data_fingerprint="fp-1")

    assert context.environment() == {
        "VTX_PIPELINE_RUN_ID": "20250101-000000-000",
        "VTX_GIT_COMMIT": "0123abc",
        "VTX_DATA_FINGERPRINT": "fp-1",
    }
    assert set(context.environment()) == run_context.RUN_CONTEXT_ENV


def test_run_context_variables_are_not_settings():
    assert run_context.RUN_CONTEXT_ENV <= ENV_NOT_SETTINGS
    environ = {name: "x" for name in run_context.RUN_CONTEXT_ENV}

    assert env_overrides({**environ, "VTX_TUNING__TRIALS": "4"}) == {"tuning": {"trials": 4}}
