"""Our executors turn the per-run parameters into what TFX's executors read."""

import json

import pytest
import tensorflow_model_analysis as tfma
from google.protobuf import json_format
from tfx.utils import proto_utils

from components import executors
from pipeline.config.loader import load_config
from pipeline.dag.eval_config import eval_config

pytestmark = pytest.mark.unit


def accuracy_threshold(config: tfma.EvalConfig) -> tfma.MetricThreshold:
    for spec in config.metrics_specs:
        for metric in spec.metrics:
            if json.loads(metric.config or "{}").get("name") == "accuracy":
                return metric.per_slice_thresholds[0].threshold
    raise AssertionError("no accuracy metric")


def test_steps_become_train_and_eval_args():
    properties = {"train_args": '{"num_steps": 1}', "train_steps": 500, "eval_steps": 7, "run_fn": "m.f"}

    applied = executors.apply_steps(properties)

    assert json.loads(applied["train_args"]) == {"num_steps": 500}
    assert json.loads(applied["eval_args"]) == {"num_steps": 7}
    assert "train_steps" not in applied and "eval_steps" not in applied
    assert applied["run_fn"] == "m.f"
    assert properties["train_steps"] == 500, "the input is not changed"


def test_trials_join_the_custom_config():
    properties = {"custom_config": json.dumps({"code_fingerprint": "abc", "max_trials": 3}), "max_trials": 9}

    applied = executors.apply_trials(properties)

    assert json.loads(applied["custom_config"]) == {"code_fingerprint": "abc", "max_trials": 9}
    assert "max_trials" not in applied


def test_the_threshold_moves_only_the_accuracy_lower_bound():
    config = eval_config(load_config(environ={}))
    properties = {"eval_config": proto_utils.proto_to_json(config), "accuracy_threshold": 0.75}

    applied = executors.apply_threshold(properties)

    threshold = accuracy_threshold(json_format.Parse(applied["eval_config"], tfma.EvalConfig()))
    assert threshold.value_threshold.lower_bound.value == pytest.approx(0.75)
    assert threshold.change_threshold == accuracy_threshold(config).change_threshold
    assert "accuracy_threshold" not in applied


def test_without_the_parameters_nothing_changes():
    properties = {"train_args": '{"num_steps": 1}', "custom_config": "{}", "eval_config": "{}"}

    assert executors.apply_steps(properties) == properties
    assert executors.apply_trials(properties) == properties
    assert executors.apply_threshold(properties) == properties


def test_prepare_without_vertex_keys_touches_nothing(monkeypatch):
    monkeypatch.setattr(executors.modules_source, "use_modules_from", lambda uri: pytest.fail("no modules_uri"))
    monkeypatch.delenv("NEPTUNE_PROJECT", raising=False)

    executors.prepare({"custom_config": json.dumps({"code_fingerprint": "abc"})})

    import os

    assert "NEPTUNE_PROJECT" not in os.environ


def test_prepare_loads_modules_from_the_configured_uri(monkeypatch):
    loaded = []
    monkeypatch.setattr(executors.modules_source, "use_modules_from", loaded.append)

    executors.prepare({"custom_config": json.dumps({executors.MODULES_URI: "gs://b/modules/abc/"})})

    assert loaded == ["gs://b/modules/abc/"]
