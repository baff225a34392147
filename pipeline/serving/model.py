"""One loaded model version: its `serving_raw` inputs read from the signature, and a batched predict call."""

import functools
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from pipeline.contract import RAW_SIGNATURE

SIGNATURE = RAW_SIGNATURE


class ModelLoadError(Exception):
    """The SavedModel cannot be loaded or has no usable `serving_raw` signature; the message says why."""


class ModelInputError(ValueError):
    """The model refused the values of a call (they do not convert to its input types, or an op rejected them)."""


@functools.cache
def _bounds(dtype: Any) -> Tuple[Any, Any]:
    if np.issubdtype(dtype, np.floating):
        return float(np.finfo(dtype).min), float(np.finfo(dtype).max)
    return int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)


@dataclass(frozen=True)
class Feature:
    """One input of the signature, and how a JSON client sends it."""

    name: str
    kind: str  # "number", "integer" or "string"
    dtype: Any  # the numpy dtype the signature takes

    def missing_value(self) -> Any:
        """What the model reads as missing (NaN, ""); None where the dtype has no such value."""
        if self.kind == "number":
            return float("nan")
        if self.kind == "string":
            return ""
        return None

    @property
    def dtype_name(self) -> str:
        return np.dtype(self.dtype).name

    def bounds(self) -> Tuple[Any, Any]:
        """The lowest and highest value of a numeric feature's dtype (float32: about -3.4e38 and 3.4e38)."""
        return _bounds(self.dtype)


@dataclass
class LoadedModel:
    """A SavedModel ready to serve, with the version the registry gave it."""

    version: str
    uri: str
    features: Dict[str, Feature]
    outputs: List[str]
    signature: Any = field(repr=False)
    # The loaded object owns the signature's variables and tables; it lives as long as this model.
    saved_model: Any = field(repr=False, default=None)
    load_seconds: float = 0.0
    # The signature called with its tensors in flat order (_flat_call); without it, the signature itself.
    call: Optional[Callable[[Dict[str, Any]], Mapping[str, Any]]] = field(repr=False, default=None)

    def predict(self, columns: Mapping[str, Sequence[Any]]) -> List[Dict[str, Any]]:
        """One model call on a batch given column-wise; one JSON-ready prediction per row.

        Values that do not convert to the signature's types, or that an op of the model rejects, raise
        ModelInputError: the caller's input is at fault, not the model.
        """
        import tensorflow as tf

        try:
            tensors = {name: tf.constant(np.asarray(columns[name], dtype=f.dtype)) for name, f in self.features.items()}
        except (ValueError, TypeError, OverflowError) as error:  # UnicodeEncodeError is a ValueError
            raise ModelInputError(f"the values do not convert to the model's input types: {error}") from None
        try:
            result = self.call(tensors) if self.call is not None else self.signature(**tensors)
        except tf.errors.InvalidArgumentError as error:
            raise ModelInputError(f"the model refused the values: {_first_line(error.message)}") from None
        arrays = {name: result[name].numpy() for name in self.outputs}
        rows = len(next(iter(columns.values())))
        return [{name: _jsonable(arrays[name][row]) for name in self.outputs} for row in range(rows)]


def _first_line(text: str) -> str:
    """The message's first line, or the model's own words when an assertion in its graph failed."""
    lines = text.strip().splitlines() or [""]
    asserted = next((line for line in lines if line.startswith(_ASSERTION)), None)
    if asserted is None:
        return lines[0][:300]
    # "assertion failed: [message] [values]" -> "message values"
    return re.sub(r"\\(['\"])", r"\1", asserted[len(_ASSERTION) :]).replace("] [", " ").strip("[] ")[:300]


_ASSERTION = "assertion failed: "


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray):
        return [_jsonable(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _feature(name: str, spec: Any) -> Feature:
    import tensorflow as tf

    if spec.shape.rank != 1:
        raise ModelLoadError(f"input '{name}' of {SIGNATURE} has shape {spec.shape}; serving takes one value per row")
    if spec.dtype == tf.string:
        return Feature(name, "string", object)
    if spec.dtype.is_floating:
        return Feature(name, "number", spec.dtype.as_numpy_dtype)
    if spec.dtype.is_integer:
        return Feature(name, "integer", spec.dtype.as_numpy_dtype)
    raise ModelLoadError(f"input '{name}' of {SIGNATURE} has dtype {spec.dtype.name}, which JSON cannot send")


def _flat_call(signature: Any) -> Callable[[Dict[str, Any]], Mapping[str, Any]]:
    """The signature's concrete function called as TensorFlow calls it once it has bound the keyword arguments
    (its tensors in the order of its parameters), with every kernel run on the calling thread.

    Both through TensorFlow's internals (2.16; no public API does either): binding keyword arguments costs
    about 150 us of a one-row call, and waking TensorFlow's inter-op threads for each kernel about as much
    again when the process was idle between requests. Kernels may still use their own intra-op threads.
    """
    from tensorflow.python.eager import context

    names = list(signature.function_type.parameters)
    flat, captured = signature._call_flat, signature.captured_inputs

    def call(tensors: Dict[str, Any]) -> Mapping[str, Any]:
        with context.function_executor_type("SINGLE_THREADED_EXECUTOR"):
            return flat([tensors[name] for name in names], captured)

    return call


def load(version: str, uri: str) -> LoadedModel:
    """Loads the SavedModel at `uri` and reads its feature names and types from the `serving_raw` signature."""
    import tensorflow as tf

    started = time.monotonic()
    try:
        saved = tf.saved_model.load(uri)
    except (OSError, ValueError, tf.errors.OpError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelLoadError(f"cannot load the SavedModel of version {version} at {uri}: {reason}") from None
    if SIGNATURE not in saved.signatures:
        names = ", ".join(sorted(saved.signatures)) or "none"
        raise ModelLoadError(
            f"the model of version {version} at {uri} has no '{SIGNATURE}' signature (it has: {names})"
        )
    signature = saved.signatures[SIGNATURE]
    _, inputs = signature.structured_input_signature
    features = {name: _feature(name, spec) for name, spec in sorted(inputs.items())}
    outputs = sorted(signature.structured_outputs)
    model = LoadedModel(version, uri, features, outputs, signature, saved, call=_flat_call(signature))
    # The first call is slower (lazy initialisation); pay it here rather than on a request.
    warm_up = {name: [f.missing_value() if f.kind != "integer" else 0] for name, f in features.items()}
    try:
        model.predict(warm_up)
    except (ModelInputError, tf.errors.OpError):
        # A graph the single-threaded executor cannot run (v1 control flow): the signature as it is.
        model.call = None
        model.predict(warm_up)
    model.load_seconds = time.monotonic() - started
    return model
