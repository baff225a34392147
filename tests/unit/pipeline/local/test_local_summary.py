"""Unit tests of pipeline.local.summary: the end-of-run text from node runs, verdicts and Neptune info."""

import json
from pathlib import Path

import pytest
from ml_metadata.proto import metadata_store_pb2
from tensorflow_model_analysis.proto import validation_result_pb2

from pipeline import mlmd
from pipeline.config.loader import load_config
from pipeline.local import summary
from pipeline.report.verdict import describe_failure

pytestmark = pytest.mark.unit


@pytest.fixture
def config(tmp_path):
    return load_config(overrides=[f"output_root={tmp_path / 'out'}"], environ={})


def artifact(uri: str = "", **properties) -> metadata_store_pb2.Artifact:
    result = metadata_store_pb2.Artifact(uri=uri)
    for name, value in properties.items():
        if isinstance(value, int):
            result.custom_properties[name].int_value = value
        else:
            result.custom_properties[name].string_value = value
    return result


def node(node_id: str, status: str = "executed", **outputs) -> mlmd.NodeRun:
    return mlmd.NodeRun(node_id, status, 1.0, outputs={key: [value] for key, value in outputs.items()})


def test_custom_property_reads_any_type_or_none():
    item = artifact(pushed=1, pushed_destination="/serving/1")
    item.custom_properties["score"].double_value = 0.5

    assert mlmd.custom_property(item, "pushed") == 1
    assert mlmd.custom_property(item, "pushed_destination") == "/serving/1"
    assert mlmd.custom_property(item, "score") == 0.5
    assert mlmd.custom_property(item, "absent") is None


def test_render_counts_executed_and_cached_components_but_not_the_resolver(config):
    nodes = {
        "CsvExampleGen": node("CsvExampleGen", "cached"),
        "StatisticsGen": node("StatisticsGen", "cached"),
        "Trainer": node("Trainer", "executed"),
        "Resolver": node("Resolver", "executed"),
    }

    first_line = summary.render(config, "run-1", nodes, 12.34).splitlines()[0]

    assert first_line == "Run run-1: 12.3 s, 1 components executed, 2 cached."


@pytest.mark.parametrize(
    ("status", "pushed", "expected"),
    [
        (
            "executed",
            1,
            [
                "Model: version 17 pushed in this run: /serving/17",
                "  it is the staging version: `vtx smoke` tries it, then `vtx promote` makes it production",
            ],
        ),
        ("cached", 1, ["Model: version 17 already pushed by an earlier run; nothing pushed now: /serving/17"]),
        ("executed", 0, ["Model: not pushed (not blessed)."]),
    ],
)
def test_render_says_where_the_model_went(config, status, pushed, expected):
    pushed_model = artifact(pushed=pushed, pushed_version="17", pushed_destination="/serving/17")

    text = summary.render(config, "r", {"Pusher": node("Pusher", status, pushed_model=pushed_model)}, 1.0)

    assert text.splitlines()[1:] == expected


MLFLOW = {
    "backend": "mlflow",
    "run": "1d32b243",
    "experiment": "vertex-tfx-penguins",
    "open": "/v/bin/mlflow ui --backend-store-uri sqlite:////o/mlflow.db",
}


@pytest.mark.parametrize(
    ("trainer", "tracked", "expected"),
    [
        (
            MLFLOW,
            MLFLOW,
            [
                "Tracking: mlflow: run 1d32b243 of experiment vertex-tfx-penguins; "
                "open: /v/bin/mlflow ui --backend-store-uri sqlite:////o/mlflow.db"
            ],
        ),
        (
            {"backend": "neptune", "mode": "offline", "offline_dir": "/o/.neptune"},
            {"backend": "neptune", "mode": "offline", "offline_dir": "/o/.neptune"},
            ["Tracking: neptune: offline run under /o/.neptune (Neptune's hosted service is closed)"],
        ),
        (
            {**MLFLOW, "warning": "experiment tracking (mlflow) is off for the rest of this run: refused"},
            {"backend": "mlflow", "warning": "experiment tracking (mlflow) is off for the rest of this run: refused"},
            [
                "Tracking warning (Trainer): experiment tracking (mlflow) is off for the rest of this run: refused",
                "Tracking warning: experiment tracking (mlflow) is off for the rest of this run: refused",
            ],
        ),
        ({"backend": "none"}, {"backend": "none"}, ["Tracking: off (tracking.backend: none)"]),
    ],
    ids=["mlflow", "neptune-offline", "dead", "none"],
)
def test_render_says_where_the_tracking_went(config, tmp_path: Path, trainer, tracked, expected):
    (tmp_path / "tracking.json").write_text(json.dumps(trainer))

    text = summary.render(config, "r", {"Trainer": node("Trainer", model_run=artifact(str(tmp_path)))}, 1.0, tracked)

    assert text.splitlines()[1:] == expected
    assert "neptune sync" not in text


