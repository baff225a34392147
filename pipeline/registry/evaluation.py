"""The Evaluator's overall metrics, read without importing TensorFlow or TFMA (which take 10 s and more to load).

TFMA writes `metrics-*.tfrecord`: TFRecord framing around serialized MetricsForSlice protos. The framing is
read here, both CRC32Cs checked; the protos are parsed with TFMA's own generated module, loaded on its own
(it needs only protobuf) unless TFMA is imported already.
"""

import glob
import importlib.util
import os
import struct
import sys
from typing import Dict, Iterator

import google_crc32c

_PROTO = "tensorflow_model_analysis.proto.metrics_for_slice_pb2"
_MASK_DELTA = 0xA282EAD8


class CorruptRecordError(ValueError):
    """A TFRecord file whose framing or checksums are wrong."""


def _masked_crc(data: bytes) -> int:
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def tfrecords(path: str) -> Iterator[bytes]:
    """The records of one TFRecord file, as TensorFlow's writer framed them."""
    with open(path, "rb") as stream:
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


def _metrics_module():
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


def overall_metrics(evaluation_uri: str) -> Dict[str, float]:
    """The candidate's overall (unsliced) metrics the Evaluator wrote, e.g. {'accuracy': 0.98}."""
    files = sorted(glob.glob(os.path.join(evaluation_uri, "metrics*")))
    if not files:
        return {}
    proto = _metrics_module()
    metrics: Dict[str, float] = {}
    for path in files:
        for record in tfrecords(path):
            per_slice = proto.MetricsForSlice.FromString(record)
            if per_slice.slice_key.single_slice_keys:
                continue
            for item in per_slice.metric_keys_and_values:
                key, value = item.key, item.value
                if key.model_name == "baseline" or key.is_diff or not value.HasField("double_value"):
                    continue
                # TFMA may list a metric twice (e.g. with and without example weights); the first is kept.
                metrics.setdefault(key.name, value.double_value.value)
    return metrics
