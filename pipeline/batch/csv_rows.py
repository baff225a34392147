"""Reads a CSV file in chunks: pyarrow parses clean chunks in C++; a chunk with a bad row is re-read line by line."""

import csv
from typing import BinaryIO, Dict, Iterator, List, Optional

import numpy as np
import pyarrow as pa
from pyarrow import compute as pc
from pyarrow import csv as pa_csv

from pipeline.batch.rows import (
    MISSING,
    Chunk,
    FeatureKinds,
    RowError,
    UnreadableError,
    line_chunks,
    newlines,
    row_text,
    to_date,
    to_float,
)
from pipeline.config.dataset import is_date


def read_header(stream: BinaryIO, kinds: FeatureKinds, reserved: List[str]) -> List[str]:
    """The column names of the first line; UnreadableError if it is not a header with every model input."""
    first = stream.readline()
    try:
        names = next(csv.reader([first.decode("utf-8-sig").rstrip("\r\n")]), [])
    except (UnicodeDecodeError, csv.Error) as error:
        raise UnreadableError(f"its first line is not a CSV header ({error})") from None
    if not first.strip() or not names:
        raise UnreadableError("it is empty; a CSV file needs a header line")
    if len(set(names)) != len(names):
        raise UnreadableError(
            f"its header names a column twice: {', '.join(sorted({n for n in names if names.count(n) > 1}))}"
        )
    missing = [name for name in kinds if name not in names]
    if missing:
        raise UnreadableError(f"its header has no column {', '.join(missing)} (the model's inputs: {', '.join(kinds)})")
    taken = [name for name in reserved if name in names]
    if taken:
        raise UnreadableError(f"it already has the output column {taken[0]} (is it an output of batch-predict?)")
    return names


def chunks(stream: BinaryIO, kinds: FeatureKinds, names: List[str], chunk_bytes: int) -> Iterator[Chunk]:
    """The data rows after the header, a chunk at a time; line numbers count the header as line 1."""
    for first_line, data in line_chunks(stream, chunk_bytes, first_line=2):
        yield _fast(data, kinds, names) or _slow(data, first_line, kinds, names)


def _fast(data: bytes, kinds: FeatureKinds, names: List[str]) -> Optional[Chunk]:
    """The chunk parsed by pyarrow, or None when any line is not a clean row (the slow path then names it)."""
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(data),
            read_options=pa_csv.ReadOptions(column_names=names, use_threads=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in names}, null_values=[""], strings_can_be_null=True
            ),
        )
        # A row with too many or too few fields raised above; a blank line was skipped, and is counted here.
        if table.num_rows != newlines(data) + (0 if data.endswith(b"\n") else 1):
            return None
        # Floats first, cast as read: only a column that does not cast (an "NA" cell) is searched for MISSING.
        features = {name: _floats(table.column(name)) for name, kind in kinds.items() if kind == "float"}
        cells = {name: _cells(table.column(name)) for name, kind in kinds.items() if kind != "float"}
        features.update({name: _strings(cells[name]) for name in cells})
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    # Each distinct date once: a chunk holds few distinct values of a column, and far more rows.
    dates = [value for name, kind in kinds.items() if kind == "date" for value in pc.unique(cells[name]).to_pylist()]
    if any(value and not is_date(value) for value in dates):
        return None
    return Chunk(features=features, rows=table, count=table.num_rows)


def _cells(column: pa.ChunkedArray) -> pa.Array:
    """A column of strings with every MISSING cell null (an empty cell is null already)."""
    missing = pc.is_in(column, pa.array(MISSING[1:], pa.string()))
    if not pc.any(missing).as_py():
        return column.combine_chunks()
    return pc.if_else(missing, pa.scalar(None, pa.string()), column).combine_chunks()


def _floats(column: pa.ChunkedArray) -> np.ndarray:
    """A float input, NaN where missing. ArrowInvalid if a cell is neither a number nor missing."""
    try:
        values = pc.cast(column, pa.float32()).combine_chunks()
    except pa.ArrowInvalid:
        values = pc.cast(_cells(column), pa.float32())
    return values.fill_null(np.float32("nan")).to_numpy()


def _strings(cells: pa.Array) -> np.ndarray:
    """A string input as an object array, "" where missing."""
    # Through a dictionary: one Python string per distinct value, not one per row.
    encoded = cells.fill_null("").dictionary_encode()
    return encoded.dictionary.to_numpy(zero_copy_only=False)[encoded.indices.to_numpy()]


def _slow(data: bytes, first_line: int, kinds: FeatureKinds, names: List[str]) -> Chunk:
    """Each line on its own: good rows are kept, every other line becomes a RowError naming why."""
    index = {name: names.index(name) for name in kinds}
    in_order = [(name, kinds[name]) for name in names if name in kinds]
    good: List[List[str]] = []
    values: Dict[str, list] = {name: [] for name in kinds}
    errors: List[RowError] = []
    for offset, raw in enumerate(data.split(b"\n")):
        line = first_line + offset
        if not raw.strip():
            continue
        try:
            fields = next(csv.reader([raw.decode("utf-8").rstrip("\r")]))
        except UnicodeDecodeError:
            errors.append(RowError(line, "not UTF-8 text", row_text(raw)))
            continue
        except csv.Error as error:
            errors.append(RowError(line, f"not a CSV row ({error})", row_text(raw)))
            continue
        if len(fields) != len(names):
            errors.append(RowError(line, f"{len(fields)} fields where the header has {len(names)}", row_text(raw)))
            continue
        try:
            row = {name: _value(fields[index[name]], kind, name) for name, kind in in_order}
        except ValueError as error:
            errors.append(RowError(line, str(error), row_text(raw)))
            continue
        good.append(fields)
        for name, value in row.items():
            values[name].append(value)
    table = pa.table(
        {name: pa.array([fields[i] or None for fields in good], pa.string()) for i, name in enumerate(names)}
    )
    features = {
        name: np.asarray(values[name], dtype=np.float32 if kind == "float" else object) for name, kind in kinds.items()
    }
    return Chunk(features=features, rows=table, count=len(good), errors=errors)


def _value(text: str, kind: str, name: str):
    if kind == "date":
        return to_date(text, name)
    if kind == "string":
        return "" if text in MISSING else text
    try:
        return to_float(text)
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from None
