"""One `vtx monitor`: read two windows of logged requests, find the serving model's training data, check them."""

import collections
import datetime
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from pipeline.config.monitoring import MonitoringConfig
from pipeline.contract import RAW_SIGNATURE
from pipeline.mlmd import lineage
from pipeline.monitor import checks, discrete, instances
from pipeline.monitor.readers import LoggedRequest, RequestLogReader
from pipeline.monitor.result import MonitorResult, Window
from pipeline.report import data, model_info

# The signature whose inputs are the raw features a client sends; the monitor checks exactly those.


class MonitorError(Exception):
    """Nothing to check (an empty window, a model without a serving signature); one readable line."""


@dataclass(frozen=True)
class Request:
    """What to check: the window ending at `end`, against `model_version` (default: the one that served most)."""

    end: datetime.datetime
    model_version: Optional[str] = None


def _served_by(rows: List[LoggedRequest]) -> Dict[str, int]:
    return dict(collections.Counter(row.model_version for row in rows if row.model_version))


def _version(rows: List[LoggedRequest], wanted: Optional[str]) -> Optional[str]:
    """The version asked for; else the one that served most of the window (newest on a tie); else None (latest)."""
    if wanted:
        return wanted
    counts = _served_by(rows)
    return max(counts, key=lambda version: (counts[version], version)) if counts else None


def _served_features(found: lineage.Lineage) -> List[str]:
    """The raw inputs of the pushed model's serving signature, read from saved_model.pb."""
    for directory in (found.destination, os.path.join(found.model_uri, model_info.SERVING_DIR)):
        if directory and os.path.isfile(os.path.join(directory, model_info.SAVED_MODEL)):
            for signature in model_info.signatures(directory):
                if signature.name == RAW_SIGNATURE:
                    return [tensor.name for tensor in signature.inputs]
            raise MonitorError(f"model version {found.version} at {directory} has no '{RAW_SIGNATURE}' signature")
    raise MonitorError(f"model version {found.version}: no SavedModel at {found.destination} or {found.model_uri}")


def _kinds(schema) -> Dict[str, str]:
    from tensorflow_metadata.proto.v0 import schema_pb2

    names = {schema_pb2.FLOAT: instances.FLOAT, schema_pb2.INT: instances.INT}
    return {feature.name: names.get(feature.type, instances.STRING) for feature in schema.feature}


def _statistics(rows: List[LoggedRequest], served: List[str], kinds: Dict[str, str], window: Window, options=None):
    """TFDV statistics of the window's instances (None when it has none); fills in the window's counts."""
    import tensorflow_data_validation as tfdv

    found = instances.examples((row.request_payload for row in rows), served)
    window.requests, window.instances, window.unreadable = len(rows), found.count, found.unreadable
    if not found.count:
        return None
    if options is None:
        return tfdv.generate_statistics_from_dataframe(found.dataframe(kinds))
    return tfdv.generate_statistics_from_dataframe(found.dataframe(kinds), stats_options=options)


def _like_with_like(found: lineage.Lineage, training, schema, served: List[str]):
    """(training statistics, schema, statistics options) under which discrete numbers are counted by value."""
    import tensorflow_data_validation as tfdv

    chosen = discrete.discrete_features(training, schema, served)
    if not chosen or not found.examples_uri:
        return training, schema, None
    schema = discrete.categorical_schema(schema, chosen)
    options = discrete.stats_options(schema)
    frame = discrete.training_frame(os.path.join(found.examples_uri, "Split-train"), schema, served)
    return tfdv.generate_statistics_from_dataframe(frame, stats_options=options), schema, options


def _training(statistics_uri: str):
    from tensorflow_metadata.proto.v0 import statistics_pb2

    train = data.load_split(statistics_uri, "train")
    if train is None:
        raise MonitorError(f"no training statistics (Split-train) under {statistics_uri}")
    return statistics_pb2.DatasetFeatureStatisticsList(datasets=[train])


def _distributions(training, window, names: List[str]) -> Dict[str, data.FeatureStats]:
    """Training against serving statistics per feature, in the shape the report's charts draw."""
    found = {name: data.FeatureStats(name) for name in names}
    for split, statistics in (("train", training), ("serving", window)):
        for feature in statistics.datasets[0].features:
            name = ".".join(feature.path.step) or feature.name
            stats = data.split_stats(feature)
            if name in found and stats is not None:
                found[name].by_split[split] = stats
    return found


def _windows(end: datetime.datetime, hours: float) -> Tuple[Window, Window]:
    start = end - datetime.timedelta(hours=hours)
    return Window(start, end), Window(start - datetime.timedelta(hours=hours), start)


def monitor(reader: RequestLogReader, metadata_path: str, config: MonitoringConfig, request: Request) -> MonitorResult:
    """Reads the window and the one before it, and checks skew, drift and the schema; raises on nothing to check."""
    window, previous = _windows(request.end, config.window_hours)
    rows = reader.read(window.start, window.end)
    if not rows:
        raise MonitorError(
            f"no request logged in {reader.description} from {window.start.isoformat()} to {window.end.isoformat()}"
            f" ({config.window_hours:g} h); widen --window-hours or choose --end"
        )
    found = lineage.find(metadata_path, _version(rows, request.model_version))
    served = _served_features(found)
    unknown = sorted(set(config.features) - set(served))
    if unknown:
        raise MonitorError(
            f"monitoring.features names {', '.join(unknown)}, which model version {found.version} does not take;"
            f" its features are: {', '.join(served)}"
        )
    import tensorflow_data_validation as tfdv  # after the cheap checks: it takes seconds to import

    schema = tfdv.load_schema_text(found.schema_file)
    kinds = _kinds(schema)
    training, schema, options = _like_with_like(found, _training(found.statistics_uri), schema, served)
    current = _statistics(rows, served, kinds, window, options)
    if current is None:
        raise MonitorError(f"the {len(rows)} requests logged in the window hold no readable instance")
    before = _statistics(reader.read(previous.start, previous.end), served, kinds, previous, options)
    features = checks.check(training, current, before, schema, served, config)
    return MonitorResult(
        source=reader.description,
        window=window,
        previous=previous,
        model_version=found.version,
        served_by=_served_by(rows),
        training_run=found.run_id,
        statistics_uri=found.statistics_uri,
        schema_uri=found.schema_uri,
        features=features,
        distributions=_distributions(training, current, [f.name for f in features]),
    )
