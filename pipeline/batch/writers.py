"""Writes a file's predictions (the rows as read plus the model's answer) and its malformed rows, as it goes."""

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional, Protocol, TextIO

import numpy as np
import pyarrow as pa
from pyarrow import csv as pa_csv

from pipeline.batch.predictor import Predictions
from pipeline.batch.rows import Chunk, RowError
from pipeline.batch.writeback import Writeback
from pipeline.contract import PROBABILITIES

CLASS = "predicted_class"
PROBABILITY_PREFIX = "probability_"
VERSION = "model_version"
PREDICTED_AT = "predicted_at"
# Rows Arrow's CSV writer formats at a time: with its default of 1,024 the writer took about 5% more CPU on the
# benchmark's rows (findings.md, "Batch prediction, round three"); the text is the same.
WRITE_BATCH_ROWS = 8192


def reserved(class_names: List[str]) -> List[str]:
    """Names the outputs add; an input that has one already is refused, not silently overwritten."""
    return [CLASS, PROBABILITIES, VERSION, PREDICTED_AT] + [PROBABILITY_PREFIX + name for name in class_names]


class Output(Protocol):
    def write(self, chunk: Chunk, predictions: Predictions) -> None: ...
    def close(self) -> None: ...


def constant(value: str, count: int) -> pa.Array:
    """`count` copies of `value` as a string column, built from two buffers instead of `count` Python objects."""
    data = value.encode()
    offsets = np.arange(count + 1, dtype=np.int64) * len(data)
    return pa.LargeStringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(data * count))


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class CsvOutput:
    """The input columns, then predicted_class, probability_<class> for each class, model_version, predicted_at."""

    def __init__(self, path: Path, columns: List[str], class_names: List[str], version: str):
        self._class_names = class_names
        self._version = version
        fields = [pa.field(name, pa.string()) for name in columns]
        fields += [pa.field(CLASS, pa.string())]
        fields += [pa.field(PROBABILITY_PREFIX + name, pa.float32()) for name in class_names]
        fields += [pa.field(VERSION, pa.large_string()), pa.field(PREDICTED_AT, pa.large_string())]
        self._schema = pa.schema(fields)
        self._names = pa.array(class_names, pa.string())
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pa_csv.CSVWriter(
            str(path), self._schema, write_options=pa_csv.WriteOptions(batch_size=WRITE_BATCH_ROWS)
        )
        self._writeback = Writeback(path)

    def write(self, chunk: Chunk, predictions: Predictions) -> None:
        table = chunk.rows
        n = chunk.count
        columns = list(table.columns) + [self._names.take(pa.array(predictions.indices))]
        columns += [pa.array(predictions.probabilities[:, i]) for i in range(len(self._class_names))]
        columns += [constant(self._version, n), constant(now(), n)]
        self._writer.write_table(pa.Table.from_arrays(columns, schema=self._schema))
        self._writeback.advance()

    def close(self) -> None:
        self._writer.close()
        self._writeback.close()


class JsonlOutput:
    """Each input object plus predicted_class, probabilities ({class: p}), model_version and predicted_at."""

    def __init__(self, path: Path, class_names: List[str], version: str):
        self._class_names = class_names
        self._version = version
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by close()
        self._writeback = Writeback(path)

    def write(self, chunk: Chunk, predictions: Predictions) -> None:
        stamp = now()
        lines = []
        for record, index, probabilities in zip(
            chunk.rows, predictions.indices.tolist(), predictions.probabilities, strict=True
        ):
            record = dict(record)
            record[CLASS] = self._class_names[index]
            record[PROBABILITIES] = {
                c: round(float(p), 6) for c, p in zip(self._class_names, probabilities, strict=True)
            }
            record[VERSION] = self._version
            record[PREDICTED_AT] = stamp
            lines.append(json.dumps(record, ensure_ascii=False))
        if lines:
            self._file.write("\n".join(lines) + "\n")
            self._file.flush()
            self._writeback.advance()

    def close(self) -> None:
        self._file.close()
        self._writeback.close()


class ErrorOutput:
    """One JSON line per malformed row: {"line": ..., "reason": ..., "row": ...}; no file without one."""

    def __init__(self, path: Path):
        self.path = path
        self.count = 0
        self._file: Optional[TextIO] = None

    def write(self, errors: List[RowError]) -> None:
        if errors and self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - closed by close()
        for error in errors:
            assert self._file is not None
            self._file.write(json.dumps(error.to_json(), ensure_ascii=False) + "\n")
        self.count += len(errors)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
