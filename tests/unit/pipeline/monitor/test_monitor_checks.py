"""pipeline.monitor.checks with TFDV on statistics of data/penguins.csv and of traffic made from it."""

import json
from typing import Dict, List

import pytest

from pipeline.config.monitoring import MonitoringConfig
from pipeline.monitor import checks, instances, run
from tests.builders import request_traffic
from tests.builders.pipeline_runs import PROJECT_ROOT

pytestmark = pytest.mark.unit

SERVED = list(request_traffic.NUMERIC + request_traffic.CATEGORICAL)


@pytest.fixture(scope="module")
def schema():
    import tensorflow_data_validation as tfdv

    return tfdv.load_schema_text(str(PROJECT_ROOT / "modules" / "schema.pbtxt"))


def statistics(batch: List[Dict[str, object]], schema):
    import tensorflow_data_validation as tfdv

    examples = instances.examples([json.dumps({"instances": batch})], SERVED)
    return tfdv.generate_statistics_from_dataframe(examples.dataframe(run._kinds(schema)))


@pytest.fixture(scope="module")
def training(schema):
    return statistics([request_traffic.as_instance(row) for row in request_traffic.penguins()], schema)


def by_name(found: List[checks.FeatureCheck]) -> Dict[str, checks.FeatureCheck]:
    return {feature.name: feature for feature in found}


def test_the_serving_schema_leaves_out_what_the_model_does_not_take_and_sets_thresholds(schema):
    config = MonitoringConfig.model_validate({"skew": {"numeric": 0.2}, "features": {"island": {"drift": 0.3}}})

    served = {f.name: f for f in checks.serving_schema(schema, SERVED, config).feature}

    assert list(checks.serving_schema(schema, SERVED, config).default_environment) == ["TRAINING", "SERVING"]
    assert list(served["species"].not_in_environment) == ["SERVING"] and not served["species"].HasField(
        "skew_comparator"
    )
    assert list(served["year"].not_in_environment) == ["SERVING"]
    assert served["bill_length_mm"].skew_comparator.jensen_shannon_divergence.threshold == pytest.approx(0.2)
    assert served["bill_length_mm"].drift_comparator.jensen_shannon_divergence.threshold == pytest.approx(0.1)
    assert served["island"].skew_comparator.infinity_norm.threshold == pytest.approx(0.1)
    assert served["island"].drift_comparator.infinity_norm.threshold == pytest.approx(0.3)
    assert config.threshold("drift", "island", numeric=False) == 0.3


def test_traffic_like_the_training_data_flags_nothing_and_without_a_previous_window_no_drift(schema, training):
    window = statistics(request_traffic.resampled(300, seed=7), schema)

    found = checks.check(training, window, None, schema, SERVED, MonitoringConfig())

    assert [f.name for f in found if f.flagged] == []
    assert {f.name for f in found} == set(SERVED)
    assert all(f.skew is not None and f.skew.value < 0.1 and f.drift is None for f in found)
    assert {f.skew.metric for f in found if f.skew} == {"Jensen-Shannon", "L-infinity"}


def test_shifted_bills_and_a_new_island_are_flagged_first_and_alone(schema, training):
    previous = statistics(request_traffic.resampled(300, seed=8), schema)
    window = statistics(request_traffic.shifted(request_traffic.resampled(300, seed=9), seed=10), schema)

    found = checks.check(training, window, previous, schema, SERVED, MonitoringConfig())
    named = by_name(found)

    assert [f.name for f in found[:2]] == ["bill_length_mm", "island"]
    assert [f.name for f in found if f.flagged] == ["bill_length_mm", "island"]
    assert named["bill_length_mm"].skew.exceeded and named["bill_length_mm"].drift.exceeded
    assert named["bill_length_mm"].skew.metric == "Jensen-Shannon" and named["bill_length_mm"].anomalies == []
    assert named["island"].skew.metric == "L-infinity" and named["island"].skew.value > 0.15
    assert any("Atlantis" in anomaly for anomaly in named["island"].anomalies)


def test_a_feature_threshold_from_config_overrides_its_kind(schema, training):
    window = statistics(request_traffic.shifted(request_traffic.resampled(300, seed=9), seed=10), schema)
    config = MonitoringConfig.model_validate({"features": {"bill_length_mm": {"skew": 0.9}}})

    named = by_name(checks.check(training, window, None, schema, SERVED, config))

    assert named["bill_length_mm"].skew.threshold == pytest.approx(0.9)
    assert not named["bill_length_mm"].skew.exceeded and not named["bill_length_mm"].flagged
    assert named["island"].flagged


def test_a_missing_feature_and_a_wrong_type_are_schema_anomalies(schema, training):
    batch = request_traffic.resampled(100, seed=11)
    for instance in batch:
        instance.pop("sex", None)
        instance["body_mass_g"] = "heavy"

    named = by_name(checks.check(training, statistics(batch, schema), None, schema, SERVED, MonitoringConfig()))

    assert named["sex"].flagged and named["sex"].anomalies
    assert named["body_mass_g"].flagged and any("BYTES" in a or "STRING" in a for a in named["body_mass_g"].anomalies)
    assert {f.name for f in named.values() if f.flagged} == {"sex", "body_mass_g"}
