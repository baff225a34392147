"""The cron and time zone checks of the schedule settings: what Cloud Scheduler and Vertex AI accept."""

import pytest

from pipeline.config.cron import check_cron, check_time_zone

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "expression",
    [
        "0 3 * * 1",
        "*/15 * * * *",
        "0 9-17/2 * * MON-FRI",
        "0 0 1,15 * *",
        "30 4 * jan,Jul sun",
        "0 0 * * 7",
        "59 23 31 12 0",
    ],
)
def test_unix_cron_expressions_are_accepted(expression):
    assert check_cron(f"  {expression} ") == expression


def test_runs_of_spaces_are_normalised():
    assert check_cron("0  3 *\t* 1") == "0 3 * * 1"


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("61 * * * *", "minute 61 is out of range 0-59"),
        ("0 24 * * *", "hour 24 is out of range 0-23"),
        ("0 0 0 * *", "day of month 0 is out of range 1-31"),
        ("0 0 * 13 *", "month 13 is out of range 1-12"),
        ("0 3 * * 8", "day of week 8 is out of range 0-7"),
        ("* * * *", "needs 5 fields (minute hour day-of-month month day-of-week), got 4"),
        ("0 0 0 * * *", "needs 5 fields"),
        ("@daily", "needs 5 fields"),
        ("TZ=Europe/Berlin 0 3 * * *", "give the time zone in schedule.time_zone"),
        ("5-1 * * * *", "minute range '5-1' runs backwards"),
        ("*/0 * * * *", "minute step '0' must be between 1 and 59"),
        ("3/5 * * * *", "a step needs * or a range before it"),
        ("0 3 * * FOO", "day of week 'FOO' is not a number or a name"),
        ("0 MON * * *", "hour 'MON' is not a number"),
        ("0 3 * * 1,", "day of week '' is not *"),
        ("0 3 ? * 1", "day of month '?' is not *"),
    ],
)
def test_bad_expressions_say_what_is_wrong(expression, reason):
    with pytest.raises(ValueError) as error:
        check_cron(expression)

    assert reason in str(error.value)


def test_a_number_is_not_an_expression():
    with pytest.raises(ValueError, match="must be a cron expression in quotes"):
        check_cron(5)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["Etc/UTC", "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires"])
def test_iana_time_zones_are_accepted(name):
    assert check_time_zone(name) == name


@pytest.mark.parametrize("name", ["Mars/Base", "Europe", "", "../etc/passwd", "CEST"])
def test_other_time_zones_are_refused(name):
    with pytest.raises(ValueError, match="is not an IANA time zone"):
        check_time_zone(name)
