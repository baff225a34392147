"""Checks unix-cron expressions and IANA time zones, as Cloud Scheduler and Vertex AI schedules accept them.

Hand-written rather than a dependency: the grammar is five small fields, and both services take the
plain unix-cron form only (no seconds, no @daily, no L or W), which general cron libraries accept.
"""

import re
import zoneinfo
from typing import Dict, NamedTuple, Optional


class _Field(NamedTuple):
    name: str
    low: int
    high: int
    names: Optional[Dict[str, int]] = None


_MONTHS = {
    m: i + 1 for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])
}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31),
    _Field("month", 1, 12, _MONTHS),
    # 0 and 7 are both Sunday.
    _Field("day of week", 0, 7, _DAYS),
)
_ITEM = re.compile(r"^(?P<base>\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:/(?P<step>\d+))?$")


def _value(field: _Field, text: str) -> int:
    if text.isdigit():
        number = int(text)
    elif field.names and text.upper() in field.names:
        number = field.names[text.upper()]
    else:
        raise ValueError(f"{field.name} '{text}' is not a number" + (" or a name" if field.names else ""))
    if not field.low <= number <= field.high:
        raise ValueError(f"{field.name} {number} is out of range {field.low}-{field.high}")
    return number


def _check_item(field: _Field, item: str) -> None:
    found = _ITEM.match(item)
    if not found:
        raise ValueError(f"{field.name} '{item}' is not *, a value, a range a-b, or one of them with /step")
    base, step = found["base"], found["step"]
    if base != "*":
        low, _, high = base.partition("-")
        first = _value(field, low)
        if high and _value(field, high) < first:
            raise ValueError(f"{field.name} range '{base}' runs backwards")
        if step is not None and not high:
            raise ValueError(f"{field.name} '{item}': a step needs * or a range before it, e.g. */{step}")
    if step is not None and not 1 <= int(step) <= field.high:
        raise ValueError(f"{field.name} step '{step}' must be between 1 and {field.high}")


def check_cron(expression: str) -> str:
    """The expression, stripped, if it is five valid unix-cron fields; else ValueError saying what is wrong."""
    if not isinstance(expression, str):
        raise ValueError("must be a cron expression in quotes, e.g. '0 3 * * 1'")
    text = expression.strip()
    if text.upper().startswith(("TZ=", "CRON_TZ=")):
        raise ValueError("give the time zone in schedule.time_zone, not in the cron expression")
    fields = text.split()
    if len(fields) != len(FIELDS):
        raise ValueError(
            f"needs 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}, e.g. '0 3 * * 1'"
        )
    for field, part in zip(FIELDS, fields, strict=False):
        for item in part.split(","):
            _check_item(field, item)
    return " ".join(fields)


def check_time_zone(name: str) -> str:
    """The name if it is in the IANA time zone database (e.g. Europe/Berlin, Etc/UTC); else ValueError."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"'{name}' is not an IANA time zone, e.g. Etc/UTC or Europe/Berlin") from None
    return name
