"""Request validation: good bodies become model columns; each bad one is one error naming the instance and field."""

import json
import math

import numpy as np
import pytest

from pipeline.serving.instances import BadRequestError, parse
from pipeline.serving.model import Feature

pytestmark = pytest.mark.unit

FEATURES = {
    "bill_length_mm": Feature("bill_length_mm", "number", np.float32),
    "island": Feature("island", "string", object),
    "year": Feature("year", "integer", np.int64),
}
GOOD = {"bill_length_mm": 39.1, "island": "Torgersen", "year": 2007}


def _body(value) -> bytes:
    return json.dumps(value).encode()


def _error(body: bytes, max_instances: int = 4) -> BadRequestError:
    with pytest.raises(BadRequestError) as caught:
        parse(body, FEATURES, max_instances)
    return caught.value


def test_instances_become_columns_and_null_is_the_models_missing_value():
    second = {"bill_length_mm": None, "island": None, "year": 2008.0}

    instances = parse(_body({"instances": [GOOD, second]}), FEATURES, 4)

    assert instances.count == 2
    assert instances.columns["island"] == ["Torgersen", ""]
    assert instances.columns["bill_length_mm"][0] == 39.1
    assert math.isnan(instances.columns["bill_length_mm"][1])
    assert instances.columns["year"] == [2007, 2008.0]


@pytest.mark.parametrize(
    "body, message",
    [
        (b"{not json", "the body is not valid JSON"),
        (b"\xff\xfe", "the body is not valid JSON"),
        ('{"instances": [{"island": "Dream"}]}'.encode("utf-16"), "the body is not valid JSON"),
        (b'{"instances": [{"bill_length_mm": NaN}]}', "the body is not valid JSON: NaN is not a JSON value"),
        (_body([GOOD]), 'the body must be a JSON object like {"instances": [...]}'),
        (_body({"inputs": [GOOD]}), 'the body has no "instances"'),
        (_body({"instances": []}), '"instances" must be a non-empty list of objects'),
        (_body({"instances": GOOD}), '"instances" must be a non-empty list of objects'),
        (_body({"instances": [GOOD] * 5}), "5 instances is more than the limit of 4 per request"),
    ],
)
def test_a_bad_body_is_named(body, message):
    error = _error(body)

    assert str(error).startswith(message)
    assert error.instance is None and error.field is None
    assert error.body()["error"]["code"] == 400


@pytest.mark.parametrize(
    "bad, field, message",
    [
        ({**GOOD, "beak_colour": "red"}, "beak_colour", "unknown feature; the model takes: " + ", ".join(FEATURES)),
        ({"island": "Dream", "year": 2007}, "bill_length_mm", "missing feature; send null for a missing value"),
        ({**GOOD, "bill_length_mm": "39.1"}, "bill_length_mm", 'must be a number or null, got str "39.1"'),
        ({**GOOD, "bill_length_mm": True}, "bill_length_mm", "must be a number or null, got bool true"),
        ({**GOOD, "island": 3}, "island", "must be a string or null, got int 3"),
        ({**GOOD, "island": ["Dream"]}, "island", 'must be a string or null, got list ["Dream"]'),
        ({**GOOD, "year": 2007.5}, "year", "must be an integer, got float 2007.5"),
        ({**GOOD, "year": None}, "year", "must be an integer; this model has no missing value for it"),
    ],
)
def test_a_bad_instance_names_its_index_and_field(bad, field, message):
    error = _error(_body({"instances": [GOOD, GOOD, bad]}))

    assert (error.instance, error.field) == (2, field)
    assert str(error) == f"instance 2, field '{field}': {message}"
    assert error.body() == {
        "error": {"code": 400, "status": "INVALID_ARGUMENT", "message": str(error), "instance": 2, "field": field}
    }


def test_a_number_too_large_for_a_float_is_refused():
    body = b'{"instances": [{"bill_length_mm": 1e400, "island": "Dream", "year": 2007}]}'

    error = _error(body)

    assert str(error) == "instance 0, field 'bill_length_mm': must be a finite number or null"


def test_an_instance_that_is_not_an_object_is_named():
    error = _error(_body({"instances": [GOOD, [39.1, "Dream", 2007]]}))

    assert (error.instance, error.field) == (1, None)
    assert str(error).startswith("instance 1: must be an object of feature values, got list")
