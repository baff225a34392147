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


def _one(value, field: str = "bill_length_mm") -> BadRequestError:
    return _error(_body({"instances": [{**GOOD, field: value}]}))


@pytest.mark.parametrize(
    "value, message",
    [
        (10**400, "is not finite as float32, the model's input type (at most 3.4028235e+38)"),
        (1e39, "float 1e+39 is not finite as float32"),
        (-1e39, "float -1e+39 is not finite as float32"),
        (1e300, "float 1e+300 is not finite as float32"),
    ],
)
def test_a_number_beyond_float32_is_refused_naming_the_field(value, message):
    error = _one(value)

    assert (error.instance, error.field) == (0, "bill_length_mm")
    assert message in str(error)


def test_the_largest_float32_and_tiny_numbers_pass():
    for value in (3.4e38, -3.4e38, 1e-50, 10**38):
        instances = parse(_body({"instances": [{**GOOD, "bill_length_mm": value}]}), FEATURES, 4)
        assert instances.columns["bill_length_mm"] == [value]


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 1e300, 10**400])
def test_an_integer_beyond_int64_is_refused(value):
    error = _one(value, "year")

    assert error.field == "year"
    assert "is outside the range of int64, the model's input type" in str(error)


def test_the_int64_limits_pass():
    instances = parse(_body({"instances": [{**GOOD, "year": 2**63 - 1}, {**GOOD, "year": -(2**63)}]}), FEATURES, 4)

    assert instances.columns["year"] == [2**63 - 1, -(2**63)]


def test_a_lone_surrogate_in_a_string_is_refused_naming_the_field():
    body = b'{"instances": [{"bill_length_mm": 1.0, "island": "Dr\\ud800eam", "year": 2007}]}'

    error = _error(body)

    assert (error.instance, error.field) == (0, "island")
    assert str(error) == (
        "instance 0, field 'island': must be valid Unicode text; it holds a lone surrogate \\ud800 at character 2"
    )


def test_a_paired_surrogate_is_a_character_and_passes():
    body = b'{"instances": [{"bill_length_mm": 1.0, "island": "\\ud83d\\udc27", "year": 2007}]}'

    assert parse(body, FEATURES, 4).columns["island"] == ["\U0001f427"]


def test_arrays_nested_100000_deep_are_a_400_not_a_crash():
    error = _error(b'{"instances": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")

    assert str(error) == "the body is not valid JSON: its arrays or objects are nested too deeply"


def test_a_deeply_nested_value_is_described_by_its_type():
    nested = "[" * 900 + "1" + "]" * 900
    error = _error(f'{{"instances": [{{"bill_length_mm": {nested}, "island": "Dream", "year": 2007}}]}}'.encode())

    assert error.field == "bill_length_mm"
    assert str(error).startswith("instance 0, field 'bill_length_mm': must be a number or null, got list")


def test_an_integer_of_5000_digits_is_not_json_python_reads():
    error = _error(b'{"instances": [{"bill_length_mm": ' + b"9" * 5000 + b', "island": "Dream", "year": 2007}]}')

    assert str(error) == "the body is not valid JSON: a number has more than the 4300 digits this server reads"
