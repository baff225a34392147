"""Where logged rows go: the DuckDB request-response table, and a spool folder on disk while it is unavailable."""

import datetime
import json
import os
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from pipeline.serving.request_log import COLUMNS, DUCKDB_DDL, TABLE


@dataclass(frozen=True)
class LogRow:
    """One served request, in the columns of pipeline.serving.request_log."""

    endpoint: str
    deployed_model_id: str
    logging_time: datetime.datetime  # UTC
    request_id: str
    request_payload: str
    response_payload: str
    model_version: Optional[str]
    latency_ms: Optional[float]


assert tuple(LogRow.__dataclass_fields__) == COLUMNS, "LogRow must follow pipeline.serving.request_log.COLUMNS"


class SinkUnavailableError(Exception):
    """The table cannot be written now (locked by another process, disk full, ...); the rows are not lost."""


def _frame(rows: Sequence[LogRow]):
    """A DataFrame DuckDB scans by name (its replacement scan does not take this pyarrow version's tables)."""
    import pandas as pd

    frame = pd.DataFrame({name: [getattr(row, name) for row in rows] for name in COLUMNS})
    frame["logging_time"] = pd.to_datetime(frame["logging_time"], utc=True)
    frame["latency_ms"] = frame["latency_ms"].astype("float64")
    return frame


class DuckDbSink:
    """Appends rows to the DuckDB file, opening it only for the write so that readers can open it in between."""

    def __init__(self, path: Path):
        self.path = path

    def write(self, rows: Sequence[LogRow], skip_logged: bool = False) -> None:
        """One transaction; with skip_logged, rows whose request_id is already in the table are left out."""
        import duckdb

        if not rows:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = duckdb.connect(str(self.path))
        except (duckdb.Error, OSError) as error:
            raise SinkUnavailableError(f"cannot open {self.path}: {error}") from None
        try:
            connection.execute(DUCKDB_DDL)
            batch = _frame(rows)  # noqa: F841  (DuckDB reads the local variable by name)
            query = f"INSERT INTO {TABLE} SELECT * FROM batch"
            if skip_logged:
                oldest = min(row.logging_time for row in rows)
                query += (
                    f" WHERE NOT EXISTS (SELECT 1 FROM {TABLE} t WHERE t.request_id = batch.request_id"
                    " AND t.logging_time >= ?)"
                )
                connection.execute(query, [oldest])
            else:
                connection.execute(query)
        except duckdb.Error as error:
            raise SinkUnavailableError(f"cannot write to {self.path}: {error}") from None
        finally:
            connection.close()


class Spool:
    """Rows that could not be written yet, one JSON-lines file per failed batch, each written atomically."""

    def __init__(self, folder: Path):
        self.folder = folder

    def put(self, rows: Sequence[LogRow]) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.datetime.now(datetime.timezone.utc):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.jsonl"
        final = self.folder / name
        temp = self.folder / f".{name}.tmp"
        with temp.open("w") as handle:
            for row in rows:
                record = asdict(row)
                record["logging_time"] = row.logging_time.isoformat()
                handle.write(json.dumps(record) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, final)
        return final

    def batches(self) -> List[Tuple[Path, List[LogRow]]]:
        """Every spooled batch, oldest first."""
        if not self.folder.is_dir():
            return []
        return [(path, self._read(path)) for path in sorted(self.folder.glob("*.jsonl"))]

    def count(self) -> int:
        return sum(len(rows) for _, rows in self.batches())

    @staticmethod
    def _read(path: Path) -> List[LogRow]:
        rows = []
        for line in path.read_text().splitlines():
            record = json.loads(line)
            record["logging_time"] = datetime.datetime.fromisoformat(record["logging_time"])
            rows.append(LogRow(**record))
        return rows
