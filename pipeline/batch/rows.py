"""What a reader hands on: a chunk of good rows (model inputs and the rows as read) and the malformed ones."""

import os
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Dict, Iterator, List, Optional, Tuple

import numpy as np

from pipeline.config.dataset import DATE_FORMAT, is_date

# Names of the model's inputs -> "float", "string" or "date" (a string that must be a date).
FeatureKinds = Dict[str, str]
MAX_ROW_TEXT = 2000
# The first read is chunk_bytes / FIRST_READ_PARTS, and each next one twice the last, up to chunk_bytes: the model
# and the writer get their first rows after a small read instead of a whole chunk's (the pipeline fills sooner).
# Near the end of a file the reads shrink the same way, so the model and the writer end on a small chunk too.
FIRST_READ_PARTS = 16
# Cells that mean "missing", as the pipeline's CsvExampleGen reads them (components/csv_example_gen.py).
MISSING = ("", "NA")


class UnreadableError(Exception):
    """The file as a whole cannot be read (no header, missing columns, nothing but malformed rows)."""


@dataclass(frozen=True)
class RowError:
    """A malformed row: its 1-based line number in the file, why, and its text."""

    line: int
    reason: str
    text: str

    def to_json(self) -> Dict[str, Any]:
        return {"line": self.line, "reason": self.reason, "row": self.text}


@dataclass
class Chunk:
    """Good rows of one chunk of a file: `features` feed the model; `rows` are written back with the predictions."""

    features: Dict[str, np.ndarray]
    rows: Any  # CSV: a pyarrow Table of the input columns as strings; JSONL: a list of dicts
    count: int
    errors: List[RowError] = field(default_factory=list)


def row_text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").rstrip("\r")[:MAX_ROW_TEXT]


def newlines(data: bytes) -> int:
    """How many b"\\n" `data` holds: numpy's compare-and-count scans 4 MiB in about a third of bytes.count's time."""
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n")))


def _bytes_left(stream: BinaryIO) -> Optional[int]:
    """What is left to read of a file; None for a stream of unknown length."""
    try:
        return os.fstat(stream.fileno()).st_size - stream.tell()
    except (OSError, ValueError, AttributeError):
        return None


def line_chunks(stream: BinaryIO, chunk_bytes: int, first_line: int) -> Iterator[Tuple[int, bytes]]:
    """(number of the chunk's first line, whole lines of up to about chunk_bytes) until the stream ends.

    Each chunk is copied once (the tail of the last block joined to the whole lines of this one). The reads
    start small and double up to chunk_bytes, and in a file they halve what is left near its end
    (FIRST_READ_PARTS).
    """
    carry = b""
    line = first_line
    smallest = max(chunk_bytes // FIRST_READ_PARTS, 1)
    size, left = smallest, _bytes_left(stream)
    while True:
        block = stream.read(size if left is None else min(size, max(left // 2, smallest)))
        size = min(size * 2, chunk_bytes)
        if left is not None:
            left -= len(block)
        if not block:
            if carry:
                yield line, carry
            return
        cut = block.rfind(b"\n")
        if cut < 0:
            carry += block
            continue
        data = b"".join((carry, memoryview(block)[: cut + 1]))
        carry = block[cut + 1 :]
        yield line, data
        line += newlines(data)


def to_float(value: Any) -> float:
    """A JSON number or a numeric string as a float; None or "" is missing (NaN). ValueError otherwise."""
    if value is None or value in MISSING:
        return float("nan")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{value!r} is not a number")
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None


def to_date(value: Any, name: str) -> str:
    """A date input: missing as "", else the text as written if it is a date; ValueError naming the field."""
    if value is None or value in MISSING:
        return ""
    if not isinstance(value, str) or not is_date(value):
        raise ValueError(f"{name}: {value!r} is not a date; a date is written {DATE_FORMAT}")
    return value
