"""Holds the CSV's columns to the dataset definition before anything runs: every column named, and numbers in
numeric columns when the schema is inferred (a single text cell would make the whole column text)."""

import csv
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

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


def check_cells(config: PipelineConfig, files: List[Path]) -> None:
    """One read of the numeric and date columns, before anything runs; each problem is one error naming it.

    - a date column with a cell that is not a date;
    - a numeric column whose first TEXT_SAMPLE values are all text (dates, words): declared numeric by mistake,
      whatever the schema, since no schema can tell a date from a word;
    - with an inferred schema, the first text cell of a numeric column (a single one makes the whole column text).

    The read stops as soon as nothing further could change the verdict, so a large file with a reviewed schema
    and no date column costs little more than its first rows.
    """
    numeric, dates = config.dataset.features.numeric, config.dataset.features.date
    if not numeric and not dates:
        return
    source, inferred = dataset_path(config.modules.package_dir), config.schema_path is None
    samples: Dict[str, List[Tuple[Path, int, str]]] = {column: [] for column in numeric}
    first_text: Optional[Tuple[Path, int, str, str]] = None
    for path, line, column, cell in _cells_of(files, numeric + dates):
        if column in samples:
            if len(samples[column]) < TEXT_SAMPLE:
                samples[column].append((path, line, cell))
            if first_text is None and not _is_number(cell):
                first_text = (path, line, column, cell)
            if not dates and (first_text or not inferred) and all(len(s) == TEXT_SAMPLE for s in samples.values()):
                break
        elif not is_date(cell):
            raise ColumnError(
                f"{path} line {line}: column '{column}' is a date in {source} but holds {cell!r}; "
                f"a date is written {DATE_FORMAT}"
            )
    _check_declared_numeric(samples, source)
    if inferred and first_text:
        path, line, column, cell = first_text
        raise ColumnError(
            f"{path} line {line}: column '{column}' is numeric in {source} but holds {cell!r}; with an inferred "
            "schema (schema_path: null) the whole column would be read as text. Fix the data, or review a "
            "schema (modules/schema.pbtxt, schema_path) so that ExampleValidator stops such rows"
        )


def _cells_of(files: List[Path], columns: List[str]) -> Iterator[Tuple[Path, int, str, str]]:
    """(file, line, column, cell) of the given columns, missing cells left out."""
    for path in files:
        for line, column, cell in _cells(path, columns):
            if not is_missing(cell):
                yield path, line, column, cell


def _check_declared_numeric(samples: Dict[str, List[Tuple[Path, int, str]]], source: Path) -> None:
    for column, cells in samples.items():
        if cells and not any(_is_number(cell) for *_, cell in cells):
            where_found, line, cell = cells[0]
            where = "features.date" if is_date(cell) else "features.categorical or features.ignored"
            what = "dates" if is_date(cell) else "text"
            raise ColumnError(
                f"column '{column}' is numeric in {source} but holds {what}, e.g. {cell!r} "
                f"({where_found} line {line}); move it to {where}"
            )


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
