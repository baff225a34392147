"""The batch Predictor: string inputs given as Codes (distinct values and indices) get the model's answers."""

from pathlib import Path

import numpy as np
import pytest

from pipeline.batch.predictor import Predictor
from pipeline.batch.rows import Codes
from pipeline.registry.local import LocalRegistry
from tests.unit.pipeline.batch.conftest import CLASSES, expected

pytestmark = pytest.mark.unit


@pytest.fixture
def predictor(output_root: Path) -> Predictor:
    registry = LocalRegistry(str(output_root / "serving_model" / "penguins"), str(output_root / "metadata.sqlite"))
    return Predictor(registry.resolve("production"), batch_size=3)


def test_codes_give_the_same_answers_as_the_strings_they_stand_for(predictor):
    islands = ["Biscoe", "Dream", "", "Biscoe", "Torgersen", "Biscoe", "Dream"]
    lengths = np.asarray([46.1, 39.1, np.nan, 20.0, 60.0, 55.5, 41.0], np.float32)
    values = np.asarray(["Dream", "Biscoe", "", "Torgersen"], dtype=object)
    codes = Codes(values, np.asarray([values.tolist().index(i) for i in islands], np.int32))
    as_strings = predictor.predict({"bill_length_mm": lengths, "island": np.asarray(islands, object)}, len(islands))
    as_codes = predictor.predict({"bill_length_mm": lengths, "island": codes}, len(islands))
    np.testing.assert_array_equal(as_codes.probabilities, as_strings.probabilities)
    np.testing.assert_array_equal(as_codes.classes, as_strings.classes)
    answers = [expected(length, island) for length, island in zip(lengths.tolist(), islands, strict=True)]
    for row, answer in enumerate(answers):
        assert as_codes.probabilities[row] == pytest.approx(answer, abs=1e-6)
    assert [c.decode() for c in as_codes.classes] == [CLASSES[int(np.argmax(answer))] for answer in answers]
