"""The served model's call (its concrete function, flat inputs, kernels on the calling thread) answers exactly
what the SavedModel's `serving_raw` signature answers, on every row of data/penguins.csv."""

import json
from pathlib import Path

import pytest

from pipeline.serving.instances import parse
from pipeline.serving.model import load
from tests.builders.serving import penguins, pushed_versions

pytestmark = pytest.mark.e2e


def test_the_fast_call_answers_what_the_signature_answers(served_run: Path):
    version = pushed_versions(served_run)[-1]
    model = load(version, str(served_run / "serving_model" / "penguins" / version))
    assert model.call is not None, "the model fell back to the signature"
    body = {"instances": [instance for instance, _ in penguins()]}
    columns = parse(json.dumps(body).encode(), model.features, 1000).columns

    fast = model.predict(columns)
    model.call = None
    by_signature = model.predict(columns)

    assert len(fast) == 344
    assert fast == by_signature
