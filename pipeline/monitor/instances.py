"""Turns logged request bodies into examples: one row per instance, one column per feature."""

import json
import math
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Sequence, Union

# The kinds a schema gives a feature: FLOAT, INT and BYTES.
FLOAT, INT, STRING = "float", "int", "string"


@dataclass
class Examples:
    """The window's instances as columns, and how many logged bodies could not be read."""

    columns: Dict[str, List[Any]] = field(default_factory=dict)
    count: int = 0
    unreadable: int = 0

    def dataframe(self, kinds: Dict[str, str]):
        """A pandas DataFrame TFDV reads: numbers as numbers, missing as NaN/None, and a column with any value
        of the wrong type as strings, so that TFDV reports the type its schema did not expect."""
        import pandas as pd

        frame = {name: _column(values, kinds.get(name)) for name, values in self.columns.items()}
        return pd.DataFrame(frame, index=range(self.count))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _missing(value: Any) -> bool:
    # The serving signature reads NaN as a missing number and "" as a missing string.
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _column(values: List[Any], kind: Union[str, None]):
    import pandas as pd

    present = [value for value in values if not _missing(value)]
    numbers = all(_is_number(value) for value in present)
    if kind in (FLOAT, INT) or (kind is None and present and numbers):
        if numbers and kind == INT and all(float(value).is_integer() for value in present):
            return pd.array([None if _missing(v) else int(v) for v in values], dtype="Int64")
        if numbers:
            return pd.array([math.nan if _missing(v) else float(v) for v in values], dtype="float64")
    return pd.array([None if _missing(v) else _text(v) for v in values], dtype="object")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _bodies(payload: Union[str, Sequence[str]]) -> Iterable[Any]:
    for part in [payload] if isinstance(payload, str) else payload:
        yield json.loads(part)


def instances_of(payload: Union[str, Sequence[str]]) -> List[Dict[str, Any]]:
    """The instances of one logged request. A Vertex AI table's REPEATED payload may hold whole request
    bodies ({"instances": [...]}) or single instances; both are read. Raises ValueError when unreadable."""
    found: List[Dict[str, Any]] = []
    for body in _bodies(payload):
        items = body["instances"] if isinstance(body, dict) and "instances" in body else [body]
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ValueError("instances must be a list of objects")
        found += items
    return found


def examples(payloads: Iterable[Union[str, Sequence[str]]], features: Sequence[str]) -> Examples:
    """Every instance of every payload, with a column for each of `features` and each other key seen."""
    result = Examples(columns={name: [] for name in features})
    for payload in payloads:
        try:
            batch = instances_of(payload)
        except (TypeError, ValueError, KeyError):
            result.unreadable += 1
            continue
        for instance in batch:
            for name in instance:
                result.columns.setdefault(name, [None] * result.count)
            for name, values in result.columns.items():
                values.append(instance.get(name))
            result.count += 1
    return result
