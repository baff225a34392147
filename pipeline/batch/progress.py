"""Batch progress: a tqdm bar (files, rows, rows/s) on a terminal, plain lines in logs, and the summary."""

import time
from dataclasses import dataclass
from typing import List, Optional, TextIO

PLAIN_EVERY_SECONDS = 10.0


@dataclass
class FileResult:
    """What happened to one input: predicted, done before (its output existed), unreadable, or failed."""

    name: str
    status: str
    rows: int = 0
    errors: int = 0
    output: str = ""
    reason: str = ""
    disposal: str = ""
    seconds: float = 0.0


class Progress:
    def __init__(self, total_files: int, console: TextIO, tty: bool):
        self._console = console
        self._total = total_files
        self._done = 0
        self._rows = 0
        self._started = time.monotonic()
        self._file_rows = 0
        self._file_name = ""
        self._last_line = self._started
        self._bar = None
        if tty:
            from tqdm import tqdm

            self._bar = tqdm(total=total_files, unit="file", file=console, dynamic_ncols=True, leave=True)

    @property
    def rate(self) -> float:
        return self._rows / max(time.monotonic() - self._started, 1e-9)

    def start_file(self, name: str) -> None:
        self._file_name, self._file_rows = name, 0
        if self._bar is not None:
            self._bar.set_description_str(name[-40:])

    def rows(self, count: int) -> None:
        self._rows += count
        self._file_rows += count
        now = time.monotonic()
        if self._bar is not None:
            self._bar.set_postfix_str(f"{self._rows:,} rows, {self.rate:,.0f} rows/s", refresh=True)
        elif now - self._last_line >= PLAIN_EVERY_SECONDS:
            self._last_line = now
            self._echo(f"  {self._file_name}: {self._file_rows:,} rows so far ({self.rate:,.0f} rows/s overall)")

    def end_file(self, result: FileResult) -> None:
        self._done += 1
        self._last_line = time.monotonic()
        if self._bar is not None:
            self._bar.update(1)
            if result.status in ("unreadable", "failed"):
                self._bar.write(describe(result), file=self._console)
            return
        self._echo(f"[{self._done}/{self._total}] {describe(result)}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def _echo(self, line: str) -> None:
        self._console.write(line + "\n")
        self._console.flush()


def describe(result: FileResult) -> str:
    if result.status == "predicted":
        bad = f", {result.errors} malformed rows to errors/" if result.errors else ""
        timing = f"({result.seconds:.1f} s); {result.disposal}"
        return f"{result.name}: {result.rows:,} rows predicted{bad} -> {result.output} {timing}"
    if result.status == "done before":
        return f"{result.name}: predicted before ({result.output} exists); {result.disposal}"
    return f"{result.name}: {result.status}, left in place: {result.reason}"


def summary(results: List[FileResult], seconds: float, model_line: str, errors_uri: Optional[str]) -> str:
    count = {status: sum(1 for r in results if r.status == status) for status in ("predicted", "done before")}
    rows = sum(r.rows for r in results)
    bad = sum(r.errors for r in results)
    trouble = [r for r in results if r.status in ("unreadable", "failed")]
    lines = [
        f"Batch prediction with {model_line}: {len(results)} files in {seconds:.1f} s",
        f"  predicted {count['predicted']}, predicted before {count['done before']}, "
        f"unreadable or failed {len(trouble)} (left in place)",
        f"  {rows:,} rows predicted ({rows / max(seconds, 1e-9):,.0f} rows/s)"
        + (f", {bad:,} malformed rows written to {errors_uri}" if bad else ", no malformed row"),
    ]
    lines += [f"  {describe(r)}" for r in trouble]
    return "\n".join(lines)
