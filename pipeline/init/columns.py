"""Reads a folder of CSV files once and guesses what each column is for, saying why."""

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Set

from components.csv_cells import is_missing
from pipeline.config.dataset import DEFAULT_DATE_PARTS, is_date

# Past this many distinct values a column's values are not kept, only counted as "many".
DISTINCT_CAP = 100_000
# A text column is a category when it has at most this many values and repeats them (see guess()).
MAX_CATEGORIES = 50
# A label with more classes than this is a quantity to predict, which a classifier is not for.
MAX_CLASSES = 50
# Slices are categorical columns with at most this many values; the Evaluator reports one accuracy per value.
MAX_SLICE_VALUES = 10
MAX_SLICES = 3


# The kind of a column without a name: not in the dataset definition at all, as the pipeline never reads it.
LEFT_OUT = "left out"


class InitError(ValueError):
    """The data cannot be described: no CSV, different headers, an unusable label; the message says which."""


@dataclass
class Column:
    """What one pass over the rows learned about a column."""

    name: str
    rows: int = 0
    missing: int = 0
    numbers: int = 0
    integers: int = 0
    dates: int = 0
    # Whether every value so far equals its row's number in the file, counted from 1 or from 0.
    row_numbers: Dict[int, bool] = field(default_factory=lambda: {0: True, 1: True})
    values: Set[str] = field(default_factory=set)
    many_values: bool = False
    first_missing: Optional[str] = None  # "file line N" of the first row without a value
    first_text: Optional[str] = None  # "'cell' (file line N)" of the first value that is not a number

    @property
    def present(self) -> int:
        return self.rows - self.missing

    @property
    def distinct(self) -> str:
        return f"over {DISTINCT_CAP}" if self.many_values else str(len(self.values))

    def add(self, cell: str, where: str, row: int = -1) -> None:
        self.rows += 1
        for start, holds in self.row_numbers.items():
            self.row_numbers[start] = holds and cell.strip() == str(row - 1 + start)
        if is_missing(cell):
            self.missing += 1
            self.first_missing = self.first_missing or where
            return
        if _is_number(cell):
            self.numbers += 1
            self.integers += "." not in cell and float(cell) == int(float(cell))
        else:
            self.first_text = self.first_text or f"{cell!r} on {where}"
            self.dates += is_date(cell)
        if not self.many_values:
            self.values.add(cell)
            self.many_values = len(self.values) > DISTINCT_CAP


@dataclass(frozen=True)
class Guess:
    column: str
    kind: str  # numeric, categorical, date, ignored, or LEFT_OUT
    reason: str


def csv_files(folder: Path) -> List[Path]:
    if not folder.is_dir():
        raise InitError(f"data folder {folder} does not exist; give --data a folder of CSV files")
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise InitError(f"data folder {folder} has no .csv file")
    return files


def scan(files: List[Path]) -> Dict[str, Column]:
    """Every column of the files (which must share a header), in header order."""
    header: List[str] = []
    columns: Dict[str, Column] = {}
    for path in files:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            first = next(reader, [])
            if header and first != header:
                raise InitError(f"{path} has a different header from {files[0]}")
            if not any(cell.strip() for cell in first):
                raise InitError(f"{path} is empty; it needs a header line and rows")
            header = first
            columns = columns or {name: Column(name) for name in header}
            number = 0
            for row in reader:
                if not row:
                    continue
                number += 1
                where = f"{path.name} line {reader.line_num}"
                for name, cell in zip(header, row, strict=False):
                    columns[name].add(cell, where, number)
    return columns


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}% missing" if part else "never missing"


def guess(column: Column) -> Guess:
    """numeric, categorical, date or ignored, and the reason a person can check."""
    if not column.name.strip():
        return Guess(
            column.name,
            LEFT_OUT,
            "no name in the header: row names (as R's write.csv leaves them) carry no "
            "signal, and the pipeline's reader leaves such a column out",
        )
    if column.rows > 1 and any(column.row_numbers.values()):
        return Guess(column.name, "ignored", "the row's number in the file: no signal, and it leaks the file's order")
    if not column.present:
        return Guess(column.name, "ignored", "no value in any row")
    missing = _share(column.missing, column.rows)
    if len(column.values) == 1:
        return Guess(column.name, "ignored", f"one value only ({next(iter(column.values))!r}): nothing to learn")
    every_different = not column.many_values and len(column.values) == column.present > 20
    if column.numbers == column.present:
        if column.integers == column.present and every_different and _dense(column.values):
            return Guess(column.name, "ignored", "whole numbers, each row a different one: an id, not a measure")
        return Guess(column.name, "numeric", f"numbers, {missing}")
    if column.dates == column.present:
        first = min(column.values) if column.values else ""
        return Guess(
            column.name,
            "date",
            f"dates like {first!r}, {missing}: the model reads its {', '.join(DEFAULT_DATE_PARTS)} (date_parts)",
        )
    if column.numbers >= 0.9 * column.present:
        text = column.present - column.numbers
        return Guess(
            column.name, "numeric", f"numbers but for text in {text} rows, first {column.first_text}: fix those cells"
        )
    if not column.many_values and len(column.values) <= min(MAX_CATEGORIES, column.present / 2):
        return Guess(column.name, "categorical", f"text with {len(column.values)} values, {missing}")
    return Guess(
        column.name,
        "ignored",
        f"text with {column.distinct} different values in {column.present} rows: free text or an id, not a category",
    )


def _dense(values: Set[str]) -> bool:
    """Whole numbers that fill most of their range (1, 2, 3, ... with gaps), as row ids do."""
    numbers = [int(float(value)) for value in values]
    return max(numbers) - min(numbers) + 1 <= 2 * len(numbers)


def _is_number(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def check_label(columns: Dict[str, Column], label: str) -> Column:
    """The label column, if it can be a classifier's label; else InitError saying why."""
    if label not in columns:
        raise InitError(f"no column '{label}' in the data; its header: {', '.join(columns)}")
    column = columns[label]
    if column.missing:
        raise InitError(
            f"label '{label}' has no value in {column.missing} rows (first: {column.first_missing}); "
            "remove those rows or choose another label"
        )
    if len(column.values) < 2:
        raise InitError(f"label '{label}' has a single value ({', '.join(column.values)}): nothing to predict")
    if column.many_values or len(column.values) > MAX_CLASSES:
        raise InitError(
            f"label '{label}' has {column.distinct} different values; vertex-tfx trains a classifier, so the "
            f"label needs at most {MAX_CLASSES} classes"
        )
    return column


def classes(column: Column) -> List[str]:
    """The label's classes in the order the model will number them: numeric order for numbers, else alphabetical."""
    if column.numbers == column.present:
        return sorted(column.values, key=float)
    return sorted(column.values)


def slices(columns: Dict[str, Column], guesses: List[Guess]) -> List[str]:
    """The categorical columns with few values, at most MAX_SLICES of them."""
    chosen = [
        g.column for g in guesses if g.kind == "categorical" and len(columns[g.column].values) <= MAX_SLICE_VALUES
    ]
    return chosen[:MAX_SLICES]


def dataset_name(files: List[Path]) -> str:
    """A name for the dataset from its first file: 'Titanic Passengers.csv' -> 'titanic-passengers'."""
    name = re.sub(r"[^a-z0-9]+", "-", files[0].stem.lower()).strip("-")
    name = re.sub(r"^[^a-z]+", "", name)[:48].strip("-")
    if len(name) < 2:
        raise InitError(f"cannot make a dataset name from {files[0].name}; give one with --name")
    return name
