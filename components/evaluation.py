"""The Evaluator's output, read one way everywhere: metric values per slice and model, and the failed thresholds.

TFMA writes `metrics-*.tfrecord`: TFRecord framing around serialized MetricsForSlice protos. The framing is
read here, both CRC32Cs checked, and the protos are parsed with TFMA's own generated module, loaded on its own
(it needs only protobuf) unless TFMA is imported already: listing model versions must not wait 10 s and more
for TensorFlow. The validation result and the eval config are read the way TFMA's readers read them, with its
generated modules through components/protos.py: the report's worker never imports TensorFlow.
"""

import glob
import importlib.util
import os
import struct
import sys
from dataclasses import dataclass
from typing import IO, Dict, Iterator, List, Optional, Tuple

import google_crc32c

BASELINE = "baseline"
_PROTO = "tensorflow_model_analysis.proto.metrics_for_slice_pb2"
_VALIDATION_PROTO = "tensorflow_model_analysis.proto.validation_result_pb2"
_CONFIG_PROTO = "tensorflow_model_analysis.proto.config_pb2"
# Every generated module this file parses with (the report's worker loads them ahead).
PROTOS = (_PROTO, _VALIDATION_PROTO, _CONFIG_PROTO)
VALIDATIONS = "validations"  # TFMA's constants.VALIDATIONS_KEY: the files' prefix
EVAL_CONFIG_FILE = "eval_config.json"  # TFMA's eval_config_writer: EVAL_CONFIG_FILE + ".json"
_MASK_DELTA = 0xA282EAD8


class CorruptRecordError(ValueError):
    """A TFRecord file whose framing or checksums are wrong."""


@dataclass(frozen=True)
class MetricValue:
    """One number the Evaluator wrote: `slice` is '' overall or 'island=Biscoe'; `baseline` is the baseline model's."""

    slice: str
    name: str
    value: float
    baseline: bool = False
    is_diff: bool = False


def slice_name(slice_key) -> str:
    """'island=Biscoe' for a one-feature slice (features joined by ', '), '' for the overall slice."""
    parts = []
    for key in slice_key.single_slice_keys:
        value = getattr(key, key.WhichOneof("kind"))
        parts.append(f"{key.column}={value.decode() if isinstance(value, bytes) else value}")
    return ", ".join(parts)


def _masked_crc(data: bytes) -> int:
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def _read_records(stream: IO[bytes], path: str) -> Iterator[bytes]:
    while True:
        header = stream.read(12)
        if not header:
            return
        if len(header) < 12:
            raise CorruptRecordError(f"{path}: truncated record header")
        length, length_crc = struct.unpack("<QI", header)
        if _masked_crc(header[:8]) != length_crc:
            raise CorruptRecordError(f"{path}: bad length checksum")
        data, footer = stream.read(length), stream.read(4)
        if len(data) < length or len(footer) < 4 or struct.unpack("<I", footer)[0] != _masked_crc(data):
            raise CorruptRecordError(f"{path}: truncated or corrupted record")
        yield data


def _fileio():
    """TFX's file layer, for a URI such as gs://; a process that does not import TFX (protos.py) refuses."""
    from components import protos

    protos.require_packages("reading a URI such as gs://")
    from tfx.dsl.io import fileio

    return fileio


def tfrecords(path: str) -> Iterator[bytes]:
    """The records of one TFRecord file, as TensorFlow's writer framed them; a URI (gs://) is read through TFX."""
    if "://" in path:
        with _fileio().open(path, "rb") as stream:
            yield from _read_records(stream, path)
        return
    with open(path, "rb") as stream:
        yield from _read_records(stream, path)


def _files(evaluation_uri: str, prefix: str) -> List[str]:
    pattern = os.path.join(evaluation_uri, prefix + "*")
    if "://" in evaluation_uri:
        return sorted(str(path) for path in _fileio().glob(pattern))
    return sorted(glob.glob(pattern))


