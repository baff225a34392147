"""The resolved model's `serving_raw` signature, called on fixed-size batches of a chunk's rows."""

from dataclasses import dataclass
from typing import Any, Dict, List

import numpy as np

from pipeline.batch.rows import FeatureKinds
from pipeline.contract import CLASS_NAMES, CLASSES, PROBABILITIES, RAW_SIGNATURE
from pipeline.registry import ModelVersion

SIGNATURE = RAW_SIGNATURE


class ModelError(Exception):
    """The model cannot be loaded, or has no signature batch prediction can call."""


@dataclass
class Predictions:
    """For n rows: the predicted class of each (an index into class_names), and each class's probability."""

    indices: np.ndarray  # n int32
    probabilities: np.ndarray  # n x len(class_names)
    class_names: List[str]


class Predictor:
    """Loads the SavedModel once; `kinds` says which raw inputs it takes, as floats or strings."""

    def __init__(self, model: ModelVersion, batch_size: int):
        import tensorflow as tf

        self.model = model
        self.batch_size = batch_size
        try:
            self._loaded = tf.saved_model.load(model.uri)
        except (OSError, ValueError, tf.errors.OpError) as error:
            raise ModelError(f"cannot load model version {model.version} from {model.uri}: {error}") from None
        if SIGNATURE not in self._loaded.signatures:
            found = ", ".join(self._loaded.signatures) or "none"
            raise ModelError(f"model version {model.version} has no {SIGNATURE} signature (it has: {found})")
        self._function = self._loaded.signatures[SIGNATURE]
        inputs = self._function.structured_input_signature[1]
        self.kinds: FeatureKinds = {
            name: "float" if spec.dtype.is_floating else "string" for name, spec in sorted(inputs.items())
        }
        self._dtypes = {name: spec.dtype for name, spec in inputs.items()}
        self._indexed = _indexed(self._function, inputs)
        # The output columns name every class, also for a file with no rows: ask once, on one all-missing row.
        empty = {name: np.asarray([np.nan if kind == "float" else ""]) for name, kind in self.kinds.items()}
        self.class_names: List[str] = [name.decode() for name in self._call(empty, 0, 1)[CLASS_NAMES][0].numpy()]
        self.kinds.update({name: "date" for name in self._dates(empty)})
        # Its first call builds and optimizes the graph (about 0.2 s): here, at load, not in the first chunk.
        self._indexed(self._tensors(empty, 0, 1))
        self._checked = False

    def _dates(self, empty: Dict[str, np.ndarray]) -> List[str]:
        """The string inputs the model reads as dates: those it refuses "not a date" for, naming them."""
        import tensorflow as tf

        found = []
        for name in [name for name, kind in self.kinds.items() if kind == "string"]:
            try:
                self._call({**empty, name: np.asarray(["not a date"], dtype=object)}, 0, 1)
            except tf.errors.InvalidArgumentError as error:
                if f"date feature '{name}'" in error.message:
                    found.append(name)
        return found

    def _tensors(self, features: Dict[str, np.ndarray], start: int, end: int) -> Dict[str, Any]:
        import tensorflow as tf

        return {name: tf.constant(values[start:end], dtype=self._dtypes[name]) for name, values in features.items()}

    def _call(self, features: Dict[str, np.ndarray], start: int, end: int):
        return self._function(**self._tensors(features, start, end))

    def _check_classes(self, tensors: Dict[str, Any], indices: np.ndarray) -> None:
        """The first batch is also asked of the signature itself: its classes must be the ones indexed."""
        names = np.asarray([name.encode() for name in self.class_names], dtype=object)
        if not np.array_equal(self._function(**tensors)[CLASSES].numpy(), names[indices]):
            raise ModelError(
                f"model version {self.model.version}'s {CLASSES} are not its {CLASS_NAMES} at the argmax of its "
                f"{PROBABILITIES}, as the serving contract says (pipeline/contract.py)"
            )
        self._checked = True

    def predict(self, features: Dict[str, np.ndarray], count: int) -> Predictions:
        """Predicts `count` rows, batch_size rows per call."""
        indices, probabilities = [], []
        for start in range(0, count, self.batch_size):
            tensors = self._tensors(features, start, min(start + self.batch_size, count))
            probability, index = self._indexed(tensors)
            probabilities.append(probability.numpy())
            indices.append(index.numpy())
            if not self._checked:
                self._check_classes(tensors, indices[-1])
        width = len(self.class_names)
        return Predictions(
            indices=np.concatenate(indices) if indices else np.empty(0, dtype=np.int32),
            probabilities=np.concatenate(probabilities) if probabilities else np.empty((0, width), np.float32),
            class_names=self.class_names,
        )


def _indexed(function, inputs: Dict[str, Any]):
    """The signature's probabilities and, per row, the index of its class: the argmax of the probabilities.

    The signature's own classes are class_names at that same argmax (checked on the first batch); fetching them
    makes one Python bytes object per row on the model's thread, and the writer another pass to turn them into text.
    One concrete function around the signature: about 0.2 us a row less CPU for the model than the signature with
    its classes fetched (findings.md, "Batch prediction, round three").
    """
    import tensorflow as tf

    specs = {name: tf.TensorSpec(spec.shape, spec.dtype, name=name) for name, spec in inputs.items()}

    @tf.function(input_signature=[specs], autograph=False)
    def call(tensors):
        probabilities = function(**tensors)[PROBABILITIES]
        return probabilities, tf.argmax(probabilities, axis=1, output_type=tf.int32)

    return call.get_concrete_function()
