"""`make bench`: runs every benchmarks/bench_*.py, then report.py; one failing script does not stop the others.

Usage: python benchmarks/run.py [--quick] [--only NAME ...]
The full run writes benchmarks/results/ and BENCHMARKS.md + BENCHMARKS.json at the repository root;
--quick writes benchmarks/results-quick/ and its BENCHMARKS.md there, never the recorded result.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import machine
import report

HERE = Path(__file__).resolve().parent


def scripts(only: list) -> list:
    found = sorted(HERE.glob("bench_*.py"))
    if only:
        names = {f"bench_{name.removeprefix('bench_').removesuffix('.py')}.py" for name in only}
        unknown = names - {path.name for path in found}
        if unknown:
            raise SystemExit(f"Error: no benchmark {', '.join(sorted(unknown))} in {HERE}")
        found = [path for path in found if path.name in names]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="every script with --quick, into results-quick/")
    parser.add_argument("--only", nargs="+", default=[], metavar="NAME", help="only these, e.g. --only scale")
    options = parser.parse_args()
    selected = scripts(options.only)
    results = HERE / ("results-quick" if options.quick else "results")
    results.mkdir(parents=True, exist_ok=True)
    if not options.only:
        # A full run reports only what it measured: no result of an earlier run survives it.
        for old in results.glob("*.json"):
            old.unlink()
    run = {"machine": machine.snapshot(report.ROOT), "quick": options.quick, "failed": []}
    for script in selected:
        print(f"=== {script.name}", flush=True)
        started = time.monotonic()
        command = [sys.executable, str(script), "--out", str(results)] + (["--quick"] if options.quick else [])
        done = subprocess.run(command, cwd=report.ROOT, stderr=subprocess.PIPE, text=True)
        sys.stderr.write(done.stderr[-5000:] if done.returncode else "")
        print(f"=== {script.name}: exit {done.returncode} after {time.monotonic() - started:.0f} s", flush=True)
        if done.returncode:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            run["failed"].append({"script": script.name, "returncode": done.returncode, "error": last})
    (results / report.RUN_FILE).write_text(json.dumps(run, indent=2) + "\n")
    target = results if options.quick else report.ROOT
    try:
        paths = report.write(results, target / "BENCHMARKS.md", target / "BENCHMARKS.json")
    except report.ReportError as error:
        print(f"Error: {error}", file=sys.stderr)
        sys.exit(1)
    print("wrote " + " and ".join(str(p) for p in paths))
    sys.exit(1 if run["failed"] else 0)


if __name__ == "__main__":
    main()
