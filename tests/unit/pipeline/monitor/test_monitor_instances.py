"""pipeline.monitor.instances: logged bodies to examples, with missing values and wrong types kept visible."""

import json
import math

import pytest

from pipeline.monitor import instances

pytestmark = pytest.mark.unit

KINDS = {"bill_length_mm": instances.FLOAT, "flipper_length_mm": instances.INT, "island": instances.STRING}
FEATURES = list(KINDS)


def test_a_body_a_list_of_bodies_and_a_list_of_instances_all_read():
    one = {"island": "Dream", "bill_length_mm": 39.1}
    two = {"island": "Biscoe"}

    assert instances.instances_of(json.dumps({"instances": [one, two]})) == [one, two]
    assert instances.instances_of([json.dumps({"instances": [one]}), json.dumps({"instances": [two]})]) == [one, two]
    assert instances.instances_of([json.dumps(one), json.dumps(two)]) == [one, two]


def test_columns_hold_every_instance_and_unreadable_bodies_are_counted():
    payloads = [
        json.dumps({"instances": [{"island": "Dream", "bill_length_mm": 39.1, "flipper_length_mm": 181.0}]}),
        "{not json",
        json.dumps({"instances": "Dream"}),
        json.dumps({"instances": [{"island": "", "bill_length_mm": None, "colour": "blue"}]}),
    ]

    found = instances.examples(payloads, FEATURES)

    assert (found.count, found.unreadable) == (2, 2)
    assert found.columns == {
        "bill_length_mm": [39.1, None],
        "flipper_length_mm": [181.0, None],
        "island": ["Dream", ""],
        "colour": [None, "blue"],
    }


def test_the_dataframe_types_follow_the_schema_and_missing_values_are_missing():
    payload = {"instances": [{"island": "Dream", "bill_length_mm": 39.1, "flipper_length_mm": 181.0}, {"island": ""}]}

    frame = instances.examples([json.dumps(payload)], FEATURES).dataframe(KINDS)

    assert str(frame["flipper_length_mm"].dtype) == "Int64" and frame["flipper_length_mm"][0] == 181
    assert str(frame["bill_length_mm"].dtype) == "float64" and math.isnan(frame["bill_length_mm"][1])
    assert frame["island"].tolist() == ["Dream", None]


def test_a_value_of_the_wrong_type_turns_its_column_to_strings_for_tfdv_to_flag():
    payload = {"instances": [{"bill_length_mm": "long", "flipper_length_mm": 181.5, "island": 3}]}

    frame = instances.examples([json.dumps(payload)], FEATURES).dataframe(KINDS)

    assert frame["bill_length_mm"].tolist() == ["long"]
    # A fraction where the schema says INT stays a float, which TFDV reports against the INT schema.
    assert str(frame["flipper_length_mm"].dtype) == "float64"
    assert frame["island"].tolist() == ["3"]
