"""The resolved model's `serving_raw` signature, called on fixed-size batches of a chunk's rows."""

from dataclasses import dataclass
from typing import Dict, List

import numpy as np

from pipeline.batch.rows import FeatureKinds
from pipeline.contract import CLASS_NAMES, CLASSES, PROBABILITIES, RAW_SIGNATURE
from pipeline.registry import ModelVersion

SIGNATURE = RAW_SIGNATURE


class ModelError(Exception):
    """The model cannot be loaded, or has no signature batch prediction can call."""


@dataclass
class Predictions:
    """For n rows: the predicted class of each, and each class's probability (n x len(class_names))."""

    classes: np.ndarray
    probabilities: np.ndarray
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
        # The output columns name every class, also for a file with no rows: ask once, on one all-missing row.
        empty = {name: np.asarray([np.nan if kind == "float" else ""]) for name, kind in self.kinds.items()}
        self.class_names: List[str] = [name.decode() for name in self._call(empty, 0, 1)[CLASS_NAMES][0].numpy()]
        self.kinds.update({name: "date" for name in self._dates(empty)})

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

    def _call(self, features: Dict[str, np.ndarray], start: int, end: int):
        import tensorflow as tf

        return self._function(
            **{name: tf.constant(values[start:end], dtype=self._dtypes[name]) for name, values in features.items()}
        )

    def predict(self, features: Dict[str, np.ndarray], count: int) -> Predictions:
        """Predicts `count` rows, batch_size rows per call."""
        classes, probabilities = [], []
        for start in range(0, count, self.batch_size):
            out = self._call(features, start, min(start + self.batch_size, count))
            classes.append(out[CLASSES].numpy())
            probabilities.append(out[PROBABILITIES].numpy())
        width = len(self.class_names)
        return Predictions(
            classes=np.concatenate(classes) if classes else np.empty(0, dtype=object),
            probabilities=np.concatenate(probabilities) if probabilities else np.empty((0, width), np.float32),
            class_names=self.class_names,
        )
