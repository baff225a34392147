"""Predicts every input file once: output and errors published atomically, then the input moved or deleted.

The output's name carries the input's CRC32C, so the same content always maps to the same output: after a
kill at any point, a re-run finds the outputs already published, skips their prediction and only finishes
moving or deleting those inputs, while a new file dropped under an old name gets its own output.
"""

import contextlib
import gc
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Literal, Optional, Tuple

from google.api_core import exceptions as google_exceptions

from pipeline.batch import csv_rows, jsonl_rows, overlap, writers
from pipeline.batch.locations import Item, Location, LocationError, pid_alive
from pipeline.batch.predictor import Predictor
from pipeline.batch.progress import FileResult, Progress
from pipeline.batch.rows import RowError, UnreadableError
from pipeline.batch.storage import open_location

PROCESSED = "processed"
ERRORS = "errors"
_WORKDIR = re.compile(r"^vtx-batch-(?P<pid>\d+)-")


@dataclass(frozen=True)
class Job:
    input_uri: str
    output_uri: str
    after_success: Literal["move", "delete"]
    chunk_bytes: int


def names_for(name: str, crc: str) -> Tuple[str, str, str]:
    """(output, errors, processed) names of an input, e.g. a/b.csv -> a/b.<crc>.csv, errors/a/b.<crc>.errors.jsonl."""
    folder, _, base = name.rpartition("/")
    stem, _, suffix = base.rpartition(".")
    prefix = folder + "/" if folder else ""
    return (
        f"{prefix}{stem}.{crc}.{suffix}",
        f"{ERRORS}/{prefix}{stem}.{crc}.errors.jsonl",
        f"{PROCESSED}/{prefix}{stem}.{crc}.{suffix}",
    )


def check_apart(input_uri: str, output_uri: str) -> None:
    """The output must not lie inside the input (it would be read back as input), nor the input inside it."""

    def norm(uri: str) -> str:
        return (uri if uri.startswith("gs://") else str(Path(uri).expanduser().resolve())).rstrip("/") + "/"

    a, b = norm(input_uri), norm(output_uri)
    if a.startswith(b) or b.startswith(a):
        raise LocationError(f"--input {input_uri} and --to {output_uri} overlap; use two separate places")


@contextlib.contextmanager
def workdir():
    """A private temp folder (downloads, staged uploads); folders of killed runs are removed first."""
    root = Path(tempfile.gettempdir())
    for stale in root.glob("vtx-batch-*"):
        found = _WORKDIR.match(stale.name)
        if found and not pid_alive(int(found["pid"])):
            shutil.rmtree(stale, ignore_errors=True)
    path = Path(tempfile.mkdtemp(prefix=f"vtx-batch-{os.getpid()}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class BatchRun:
    """One batch over the inputs under job.input_uri, with one loaded model; `progress_factory(files)` reports."""

    def __init__(self, job: Job, predictor: Predictor, progress_factory):
        self.job = job
        self.predictor = predictor
        self.source: Location = open_location(job.input_uri)
        self.dest: Location = open_location(job.output_uri)
        self._progress_factory = progress_factory

    def inputs(self) -> List[str]:
        return self.source.inputs(skip=PROCESSED)

    def run(self, names: List[str], work: Path) -> List[FileResult]:
        # TensorFlow and the model are millions of long-lived objects. Frozen, the collector skips them, and so
        # does gc.get_referrers, which pyarrow calls on every CSV read on Python 3.10 (its SignalStopHandler's
        # fix of bpo-42248): about 0.2 s a chunk otherwise.
        gc.freeze()
        self.dest.clean_stale()
        progress: Progress = self._progress_factory(len(names))
        results = []
        try:
            for name in names:
                progress.start_file(name)
                started = time.monotonic()
                result = self._one(name, work, progress)
                result.seconds = time.monotonic() - started
                progress.end_file(result)
                results.append(result)
        finally:
            progress.close()
        return results

    def _one(self, name: str, work: Path, progress: Progress) -> FileResult:
        try:
            item = self.source.describe(name)
        except FileNotFoundError:
            return FileResult(name, "failed", reason="it disappeared before it was read (another run took it?)")
        out_name, err_name, processed_name = names_for(name, item.crc32c)
        output = f"{self.dest.uri}/{out_name}"
        try:
            if self.dest.exists(out_name):
                return FileResult(name, "done before", output=output, disposal=self._dispose(item, processed_name))
            rows, errors = self._predict(item, out_name, err_name, work, progress)
            disposal = self._dispose(item, processed_name)
        except UnreadableError as error:
            return FileResult(name, "unreadable", reason=str(error))
        except (OSError, google_exceptions.GoogleAPIError) as error:
            return FileResult(name, "failed", reason=f"{type(error).__name__}: {error}")
        return FileResult(name, "predicted", rows=rows, errors=errors, output=output, disposal=disposal)

    def _predict(self, item: Item, out_name: str, err_name: str, work: Path, progress: Progress) -> Tuple[int, int]:
        staged = self.dest.staging(out_name, work)
        staged_errors = self.dest.staging(err_name, work)
        try:
            rows, errors, first = self._write(item, staged, staged_errors, work, progress)
            if rows == 0 and first is not None:
                raise UnreadableError(f"none of its {errors} rows is readable; line {first.line}: {first.reason}")
            if errors:
                self.dest.publish(staged_errors, err_name)
            self.dest.publish(staged, out_name)
            return rows, errors
        finally:
            for path in (staged, staged_errors):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)

    def _write(
        self, item: Item, staged: Path, staged_errors: Path, work: Path, progress: Progress
    ) -> Tuple[int, int, Optional[RowError]]:
        predictor = self.predictor
        reserved = writers.reserved(predictor.class_names)
        version = predictor.model.version
        with self.source.local_copy(item, work) as path, open(path, "rb") as stream:
            output: writers.Output
            if item.name.lower().endswith(".csv"):
                names = csv_rows.read_header(stream, predictor.kinds, reserved)
                output = writers.CsvOutput(staged, names, predictor.class_names, version)
                chunks = csv_rows.chunks(stream, predictor.kinds, names, self.job.chunk_bytes)
            else:
                output = writers.JsonlOutput(staged, predictor.class_names, version)
                chunks = jsonl_rows.chunks(stream, predictor.kinds, reserved, self.job.chunk_bytes)
            errors = writers.ErrorOutput(staged_errors)
            try:
                rows, first = overlap.predict_all(chunks, predictor, output, errors, progress)
            finally:
                output.close()
                errors.close()
        return rows, errors.count, first

    def _dispose(self, item: Item, processed_name: str) -> str:
        if self.job.after_success == "delete":
            done, what = self.source.remove(item), "input deleted"
        else:
            done, what = self.source.move(item, processed_name), f"input moved to {PROCESSED}/"
        return what if done else "input left in place: it changed (or went) while it was predicted"
