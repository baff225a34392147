"""Shared by the bench_*.py scripts: flags, timed subprocesses with peak memory, statistics, the result file."""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import psutil

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
VTX = str(Path(sys.executable).parent / "vtx")
RESULT_KEYS = ("name", "title", "what", "columns", "rows", "notes", "targets")
TARGET_KEYS = ("what", "target", "measured", "met")


def parser(description: str) -> argparse.ArgumentParser:
    """--out DIR (where <name>.json goes) and --quick (a smoke run, never the recorded result)."""
    found = argparse.ArgumentParser(description=description)
    found.add_argument("--out", default=str(PROJECT_ROOT / "benchmarks" / "results"), help="results folder")
    found.add_argument("--quick", action="store_true", help="much smaller sizes and one repetition: a smoke run")
    return found


def parse_args(description: str) -> argparse.Namespace:
    return parser(description).parse_args()


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return value


def load_1m() -> float:
    """The 1-minute load average: on a shared machine, every timing is read next to it."""
    return round(os.getloadavg()[0], 2)


@dataclass
class Measured:
    """One timed subprocess: exit code, output, wall and CPU seconds, peak memory of its process tree, load at start.

    CPU seconds (user + system of the process and every child it waited for) hardly change with the load of
    a shared machine, where wall seconds do: they tell what a run costs when the cores are free.
    """

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    cpu_seconds: float
    peak_rss: int
    load: float

    @property
    def peak_mib(self) -> float:
        return self.peak_rss / 2**20


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def run_measured(
    command: Sequence[str], env: Optional[Dict[str, str]] = None, cwd: Optional[Path] = None, timeout: float = 1800
) -> Measured:
    """Runs `command`, sampling the summed RSS of it and its children every 0.1 s (Beam workers included)."""
    # A developer's plain environment: no VTX_* or NEPTUNE_* settings (runs go to the default MLflow store).
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("VTX_", "NEPTUNE_"))}
    environ.update(env or {})
    load = load_1m()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    child = subprocess.Popen(
        list(command), cwd=cwd or PROJECT_ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        process = psutil.Process(child.pid)
        while not done.is_set():
            try:
                peak[0] = max(peak[0], _tree_rss(process))
            except psutil.NoSuchProcess:
                return
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    finally:
        done.set()
        sampler.join()
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measured(child.returncode, stdout, stderr, seconds, cpu, peak[0], load)


def check(measured: Measured, what: str) -> Measured:
    """Stops the benchmark with the command's own output when it failed: a failed run is no timing."""
    if measured.returncode != 0:
        sys.stderr.write(measured.stdout[-3000:] + measured.stderr[-3000:])
        raise SystemExit(f"{what} failed with exit code {measured.returncode}")
    return measured


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float], digits: int = 1) -> str:
    """'median (min–max)' of a list of numbers."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def target(what: str, target_text: str, measured: str, met: bool) -> Dict[str, Any]:
    return {"what": what, "target": target_text, "measured": measured, "met": bool(met)}


def _validate(result: Dict[str, Any]) -> None:
    missing = [key for key in RESULT_KEYS if key not in result]
    if missing:
        raise ValueError(f"result lacks {missing}")
    width = len(result["columns"])
    for row in result["rows"]:
        if len(row) != width:
            raise ValueError(f"row {row!r} has {len(row)} cells for {width} columns")
    for entry in result["targets"]:
        if set(entry) != set(TARGET_KEYS):
            raise ValueError(f"target {entry!r} must have exactly the keys {TARGET_KEYS}")


def print_table(columns: List[str], rows: List[List[Any]]) -> None:
    cells = [[str(c) for c in columns]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    for number, row in enumerate(cells):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))


def write_result(out: str, result: Dict[str, Any], quick: bool) -> Path:
    """Validates the result against the shared contract, prints it, writes <out>/<name>.json."""
    result = {**result, "quick": quick}
    _validate(result)
    print(f"\n{result['title']}{' (quick smoke run)' if quick else ''}\n{result['what']}\n")
    print_table(result["columns"], result["rows"])
    for entry in result["targets"]:
        print(
            f"  target: {entry['what']}: {entry['target']}; measured {entry['measured']}: "
            f"{'met' if entry['met'] else 'NOT met'}"
        )
    for note in result["notes"]:
        print(f"  note: {note}")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{result['name']}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(path)
    print(f"\nwrote {path}")
    return path
