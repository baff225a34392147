"""Skew, drift and schema anomalies of one window's statistics, judged by TFDV against per-feature thresholds."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from pipeline.config.monitoring import MonitoringConfig

TRAINING, SERVING = "TRAINING", "SERVING"
# TFDV reports a comparator over its threshold (or without data to compare) with these anomaly types.
_COMPARATOR_PREFIX = "COMPARATOR_"


@dataclass(frozen=True)
class Measurement:
    """A distance TFDV measured (L-infinity or Jensen-Shannon), its threshold, and whether TFDV flagged it."""

    metric: str
    value: float
    threshold: float
    exceeded: bool


@dataclass
class FeatureCheck:
    """One feature's skew, drift and schema anomalies in the window."""

    name: str
    numeric: bool
    skew: Optional[Measurement] = None
    drift: Optional[Measurement] = None
    anomalies: List[str] = field(default_factory=list)

    @property
    def reasons(self) -> List[str]:
        found = [f"{check} {m.metric} {m.value:.3f} > {m.threshold:g}" for check, m in self._measured() if m.exceeded]
        return found + self.anomalies

    @property
    def reasons_short(self) -> List[str]:
        """For the one-line summary: which check, without TFDV's full description."""
        found = [f"{check} {m.value:.2f} > {m.threshold:g}" for check, m in self._measured() if m.exceeded]
        return found + (["schema anomaly"] if self.anomalies else [])

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)

    def _measured(self):
        return [(check, m) for check, m in (("skew", self.skew), ("drift", self.drift)) if m is not None]


def _numeric(feature) -> bool:
    from tensorflow_metadata.proto.v0 import schema_pb2

    if feature.HasField("int_domain") and feature.int_domain.is_categorical:
        return False  # a discrete number, compared value by value (pipeline/monitor/discrete.py)
    return feature.type in (schema_pb2.FLOAT, schema_pb2.INT) and not feature.HasField("bool_domain")


def serving_schema(schema, served: Sequence[str], config: MonitoringConfig):
    """The training schema with a SERVING environment (features the model does not take, like the label, are not
    in it) and TFDV skew and drift comparators on every served feature, thresholds from the config."""
    from tensorflow_metadata.proto.v0 import schema_pb2

    result = schema_pb2.Schema()
    result.CopyFrom(schema)
    del result.default_environment[:]
    result.default_environment.extend([TRAINING, SERVING])
    for feature in result.feature:
        if feature.name not in served:
            feature.not_in_environment.append(SERVING)
            continue
        numeric = _numeric(feature)
        for check in ("skew", "drift"):
            comparator = getattr(feature, f"{check}_comparator")
            target = comparator.jensen_shannon_divergence if numeric else comparator.infinity_norm
            target.threshold = config.threshold(check, feature.name, numeric)
    return result


def _measurements(anomalies, kind: str) -> Dict[str, Measurement]:
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    flagged = {
        name: {reason.type for reason in info.reason if _is_comparator(reason.type)}
        for name, info in anomalies.anomaly_info.items()
    }
    found = {}
    for info in anomalies.drift_skew_info:
        name = ".".join(info.path.step)
        for measured in getattr(info, f"{kind}_measurements"):
            metric = anomalies_pb2.DriftSkewInfo.Measurement.Type.Name(measured.type)
            metric = {"L_INFTY": "L-infinity", "JENSEN_SHANNON_DIVERGENCE": "Jensen-Shannon"}.get(metric, metric)
            found[name] = Measurement(metric, measured.value, measured.threshold, bool(flagged.get(name)))
    return found


def _is_comparator(anomaly_type: int) -> bool:
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    return anomalies_pb2.AnomalyInfo.Type.Name(anomaly_type).startswith(_COMPARATOR_PREFIX)


def _schema_anomalies(anomalies) -> Dict[str, List[str]]:
    found: Dict[str, List[str]] = {}
    for name, info in anomalies.anomaly_info.items():
        reasons = [r.description or r.short_description for r in info.reason if not _is_comparator(r.type)]
        if reasons:
            found[name] = reasons
    if anomalies.HasField("dataset_anomaly_info"):
        found["(dataset)"] = [reason.description for reason in anomalies.dataset_anomaly_info.reason]
    return found


def check(training, window, previous, schema, served: Sequence[str], config: MonitoringConfig) -> List[FeatureCheck]:
    """Every served feature's checks, plus any other feature with a schema anomaly; flagged ones first.

    training, window and previous are DatasetFeatureStatisticsList; previous may be None (no earlier window).
    """
    import tensorflow_data_validation as tfdv

    schema = serving_schema(schema, served, config)
    skewed = tfdv.validate_statistics(training, schema, environment=TRAINING, serving_statistics=window)
    current = tfdv.validate_statistics(window, schema, environment=SERVING, previous_statistics=previous)
    skew = _measurements(skewed, "skew")
    drift = _measurements(current, "drift") if previous is not None else {}
    anomalies = _schema_anomalies(current)
    kinds = {feature.name: _numeric(feature) for feature in schema.feature}
    names = list(served) + [name for name in anomalies if name not in served]
    checks = [
        FeatureCheck(name, kinds.get(name, False), skew.get(name), drift.get(name), anomalies.get(name, []))
        for name in names
    ]
    return sorted(checks, key=lambda c: (not c.flagged, names.index(c.name)))
