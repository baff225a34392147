"""CsvExampleGen executor that reads 'NA' and empty cells as missing values, as R and pandas write them."""

import csv
import io
import os
from typing import Any, Dict, Iterable, List, cast

import apache_beam as beam
import tensorflow as tf
from tfx.components.example_gen.base_example_gen_executor import BaseExampleGenExecutor
from tfx.dsl.io import fileio
from tfx.types import standard_component_specs
from tfx_bsl.coders import csv_decoder

MISSING_TOKENS = frozenset({b"", b"NA"})


def read_header(path: str) -> List[str]:
    """The column names of a CSV file's first line."""
    with fileio.open(path, "r") as handle:
        return next(csv.reader([handle.readline().lstrip("\ufeff")]))


class _ReadCsvRows(beam.DoFn):
    """Yields each data row of a CSV file as a list of byte cells, missing tokens emptied.

    `vtx run` checks every file before the pipeline starts (pipeline/local/preflight.py); these errors are the
    backstop for data it did not see (a remote data_root, a file changed since), naming the file and line.
    """

    def __init__(self, width: int):
        self.width = width

    def process(self, path: str) -> Iterable[List[bytes]]:
        with beam.io.filesystems.FileSystems.open(path) as raw:
            # newline="": only \n, \r\n and \r end a line, as the csv module expects (not U+2028 and the like).
            reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
            try:
                next(reader, None)
                for row in reader:
                    if not row:
                        continue
                    if len(row) != self.width:
                        what = f"{len(row)} cells, but the header has {self.width}"
                        raise ValueError(f"{path}: line {reader.line_num}: {what}")
                    yield [b"" if cell.encode() in MISSING_TOKENS else cell.encode() for cell in row]
            except UnicodeDecodeError as error:
                # Decoding runs ahead of the rows, so the line is only a lower bound.
                raise ValueError(
                    f"{path}: at or after line {reader.line_num + 1}: not UTF-8 ({error.reason})"
                ) from None
            except csv.Error as error:
                raise ValueError(f"{path}: line {reader.line_num}: {error}") from None


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
    feature = {column.name: _feature(cell, column) for cell, column in zip(row, columns, strict=True)}
    return tf.train.Example(features=tf.train.Features(feature=feature))


@beam.ptransform_fn
@beam.typehints.with_input_types(beam.Pipeline)
@beam.typehints.with_output_types(tf.train.Example)
def CsvToExample(  # noqa: N802 - Beam's naming convention for PTransforms
    pipeline: beam.Pipeline, exec_properties: Dict[str, Any], split_pattern: str
) -> beam.PCollection:
    pattern = os.path.join(exec_properties[standard_component_specs.INPUT_BASE_KEY], split_pattern)
    files = sorted(str(path) for path in fileio.glob(pattern))
    if not files:
        raise RuntimeError(f"No CSV file matches {pattern}.")
    header = read_header(files[0])
    for path in files[1:]:
        if read_header(path) != header:
            raise RuntimeError(f"{path} has a different header from {files[0]}.")
    # A file is one element, read by one worker; the shuffle lets every worker build tf.Examples.
    rows = pipeline | "Files" >> beam.Create(files) | "Rows" >> beam.ParDo(_ReadCsvRows(len(header))) | beam.Reshuffle()
    columns = beam.pvalue.AsSingleton(
        rows | "InferTypes" >> beam.CombineGlobally(csv_decoder.ColumnTypeInferrer(header, skip_blank_lines=True))
    )
    return rows | "ToExample" >> beam.Map(_to_example, columns)


class Executor(BaseExampleGenExecutor):
    """ExampleGen executor for CSV files with a header line and NA-style missing values."""

    def GetInputSourceToExamplePTransform(self) -> beam.PTransform:  # noqa: N802 - TFX's method name
        # TFX calls this with (exec_properties, split_pattern); a ptransform_fn fits that contract.
        return cast(beam.PTransform, CsvToExample)
