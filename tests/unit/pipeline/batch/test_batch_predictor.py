"""The Predictor: each row's class as an index into class_names, read off the probabilities in the graph."""

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from pipeline.batch.predictor import ModelError, Predictor
from pipeline.registry import ModelVersion
from tests.unit.pipeline.batch.conftest import CLASSES, build_tiny_model, expected

pytestmark = pytest.mark.unit


def version(path: Path) -> ModelVersion:
    return ModelVersion("1", str(path), datetime.now(timezone.utc), {}, True, None, None, ())


def test_predict_answers_each_rows_class_as_an_int32_index_into_class_names(tiny_model):
    predictor = Predictor(version(tiny_model), batch_size=2)
    lengths = [46.1, 39.1, float("nan"), 80.0, -10.0]  # the last: a tie, the first of the two
    islands = ["Biscoe", "Dream", "Torgersen", "Biscoe", "Dream"]
    features = {"bill_length_mm": np.asarray(lengths, np.float32), "island": np.asarray(islands, dtype=object)}
    predictions = predictor.predict(features, len(lengths))
    assert predictor.class_names == CLASSES
    assert predictions.indices.dtype == np.int32
    wanted = [expected(length, island) for length, island in zip(lengths, islands, strict=True)]
    assert predictions.indices.tolist() == [p.index(max(p)) for p in wanted] == [1, 0, 0, 0, 1]
    assert predictions.probabilities == pytest.approx(np.asarray(wanted), abs=1e-6)
    assert predictor.predict(features, 0).indices.shape == (0,)


def test_a_model_whose_classes_are_not_the_most_probable_is_refused_at_its_first_batch(tmp_path):
    build_tiny_model(tmp_path / "model", pick="argmin")
    predictor = Predictor(version(tmp_path / "model"), batch_size=2)
    features = {"bill_length_mm": np.asarray([46.1], np.float32), "island": np.asarray(["Dream"], dtype=object)}
    with pytest.raises(ModelError, match="classes are not its class_names at the argmax of its probabilities"):
        predictor.predict(features, 1)
