"""The report's section extractors on hand-made inputs: trials, thresholds, statistics, the verdict."""

import pytest
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from pipeline import mlmd
from pipeline.config.loader import load_config
from pipeline.dag.eval_config import eval_config
from pipeline.report import data, evaluation, model_info, overview, timeline, tuning, validation

pytestmark = pytest.mark.unit


def test_trials_are_in_trial_order_and_the_best_is_the_one_with_the_best_hyperparameters():
    rows = [  # tuner_results.json: best first
        {"trial_id": "10", "score": 0.99, "units": 8},
        {"trial_id": "2", "score": 0.99, "units": 16},
        {"trial_id": "0", "score": 0.5, "units": 32},
    ]

    trials = tuning.trials_from(rows, {"units": 16})

    assert [(t.trial_id, t.score, t.hyperparameters, t.best) for t in trials] == [
        ("0", 0.5, {"units": 32}, False),
        ("2", 0.99, {"units": 16}, True),
        ("10", 0.99, {"units": 8}, False),
    ]
    assert [t.best for t in tuning.trials_from(rows, {})] == [False, False, True]
    assert tuning.trials_from([], {}) == []


def test_thresholds_of_our_eval_config_read_as_rules():
    config = load_config(
        overrides=["evaluation.accuracy_threshold=0.85", "evaluation.max_accuracy_drop=0.02"], environ={}
    )

    rules = [(t.metric, t.slice, t.rule) for t in evaluation.thresholds_of(eval_config(config))]

    assert rules == [
        ("accuracy", "overall", ">= 0.850"),
        ("accuracy", "overall", "change against the baseline >= -0.020"),
    ]


def _numeric_feature() -> statistics_pb2.FeatureNameStatistics:
    feature = statistics_pb2.FeatureNameStatistics(type=statistics_pb2.FeatureNameStatistics.FLOAT)
    feature.path.step.append("bill_length_mm")
    stats = feature.num_stats
    stats.common_stats.num_non_missing, stats.common_stats.num_missing = 10, 2
    stats.mean, stats.std_dev, stats.min, stats.max = 40.0, 5.0, 30.0, 50.0
    quantiles = stats.histograms.add(type=statistics_pb2.Histogram.QUANTILES)
    quantiles.buckets.add(low_value=30, high_value=50, sample_count=10)
    standard = stats.histograms.add(type=statistics_pb2.Histogram.STANDARD)
    standard.buckets.add(low_value=30, high_value=40, sample_count=4)
    standard.buckets.add(low_value=40, high_value=50, sample_count=6)
    return feature


def test_numeric_statistics_take_the_standard_histogram():
    stats = data.split_stats(_numeric_feature())

    assert stats is not None and stats.numeric
    assert (stats.count, stats.missing, stats.mean, stats.std, stats.minimum, stats.maximum) == (10, 2, 40, 5, 30, 50)
    assert stats.histogram == [(30, 40, 4), (40, 50, 6)]


def test_string_statistics_keep_the_top_values_and_every_rank():
    feature = statistics_pb2.FeatureNameStatistics(type=statistics_pb2.FeatureNameStatistics.STRING)
    stats = feature.string_stats
    stats.common_stats.num_non_missing, stats.unique = 9, 7
    for rank, (value, count) in enumerate([("Biscoe", 3), ("Dream", 1), ("a", 1), ("b", 1), ("c", 1), ("d", 1)]):
        stats.top_values.add(value=value, frequency=count)
        stats.rank_histogram.buckets.add(label=value, sample_count=count, low_rank=rank, high_rank=rank)

    result = data.split_stats(feature)

    assert result is not None and not result.numeric and result.unique == 7
    assert result.top_values == [("Biscoe", 3), ("Dream", 1), ("a", 1), ("b", 1), ("c", 1)]
    assert len(result.ranks) == 6
    assert data.split_stats(statistics_pb2.FeatureNameStatistics()) is None


def test_schema_features_name_type_presence_and_domain():
    schema = schema_pb2.Schema()
    schema.string_domain.add(name="island", value=["Biscoe", "Dream"])
    island = schema.feature.add(name="island", type=schema_pb2.BYTES, domain="island")
    island.presence.min_fraction = 1.0
    mass = schema.feature.add(name="body_mass_g", type=schema_pb2.INT)
    mass.int_domain.min, mass.int_domain.max = 2000, 7500
    mass.presence.min_fraction = 0.9
    schema.feature.add(name="year", type=schema_pb2.INT)

    assert [(f.name, f.type, f.presence, f.domain) for f in validation.schema_features(schema)] == [
        ("island", "BYTES", "required", "Biscoe, Dream"),
        ("body_mass_g", "INT", "at least 90%", "[2000, 7500]"),
        ("year", "INT", "optional", ""),
    ]


def _node(node_id: str, status: str) -> mlmd.NodeRun:
    return mlmd.NodeRun(node_id, status, 1.0)


@pytest.mark.parametrize(
    ("checks", "evaluated", "model", "nodes", "expected"),
    [
        ("failed", None, None, {"ExampleValidator": "failed"}, "stopped-at-validation"),
        ("passed", None, None, {"Trainer": "failed"}, "failed"),
        ("passed", True, (True, True), {}, "pushed"),
        ("passed", True, (True, False), {}, "already-pushed"),
        ("passed", True, (False, False), {}, "blessed"),
        ("passed", False, (False, False), {}, "not-blessed"),
        ("passed", None, None, {"Trainer": "executed"}, "incomplete"),
    ],
)
def test_the_verdict(checks, evaluated, model, nodes, expected):
    anomalies = [validation.Anomaly("train", "x", "bad")] if checks == "failed" else []
    section = evaluation.EvaluationSection(ran=evaluated is not None, blessed=evaluated, reasons=["too low"])
    pushed = model_info.ModelSection(pushed=bool(model and model[0]), pushed_now=bool(model and model[1]))

    verdict, reasons = overview.decide(
        {name: _node(name, status) for name, status in nodes.items()},
        validation.ValidationSection(status=checks, anomalies=anomalies),
        section,
        pushed,
    )

    assert verdict == expected
    assert reasons == {
        "stopped-at-validation": ["[train] x: bad"],
        "failed": ["Trainer failed; its log names the error"],
        "not-blessed": ["too low"],
    }.get(verdict, reasons)


def test_the_timeline_starts_at_the_first_execution():
    nodes = {
        "B": mlmd.NodeRun("B", "executed", 2.0, started_ms=5_500),
        "A": mlmd.NodeRun("A", "cached", 0.0, started_ms=5_000),
    }

    steps = timeline.extract(nodes)

    assert [(s.node_id, s.status, s.start, s.seconds) for s in steps.steps] == [
        ("A", "cached", 0.0, 0.0),
        ("B", "executed", 0.5, 2.0),
    ]
    assert steps.total_seconds == 2.5 and (steps.executed, steps.cached) == (1, 1)
    assert timeline.extract({}) == timeline.Timeline()
