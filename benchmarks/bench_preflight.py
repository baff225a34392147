"""What `vtx run`'s whole-file CSV check costs: seconds per 100 MB of penguin-like CSV, plain, quoted and CRLF."""

import csv
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

import harness
import scale_data

from pipeline.config.loader import load_config
from pipeline.local.preflight import check_data

# The bundled rows are about 45 bytes each.
BYTES_PER_ROW = 45
TARGET_SECONDS_PER_100_MB = 1.0
# Runs the check alone in a fresh interpreter, for its peak memory.
CHECK_ALONE = (
    "import sys; from pipeline.config.loader import load_config; from pipeline.local.preflight import check_data; "
    "check_data(load_config(overrides=[f'data_root={sys.argv[1]}'], environ={}))"
)


def _variants(generated: Path, work: Path) -> Dict[str, Path]:
    """The generated rows with \\n line ends and no quotes, with every cell quoted (as R's write.csv quotes
    text), and with Windows line ends."""
    folders = {name: work / name for name in ("plain", "quoted", "crlf")}
    for folder in folders.values():
        folder.mkdir()
    with generated.open(newline="") as source, (folders["plain"] / "penguins.csv").open("w", newline="") as target:
        csv.writer(target, lineterminator="\n").writerows(csv.reader(source))
    with generated.open(newline="") as source, (folders["quoted"] / "penguins.csv").open("w", newline="") as target:
        csv.writer(target, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(csv.reader(source))
    with generated.open(newline="") as source, (folders["crlf"] / "penguins.csv").open("w", newline="") as target:
        csv.writer(target, lineterminator="\r\n").writerows(csv.reader(source))
    generated.unlink()
    return {
        "no quotes, \\n line ends": folders["plain"],
        "every cell quoted": folders["quoted"],
        "CRLF": folders["crlf"],
    }


def _time(folder: Path, repetitions: int) -> List[float]:
    config = load_config(overrides=[f"data_root={folder}"], environ={})
    seconds = []
    for _ in range(repetitions):
        started = time.perf_counter()
        check_data(config)
        seconds.append(time.perf_counter() - started)
    return seconds


def _read_alone(path: Path) -> float:
    """Reading the bytes in the same 1 MiB blocks and doing nothing with them: the floor."""
    started = time.perf_counter()
    with path.open("rb") as handle:
        while handle.read(1 << 20):
            pass
    return time.perf_counter() - started


def _row(name: str, folder: Path, repetitions: int) -> Dict[str, Any]:
    path = folder / "penguins.csv"
    megabytes = path.stat().st_size / 1e6
    load = harness.load_1m()
    seconds = _time(folder, repetitions)
    alone = harness.run_measured([harness.PYTHON, "-c", CHECK_ALONE, str(folder)])
    harness.check(alone, f"the check alone on {path}")
    per_100 = min(seconds) / megabytes * 100
    return {
        "name": name,
        "per_100": per_100,
        "row": [
            name,
            f"{megabytes:.0f}",
            harness.spread(seconds, 2),
            f"{per_100:.2f}",
            f"{megabytes / min(seconds):.0f}",
            f"{_read_alone(path) / megabytes * 100:.2f}",
            f"{alone.peak_mib:.0f}",
            f"{load:.2f}",
        ],
    }


def main() -> None:
    options = harness.parse_args(__doc__ or "")
    megabytes, repetitions = (10, 1) if options.quick else (100, 3)
    rows = megabytes * 1_000_000 // BYTES_PER_ROW
    results = []
    with tempfile.TemporaryDirectory(prefix="vtx-bench-preflight-") as tmp:
        generated = scale_data.generate(Path(tmp) / "generated", rows)
        for name, folder in _variants(generated, Path(tmp)).items():
            results.append(_row(name, folder, repetitions))
            print(f"{name}: {results[-1]['per_100']:.2f} s per 100 MB", flush=True)
    harness.write_result(
        options.out,
        {
            "name": "preflight",
            "title": "Preflight: the whole-file CSV check before a run starts",
            "what": (
                f"pipeline/local/preflight.py check_data (what `vtx run` does before anything else) on one "
                f"penguin-like CSV of about {megabytes} MB ({rows:,} rows, scale_data.py) in a temp folder, "
                f"best of {repetitions}, in three forms: as written, every cell quoted, CRLF line ends. The file "
                "was just written, so it is read from the page cache."
            ),
            "columns": [
                "file",
                "MB",
                "seconds",
                "s per 100 MB (best)",
                "MB/s (best)",
                "reading alone, s per 100 MB",
                "peak RSS MiB (check alone)",
                "load 1m",
            ],
            "rows": [result["row"] for result in results],
            "notes": [
                "A 1 MiB block without quotes is accepted when its commas and line ends repeat one pattern (one "
                "bytes.translate); other blocks by Arrow's CSV reader; only the first block, and a block either "
                "cannot vouch for, goes through Python's csv module, the reader the pipeline itself uses.",
                "Peak RSS is that of a fresh interpreter that imports the settings and runs the check alone: the "
                "file streams through in 1 MiB blocks, so it does not grow with the file.",
                "On a cold cache, add the disk's read time for the file.",
            ],
            "targets": [
                harness.target(
                    f"whole-file check, {result['name']}",
                    f"<= {TARGET_SECONDS_PER_100_MB:.0f} s per 100 MB",
                    f"{result['per_100']:.2f} s per 100 MB",
                    result["per_100"] <= TARGET_SECONDS_PER_100_MB,
                )
                for result in results
            ],
        },
        options.quick,
    )


if __name__ == "__main__":
    sys.exit(main())