def metrics_module():
    """TFMA's metrics_for_slice_pb2, as imported, or loaded from its file without TFMA's package."""
    if _PROTO not in sys.modules:
        package = importlib.util.find_spec("tensorflow_model_analysis")
        if package is None or not package.submodule_search_locations:
            raise ImportError("tensorflow_model_analysis is not installed")
        path = os.path.join(list(package.submodule_search_locations)[0], "proto", "metrics_for_slice_pb2.py")
        spec = importlib.util.spec_from_file_location(_PROTO, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # Registered under its own name, so a later `import tensorflow_model_analysis` reuses it instead of
        # adding the same proto file to protobuf's descriptor pool twice.
        sys.modules[_PROTO] = module
        spec.loader.exec_module(module)
    return sys.modules[_PROTO]


def metric_values(evaluation_uri: str) -> List[MetricValue]:
    """Every scalar metric the Evaluator wrote, in the order it wrote them; [] when it wrote none."""
    files = _files(evaluation_uri, "metrics")
    if not files:
        return []
    proto = metrics_module()
    values = []
    for path in files:
        for record in tfrecords(path):
            per_slice = proto.MetricsForSlice.FromString(record)
            where = slice_name(per_slice.slice_key)
            for item in per_slice.metric_keys_and_values:
                key, value = item.key, item.value
                if not value.HasField("double_value"):
                    continue
                baseline = key.model_name == BASELINE
                values.append(MetricValue(where, key.name, value.double_value.value, baseline, key.is_diff))
    return values


def overall_metrics(evaluation_uri: str) -> Dict[str, float]:
    """The candidate's overall (unsliced) metrics, e.g. {'accuracy': 0.98}; {} when the Evaluator wrote none."""
    metrics: Dict[str, float] = {}
    for metric in metric_values(evaluation_uri):
        if not metric.slice and not metric.baseline and not metric.is_diff:
            # TFMA may list a metric twice (e.g. with and without example weights); the first is kept.
            metrics.setdefault(metric.name, metric.value)
    return metrics


def has_validation_result(evaluation_uri: str) -> bool:
    return bool(_files(evaluation_uri, VALIDATIONS))


def validation_result(evaluation_uri: str):
    """TFMA's ValidationResult, read as tfma.load_validation_result reads it: the one record of `validations*`."""
    from components import protos

    records = [record for path in _files(evaluation_uri, VALIDATIONS) for record in tfrecords(path)]
    if len(records) != 1:
        raise CorruptRecordError(f"{evaluation_uri}: {len(records)} validation results, where TFMA writes one")
    return protos.module(_VALIDATION_PROTO).ValidationResult.FromString(records[0])


def eval_run(evaluation_uri: str):
    """TFMA's EvalRun (eval config, model locations) from eval_config.json; None when TFMA wrote none."""
    from google.protobuf import json_format

    from components import protos

    path = os.path.join(evaluation_uri, EVAL_CONFIG_FILE)
    try:
        text = _read_text(path)
    except FileNotFoundError:
        return None
    return json_format.Parse(text, protos.module(_CONFIG_PROTO).EvalRun())


def _read_text(path: str) -> str:
    if "://" in path:
        fileio = _fileio()
        if not fileio.exists(path):
            raise FileNotFoundError(path)
        with fileio.open(path) as handle:
            text = handle.read()
        return text.decode() if isinstance(text, bytes) else text
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def validation_failures(evaluation_uri: str) -> Tuple[List[Tuple[str, object]], int]:
    """(slice name or 'overall', failure proto) for each failed threshold, and the count of slices with none."""
    result = validation_result(evaluation_uri)
    failures = [
        (slice_name(per_slice.slice_key) or "overall", failure)
        for per_slice in result.metric_validations_per_slice
        for failure in per_slice.failures
    ]
    return failures, len(result.missing_slices)


def output_check_failure(evaluation_uri: str) -> Optional[str]:
    """Why the candidate's outputs failed the check before blessing (components/output_check.py), else None."""
    import json

    from components.output_check import REASON_FILE

    path = os.path.join(evaluation_uri, REASON_FILE)
    try:
        if "://" in path:
            with _fileio().open(path) as handle:
                data = json.loads(handle.read())
        else:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
    except FileNotFoundError:
        return None
    return None if data.get("passed") else str(data.get("problem") or "model outputs failed their check")