def test_render_without_tracking_info_says_nothing_about_tracking(config, tmp_path):
    text = summary.render(config, "r", {"Trainer": node("Trainer", model_run=artifact(str(tmp_path)))}, 1.0)

    assert "Tracking" not in text


def test_verdict_lines_compare_with_the_threshold_and_the_baseline(config):
    verdict = summary.Verdict(blessed=True, overall=0.97, baseline=0.96, by_slice=[("island=Dream", 0.95)])

    lines = summary._verdict_lines(config, verdict)

    assert lines[0] == "Verdict: BLESSED"
    assert "0.970" in lines[1] and "threshold >= 0.000" in lines[1] and "baseline 0.960" in lines[1]
    assert "allowed drop 0.010" in lines[1]
    assert lines[2].split() == ["0.950", "island=Dream"]


def test_verdict_lines_show_the_bars_the_evaluator_set_for_the_eval_split(config):
    bars = {
        "eval_examples": 69.0,
        "trivial_class": "Adelie",
        "trivial_accuracy": 0.464,
        "accuracy": 0.524,
        "allowed_drop": 0.060,
    }
    verdict = summary.Verdict(blessed=True, overall=0.971, baseline=0.95, bars=bars)

    lines = summary._verdict_lines(config, verdict)

    assert " ".join(lines[1].split()) == "accuracy 0.971 threshold >= 0.524 baseline 0.950 (allowed drop 0.060)"
    assert " ".join(lines[2].split()) == (
        "trivial 0.464 always answering 'Adelie', the training split's most frequent class"
    )
    assert lines[3] == "  judged on 69 eval examples: changes under 0.060 are within sampling error"


def test_bars_are_read_from_the_blessing_artifact():
    blessing = artifact(bar_eval_examples=69)
    for name, value in (("bar_trivial_accuracy", 0.464), ("bar_accuracy", 0.524), ("bar_allowed_drop", 0.06)):
        blessing.custom_properties[name].double_value = value
    blessing.custom_properties["bar_trivial_class"].string_value = "Adelie"

    assert summary.bars_of(blessing) == {
        "eval_examples": 69.0,
        "trivial_class": "Adelie",
        "trivial_accuracy": 0.464,
        "accuracy": 0.524,
        "allowed_drop": 0.06,
    }
    assert summary.bars_of(artifact()) == {}


def test_verdict_lines_without_baseline_and_with_failures(config):
    verdict = summary.Verdict(blessed=False, overall=0.5, failures=["accuracy (overall) is 0.500"])

    lines = summary._verdict_lines(config, verdict)

    assert lines[0] == "Verdict: NOT BLESSED"
    assert "no baseline yet (first blessed model of dataset penguins)" in lines[1]
    assert lines[-1] == "  FAILED: accuracy (overall) is 0.500"


def failure(value: float, is_diff: bool) -> validation_result_pb2.ValidationFailure:
    result = validation_result_pb2.ValidationFailure()
    result.metric_key.name = "accuracy"
    result.metric_key.is_diff = is_diff
    result.metric_value.double_value.value = value
    result.metric_threshold.value_threshold.lower_bound.value = 0.9
    result.metric_threshold.change_threshold.absolute.value = -0.01
    return result


def test_a_value_failure_says_how_far_below_the_threshold():
    text = describe_failure("island=Dream", failure(0.85, is_diff=False))

    assert text == "accuracy (island=Dream) is 0.850, below the threshold 0.900 by 0.050"


def test_a_change_failure_says_how_much_worse_than_the_baseline():
    text = describe_failure("overall", failure(-0.05, is_diff=True))

    assert text == "accuracy (overall) changed by -0.050 against the baseline; the allowed change is >= -0.010"


@pytest.mark.parametrize(
    ("blessed", "fail", "code"),
    [(0, True, 3), (0, False, 0), (1, True, 0), (None, True, 0)],
    ids=["not-blessed-in-ci", "not-blessed", "blessed-in-ci", "no-evaluator"],
)
def test_only_a_not_blessed_verdict_asked_to_fail_gives_exit_status_3(blessed, fail, code):
    nodes = {} if blessed is None else {"Evaluator": node("Evaluator", blessing=artifact(blessed=blessed))}

    assert summary.exit_code(nodes, fail) == code


def test_an_unchanged_model_is_said_to_be_unchanged(config):
    pushed = artifact(pushed=0, unchanged_version="1796403994", pushed_destination="/serving/cars/1796403994")

    text = summary.render(config, "run-2", {"Pusher": node("Pusher", pushed_model=pushed)}, 1.0)

    assert text.splitlines()[-1] == (
        "Model: unchanged: version 1796403994 already holds this model; nothing pushed: /serving/cars/1796403994"
    )
