"""Holds the CSV's columns to the dataset definition before anything runs: every column named, and numbers in
numeric columns when the schema is inferred (a single text cell would make the whole column text)."""

import csv
from pathlib import Path
from typing import Iterator, List, Tuple

from components.csv_cells import is_missing
from pipeline.config import PipelineConfig
from pipeline.config.dataset import DATE_FORMAT, dataset_path, is_date

# A numeric column whose first this-many values are all text was declared numeric by mistake.
TEXT_SAMPLE = 100


class ColumnError(ValueError):
    """The header and the dataset definition disagree, or a numeric column holds text; the message says where."""


def check_header(config: PipelineConfig, header: List[str], path: Path) -> None:
    """Every column the definition names is in the header; with an inferred schema, every header column is named.

    With a reviewed schema, ExampleValidator names a column the schema lacks ("New column"), on Vertex AI too.
    """
    dataset, source = config.dataset, dataset_path(config.modules.package_dir)
    missing = [column for column in dataset.columns if column not in header]
    if missing:
        raise ColumnError(
            f"{source} names column '{missing[0]}', which {path} does not have; its header: {', '.join(header)}"
        )
    unnamed = [column for column in header if column.strip() and column not in dataset.columns]
    if unnamed and config.schema_path is None:
        raise ColumnError(
            f"{path} has column '{unnamed[0]}', which {source} does not name; "
            "add it to features (numeric or categorical) or to features.ignored"
        )


def notes(header: List[str]) -> List[str]:
    """What the run leaves out of the data without being told: columns whose header has no name."""
    return [
        f"column {index} of the header has no name: left out (row names, as R's write.csv leaves them, carry "
        "no signal and leak the file's order)"
        for index, name in enumerate(header, start=1)
        if not name.strip()
    ]


def _cells(path: Path, columns: List[str]) -> Iterator[Tuple[int, str, str]]:
    """(line, column, cell) of the given columns in every row of a CSV file."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        indexes = [(header.index(column), column) for column in columns if column in header]
        for row in reader:
            for index, column in indexes:
                if index < len(row):
                    yield reader.line_num, column, row[index]


def check_numbers(config: PipelineConfig, files: List[Path]) -> None:
    """With an inferred schema, the first text cell of a numeric column, named with its file and line."""
    numeric = config.dataset.features.numeric
    if config.schema_path is not None or not numeric:
        return
    for path in files:
        for line, column, cell in _cells(path, numeric):
            if is_missing(cell):
                continue
            try:
                float(cell)
            except ValueError:
                raise ColumnError(
                    f"{path} line {line}: column '{column}' is numeric in "
                    f"{dataset_path(config.modules.package_dir)} but holds {cell!r}; with an inferred schema "
                    "(schema_path: null) the whole column would be read as text. Fix the data, or review a "
                    "schema (modules/schema.pbtxt, schema_path) so that ExampleValidator stops such rows"
                ) from None


def check_kinds(config: PipelineConfig, files: List[Path]) -> None:
    """A numeric column that holds text (dates, words), or a date column with a cell that is not a date, is one
    error naming the column and what it holds, before anything runs (whatever the schema: no schema can
    tell a date from a word)."""
    source = dataset_path(config.modules.package_dir)
    numeric, dates = config.dataset.features.numeric, config.dataset.features.date
    if not numeric and not dates:
        return
    text = _sample_and_check_dates(files, numeric, dates, source)
    for column, cells in text.items():
        if cells and not any(_is_number(cell) for *_, cell in cells):
            where_found, line, cell = cells[0]
            where = "features.date" if is_date(cell) else "features.categorical or features.ignored"
            what = "dates" if is_date(cell) else "text"
            raise ColumnError(
                f"column '{column}' is numeric in {source} but holds {what}, e.g. {cell!r} "
                f"({where_found} line {line}); move it to {where}"
            )


def _sample_and_check_dates(files: List[Path], numeric: List[str], dates: List[str], source: Path) -> dict:
    """The first TEXT_SAMPLE values of each numeric column; every date cell checked on the way.

    Without date columns the read stops once every numeric column has its sample, so a large file costs
    little more than its first rows.
    """
    text: dict = {column: [] for column in numeric}
    unsampled = len(numeric)
    for path in files:
        for line, column, cell in _cells(path, numeric + dates):
            if is_missing(cell):
                continue
            if column in dates and not is_date(cell):
                raise ColumnError(
                    f"{path} line {line}: column '{column}' is a date in {source} but holds {cell!r}; "
                    f"a date is written {DATE_FORMAT}"
                )
            if column in text and len(text[column]) < TEXT_SAMPLE:
                text[column].append((path, line, cell))
                unsampled -= len(text[column]) == TEXT_SAMPLE
                if not unsampled and not dates:
                    return text
    return text


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
