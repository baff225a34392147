"""Reads a JSON Lines file in chunks: one JSON object per line; a line that is not one becomes a RowError."""

import json
from typing import BinaryIO, Dict, Iterator, List

import numpy as np

from pipeline.batch.rows import (
    MISSING,
    Chunk,
    FeatureKinds,
    RowError,
    UnreadableError,
    line_chunks,
    row_text,
    to_date,
    to_float,
)


def chunks(stream: BinaryIO, kinds: FeatureKinds, reserved: List[str], chunk_bytes: int) -> Iterator[Chunk]:
    for first_line, data in line_chunks(stream, chunk_bytes, first_line=1):
        yield _parse(data, first_line, kinds, reserved)


def _parse(data: bytes, first_line: int, kinds: FeatureKinds, reserved: List[str]) -> Chunk:
    records: List[dict] = []
    values: Dict[str, list] = {name: [] for name in kinds}
    errors: List[RowError] = []
    for offset, raw in enumerate(data.split(b"\n")):
        if not raw.strip():
            continue
        line = first_line + offset
        try:
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise ValueError(f"a JSON {type(record).__name__}, not an object")
            taken = [name for name in reserved if name in record]
            if taken:
                raise UnreadableError(
                    f"line {line} already has the output field {taken[0]} (is it an output of batch-predict?)"
                )
            row = {name: _value(record.get(name), kind, name) for name, kind in kinds.items()}
        except UnicodeDecodeError:
            errors.append(RowError(line, "not UTF-8 text", row_text(raw)))
            continue
        except ValueError as error:
            reason = str(error) if not isinstance(error, json.JSONDecodeError) else f"not JSON ({error.msg})"
            errors.append(RowError(line, reason, row_text(raw)))
            continue
        records.append(record)
        for name, value in row.items():
            values[name].append(value)
    features = {
        name: np.asarray(values[name], dtype=np.float32 if kind == "float" else object) for name, kind in kinds.items()
    }
    return Chunk(features=features, rows=records, count=len(records), errors=errors)


def _value(value, kind: str, name: str):
    if kind == "float":
        try:
            return to_float(value)
        except ValueError as error:
            raise ValueError(f"{name}: {error}") from None
    if kind == "date":
        return to_date(value, name)
    if value is None or value in MISSING:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{name}: {json.dumps(value)} is not a string")
    return value
