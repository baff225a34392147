"""Unit tests of modules/runtime/dates.py: the numeric parts of dates and timestamps, and refused values."""

import math

import pytest
import tensorflow as tf

from modules.runtime import dates

pytestmark = pytest.mark.unit

ALL_PARTS = ["year", "month", "day", "day_of_week", "hour"]


def _parts(values):
    found = dates.date_parts(tf.constant(values), "departed", ALL_PARTS)
    return [{part: float(found[part][i].numpy()) for part in ALL_PARTS} for i in range(len(values))]


def test_dates_and_timestamps_give_their_parts():
    rows = _parts(["2013-01-01", "2013-01-05 17:30", "1969-12-31T23:59:59", "2000-02-29 08:00:00.25+01:00"])
    assert rows[0] == {"year": 2013, "month": 1, "day": 1, "day_of_week": 1, "hour": 0}  # a Tuesday
    assert rows[1] == {"year": 2013, "month": 1, "day": 5, "day_of_week": 5, "hour": 17}  # a Saturday
    assert rows[2] == {"year": 1969, "month": 12, "day": 31, "day_of_week": 2, "hour": 23}  # a Wednesday
    assert rows[3] == {"year": 2000, "month": 2, "day": 29, "day_of_week": 1, "hour": 8}  # a leap day, Tuesday


def test_day_of_week_matches_the_calendar_over_centuries():
    import datetime

    days = [datetime.date(1600, 3, 1) + datetime.timedelta(days=step) for step in range(0, 200_000, 997)]
    found = dates.day_of_week(
        tf.constant([d.year for d in days], tf.int64),
        tf.constant([d.month for d in days], tf.int64),
        tf.constant([d.day for d in days], tf.int64),
    )
    assert found.numpy().tolist() == [d.weekday() for d in days]


def test_a_missing_date_is_nan_in_every_part():
    row = _parts(["", "2013-06-01"])[0]
    assert all(math.isnan(value) for value in row.values())


def test_only_the_chosen_parts_are_made():
    found = dates.date_parts(tf.constant(["2013-06-01 05:00"]), "departed", ["month", "hour"])
    assert {part: float(value[0]) for part, value in found.items()} == {"month": 6.0, "hour": 5.0}


@pytest.mark.parametrize("value", ["2013-13-01", "01/06/2013", "tomorrow", "2013-06-01 25:00", "2013-6-1"])
def test_a_value_that_is_not_a_date_is_refused_naming_the_feature_and_the_format(value):
    with pytest.raises(tf.errors.InvalidArgumentError) as error:
        _parts(["2013-06-01", value])
    message = error.value.message
    assert "date feature 'departed'" in message
    assert dates.EXPECTED in message
    assert value in message
