"""Turns date and timestamp strings into numeric parts (year, month, day, day of week, hour) inside the graph."""

from typing import Dict, List

import tensorflow as tf

# What a date cell may hold: a date, optionally a time (seconds, fractions and a zone offset optional; the
# zone is ignored: the parts are the wall-clock time as written). The pipeline checks CSV cells against the
# same pattern (pipeline/config/dataset.py: DATE_PATTERN, held equal by tests/unit/modules/test_features.py).
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?"
EXPECTED = "YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS] (a T may stand for the space)"
# Appended before slicing, so that a date without a time reads hour 00 at the place a time's hour is.
_NO_TIME = "T00:00:00"


def _number(text: tf.Tensor, start: int, length: int) -> tf.Tensor:
    return tf.strings.to_number(tf.strings.substr(text, start, length), out_type=tf.int64)


def day_of_week(year: tf.Tensor, month: tf.Tensor, day: tf.Tensor) -> tf.Tensor:
    """Monday 0 to Sunday 6 of proleptic Gregorian dates, from their day count since 1970-01-01 (a Thursday)."""
    # Howard Hinnant's days_from_civil: years start in March, so the leap day ends a year.
    year = year - tf.cast(month <= 2, tf.int64)
    era = tf.math.floordiv(year, 400)
    year_of_era = year - era * 400
    shifted_month = tf.where(month > 2, month - 3, month + 9)
    day_of_year = (153 * shifted_month + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    days = era * 146097 + day_of_era - 719468
    return tf.math.floormod(days + 3, 7)


def _parse(text: tf.Tensor) -> Dict[str, tf.Tensor]:
    padded = tf.strings.join([text, _NO_TIME])
    year, month, day = _number(padded, 0, 4), _number(padded, 5, 2), _number(padded, 8, 2)
    return {
        "year": year,
        "month": month,
        "day": day,
        "day_of_week": day_of_week(year, month, day),
        "hour": _number(padded, 11, 2),
    }


def date_parts(values: tf.Tensor, key: str, parts: List[str]) -> Dict[str, tf.Tensor]:
    """Each chosen part of a [batch] string tensor as float32, NaN where the value is missing ("").

    A value that is not a date stops the graph with an error naming the feature and the expected format:
    Transform on training data, a 400 from `vtx serve`.
    """
    missing = tf.equal(values, "")
    matches = tf.strings.regex_full_match(values, DATE_PATTERN)
    found = _parse(tf.where(matches, values, "1970-01-01"))
    in_range = (
        (found["month"] >= 1) & (found["month"] <= 12) & (found["day"] >= 1) & (found["day"] <= 31)
        & (found["hour"] <= 23)
    )  # fmt: skip
    valid = missing | (matches & in_range)
    check = tf.debugging.Assert(
        tf.reduce_all(valid),
        [f"date feature '{key}' holds a value that is not a date; expected {EXPECTED}; got:", values[~valid]],
        summarize=3,
    )
    with tf.control_dependencies([check]):
        nan = tf.fill(tf.shape(values), float("nan"))
        return {part: tf.where(missing, nan, tf.cast(found[part], tf.float32)) for part in parts}
