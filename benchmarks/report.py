"""Assembles BENCHMARKS.md and BENCHMARKS.json from every benchmarks/results/*.json, with machine and versions.

Usage: python benchmarks/report.py [--results DIR] [--markdown FILE] [--json FILE]
Files in the results folder whose name starts with '_' are the runner's (machine at start, failed scripts).
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import machine

ROOT = Path(__file__).resolve().parent.parent
RESULT_KEYS = ("name", "title", "what", "columns", "rows", "notes", "targets")
RUN_FILE = "_run.json"
FINDINGS = Path(__file__).resolve().parent / "findings.md"


class ReportError(ValueError):
    """A results folder or result file that cannot be reported; the message names it."""


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(columns: List[str], rows: List[List[Any]]) -> List[str]:
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]


def load_results(folder: Path) -> List[Dict[str, Any]]:
    """Every result file in `folder`, sorted by name; a malformed one is an error that names it."""
    if not folder.is_dir():
        raise ReportError(f"no results folder {folder}; run `make bench` first")
    results = []
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("_"):
            continue
        try:
            result = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise ReportError(f"{path} is not a readable JSON result: {error}") from None
        missing = [key for key in RESULT_KEYS if not isinstance(result, dict) or key not in result]
        if missing:
            raise ReportError(f"{path} lacks the keys {', '.join(missing)} of the benchmark contract")
        results.append(result)
    if not results:
        raise ReportError(f"no result files in {folder}; run `make bench` first")
    return sorted(results, key=lambda r: r["name"])


def _run_info(folder: Path) -> Dict[str, Any]:
    path = folder / RUN_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def _machine_lines(start: Dict[str, Any], end: Dict[str, Any]) -> List[str]:
    def load(snap: Dict[str, Any]) -> str:
        return ", ".join(f"{value:.2f}" for value in snap["load_average"]) + f" ({snap['taken']})"

    rows = [
        ["CPU model", start["cpu_model"]],
        ["cores (logical / physical)", f"{start['logical_cores']} / {start['physical_cores']}"],
        ["memory", f"{start['memory_gib']} GiB"],
        ["OS", start["os"]],
        ["load average 1, 5, 15 min at start", load(start)],
        ["load average 1, 5, 15 min at the end", load(end)],
        ["commit", start["git_commit"]],
    ]
    return table(["machine", ""], rows)


def _targets_lines(results: List[Dict[str, Any]]) -> List[str]:
    rows = [
        [result["name"], entry["what"], entry["target"], entry["measured"], "yes" if entry["met"] else "**no**"]
        for result in results
        for entry in result["targets"]
    ]
    return table(["benchmark", "what", "target", "measured", "met"], rows) if rows else ["No targets."]


def _result_lines(result: Dict[str, Any]) -> List[str]:
    quick = " (quick smoke run, not a recorded result)" if result.get("quick") else ""
    lines = [f"## {result['title']}{quick}", "", f"`benchmarks/bench_{result['name']}.py`: {result['what']}", ""]
    lines += table(result["columns"], result["rows"]) + [""]
    if result["targets"]:
        lines += ["Targets:", ""]
        lines += [
            f"- {entry['what']}: {entry['target']}; measured {entry['measured']}: "
            + ("met" if entry["met"] else "**not met**")
            for entry in result["targets"]
        ] + [""]
    if result["notes"]:
        lines += ["Notes:", ""] + [f"- {note}" for note in result["notes"]] + [""]
    return lines


def markdown(results: List[Dict[str, Any]], run: Dict[str, Any], end: Dict[str, Any], versions: Dict[str, str]) -> str:
    start = run.get("machine") or end
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`benchmarks/report.py`); do not edit by hand. Each result row says exactly "
        "what ran. Times are median (min–max) over the repetitions stated. The machine is shared, so the "
        "1-minute load average is recorded next to every timing; compare runs by their minimum, which "
        "load inflates least.",
        "",
        *_machine_lines(start, end),
        "",
        *table(["package", "version"], [[name, version] for name, version in versions.items()]),
        "",
        "## Targets",
        "",
        *_targets_lines(results),
        "",
    ]
    failed = run.get("failed") or []
    if failed:
        lines += ["## Failed benchmarks", ""]
        lines += [f"- `{item['script']}` exited with {item['returncode']}: {item['error']}" for item in failed] + [""]
    for result in results:
        lines += _result_lines(result)
    if FINDINGS.is_file():
        lines += [FINDINGS.read_text().strip(), ""]
    return "\n".join(lines)


def write(folder: Path, markdown_path: Path, json_path: Path, end: Optional[Dict[str, Any]] = None) -> List[Path]:
    results = load_results(folder)
    run = _run_info(folder)
    end = end or machine.snapshot(ROOT)
    versions = machine.versions()
    written = []
    for path, text in (
        (markdown_path, markdown(results, run, end, versions)),
        (
            json_path,
            json.dumps(
                {"machine": run.get("machine") or end, "machine_at_end": end, "versions": versions,
                 "failed": run.get("failed") or [], "results": results},
                indent=2,
            ),
        ),
    ):  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", default=str(ROOT / "benchmarks" / "results"), help="folder of result JSONs")
    parser.add_argument("--markdown", default=str(ROOT / "BENCHMARKS.md"), help="Markdown file to write")
    parser.add_argument("--json", default=str(ROOT / "BENCHMARKS.json"), help="JSON file to write")
    options = parser.parse_args()
    try:
        paths = write(Path(options.results), Path(options.markdown), Path(options.json))
    except ReportError as error:
        print(f"Error: {error}", file=sys.stderr)
        sys.exit(2)
    print("wrote " + " and ".join(str(p) for p in paths))


if __name__ == "__main__":
    main()
