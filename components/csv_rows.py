"""The CSV reader's Beam side: files cut into ranges, rows read by every worker, and each row as a keyed tf.Example.

Beam workers import this module to run its functions, so it imports only Beam, TensorFlow, tfx_bsl's CSV type
inference and its own small modules, never `tfx.components` (whose package imports every TFX component: about
1.5 s of CPU time in each worker process, before the first row) nor TFX's component specs (which import TFMA).
"""

import csv
import io
import os
from typing import Any, Dict, Iterable, List, Optional, Tuple

import apache_beam as beam
import tensorflow as tf
from tfx.dsl.io import fileio
from tfx_bsl.coders import csv_decoder

from components import csv_ranges
from components.csv_cells import MISSING_TOKENS
from components.example_split import KeyedExample


def read_header(path: str) -> List[str]:
    """The column names of a CSV file's first line."""
    with fileio.open(path, "r") as handle:
        return next(csv.reader([handle.readline().lstrip("\ufeff")]))


class _PlanRanges(beam.DoFn):
    """Cuts each CSV file into ranges that different workers can read (components/csv_ranges.py)."""

    def process(self, path: str) -> Iterable[csv_ranges.CsvRange]:
        size = beam.io.filesystems.FileSystems.match([path])[0].metadata_list[0].size_in_bytes
        with beam.io.filesystems.FileSystems.open(path) as raw:
            yield from csv_ranges.plan(path, raw, size)


class _ReadCsvRows(beam.DoFn):
    """Yields each data row of a range of a CSV file as (its place, its byte cells), missing tokens emptied.

    `vtx run` checks every file before the pipeline starts (pipeline/local/preflight.py); these errors are the
    backstop for data it did not see (a remote data_root, a file changed since), naming the file and line.
    """

    def __init__(self, width: int):
        self.width = width

    def process(self, part: csv_ranges.CsvRange) -> Iterable[Tuple[bytes, List[bytes]]]:
        path, before = part.path, part.lines_before
        name = os.path.basename(path).encode()
        with beam.io.filesystems.FileSystems.open(path) as raw:
            if part.start:
                raw.seek(part.start)
            source = raw if part.end is None else io.BytesIO(raw.read(part.end - part.start))
            # newline="": only \n, \r\n and \r end a line, as the csv module expects (not U+2028 and the like).
            encoding = "utf-8-sig" if part.start == 0 else "utf-8"
            reader = csv.reader(io.TextIOWrapper(source, encoding=encoding, newline=""))
            try:
                if part.start == 0:
                    next(reader, None)
                for row in reader:
                    if not row:
                        continue
                    if len(row) != self.width:
                        what = f"{len(row)} cells, but the header has {self.width}"
                        raise ValueError(f"{path}: line {before + reader.line_num}: {what}")
                    # The line a row ends on: the same on every run, whatever the runner reads in parallel.
                    yield (
                        b"%s:%d" % (name, before + reader.line_num),
                        [b"" if cell.encode() in MISSING_TOKENS else cell.encode() for cell in row],
                    )
            except UnicodeDecodeError as error:
                # Decoding runs ahead of the rows, so the line is only a lower bound.
                line = before + reader.line_num + 1
                raise ValueError(f"{path}: at or after line {line}: not UTF-8 ({error.reason})") from None
            except csv.Error as error:
                raise ValueError(f"{path}: line {before + reader.line_num}: {error}") from None


def _feature(cell: bytes, column: csv_decoder.ColumnInfo) -> tf.train.Feature:
    if not cell or column.type == csv_decoder.ColumnType.UNKNOWN:
        return tf.train.Feature()
    if column.type == csv_decoder.ColumnType.INT:
        return tf.train.Feature(int64_list=tf.train.Int64List(value=[int(cell)]))
    if column.type == csv_decoder.ColumnType.FLOAT:
        return tf.train.Feature(float_list=tf.train.FloatList(value=[float(cell)]))
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[cell]))


def _to_example(row: List[bytes], columns: List[csv_decoder.ColumnInfo]) -> tf.train.Example:
    if len(row) != len(columns):
        raise ValueError(f"CSV row has {len(row)} cells but the header has {len(columns)}: {row!r}")
    # A column without a name (row names, as R's write.csv leaves them) is left out: it carries no signal.
    feature = {column.name: _feature(cell, column) for cell, column in zip(row, columns, strict=True) if column.name}
    return tf.train.Example(features=tf.train.Features(feature=feature))


def _keyed(
    place_and_row: Tuple[bytes, List[bytes]], columns: List[csv_decoder.ColumnInfo], key_index: Optional[int]
) -> KeyedExample:
    position, row = place_and_row
    split_value = row[key_index] if key_index is not None and key_index < len(row) else None
    return KeyedExample(position, split_value or None, _to_example(row, columns))


@beam.ptransform_fn
@beam.typehints.with_input_types(beam.Pipeline)
def CsvToKeyedExamples(  # noqa: N802 - Beam's naming convention for PTransforms
    pipeline: beam.Pipeline, exec_properties: Dict[str, Any], split_pattern: str, split_key: Optional[str] = None
) -> beam.PCollection:
    """Every row of the CSV files under input_base as a KeyedExample; split_key names the column that splits."""
    # Here, in the launcher, not at the top: tfx.types.standard_component_specs imports TFMA (and with it sklearn
    # and nltk), about 0.8 s that each worker process would pay on importing this module, for one name.
    from tfx.types import standard_component_specs

    pattern = os.path.join(exec_properties[standard_component_specs.INPUT_BASE_KEY], split_pattern)
    files = sorted(str(path) for path in fileio.glob(pattern))
    if not files:
        raise RuntimeError(f"No CSV file matches {pattern}.")
    header = read_header(files[0])
    for path in files[1:]:
        if read_header(path) != header:
            raise RuntimeError(f"{path} has a different header from {files[0]}.")
    if split_key and split_key not in header:
        raise RuntimeError(f"The split key column '{split_key}' is not in {files[0]} (columns: {', '.join(header)}).")
    # Each file is cut into ranges of whole rows; a shuffle of those ranges (small elements, not the rows) spreads
    # the reading over every worker. The rows are read twice, once to infer each column's type and once to build
    # the examples with those types, in the same stage as the reading: parsing a range again costs less than
    # sending every parsed row through the runner to wait for the types, and its runner splits a stage's input
    # unevenly between workers when that input is rows (by the runner's 10 MB chunks) rather than grouped ranges.
    ranges = pipeline | "Files" >> beam.Create(files) | "Ranges" >> beam.ParDo(_PlanRanges())
    read = _ReadCsvRows(len(header))
    columns = beam.pvalue.AsSingleton(
        ranges
        | "SpreadToInferTypes" >> beam.Reshuffle()
        | "RowsToInferTypes" >> beam.ParDo(read)
        | "Cells" >> beam.Values()
        | "InferTypes" >> beam.CombineGlobally(csv_decoder.ColumnTypeInferrer(header, skip_blank_lines=True))
    )
    key_index = header.index(split_key) if split_key else None
    rows = ranges | "SpreadRanges" >> beam.Reshuffle() | "Rows" >> beam.ParDo(read)
    return rows | "ToExample" >> beam.Map(_keyed, columns, key_index)
