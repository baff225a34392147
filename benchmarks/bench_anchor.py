"""Issue 18 row 1: a cold `vtx run` against TFX's own penguin example, interleaved in the same window."""

import csv
import importlib.util
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, List

import harness
from sandbox import PipelineRun, Sandbox

# The four measurements of TFX's penguins_processed.csv, named as TFX names them, from data/penguins.csv.
MEASUREMENTS = {
    "culmen_length_mm": "bill_length_mm",
    "culmen_depth_mm": "bill_depth_mm",
    "flipper_length_mm": "flipper_length_mm",
    "body_mass_g": "body_mass_g",
}
MISSING = {"", "NA", "nan", "NaN"}
# Run from inside the venv, so the example is the one of the installed tfx wheel, as shipped.
LAUNCHER = """
import importlib.util, runpy, sys
spec = importlib.util.spec_from_file_location("loopback", sys.argv[1])
loopback = importlib.util.module_from_spec(spec)
spec.loader.exec_module(loopback)
loopback.bind_grpc_to_loopback()
example = sys.argv[2]
sys.argv = [example]
runpy.run_path(example, run_name="__main__")
"""


def example_path() -> Path:
    """TFX's penguin_pipeline_local.py inside the installed tfx package."""
    spec = importlib.util.find_spec("tfx.examples.penguin")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("tfx.examples.penguin is not in the installed tfx package")
    return Path(list(spec.submodule_search_locations)[0])


def tfx_version() -> str:
    from importlib.metadata import version

    return version("tfx")


def processed_rows(source: Path) -> List[Dict[str, str]]:
    """data/penguins.csv the way TFX made penguins_processed.csv: complete rows only, the four measurements
    min-max scaled to [0, 1], species as 0/1/2 in sorted order (Adelie, Chinstrap, Gentoo)."""
    with source.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if not any((v or "").strip() in MISSING for v in row.values())]
    species = {name: str(index) for index, name in enumerate(sorted({row["species"] for row in rows}))}
    scaled: List[Dict[str, str]] = [{"species": species[row["species"]]} for row in rows]
    for target, column in MEASUREMENTS.items():
        values = [float(row[column]) for row in rows]
        low, high = min(values), max(values)
        for out, value in zip(scaled, values, strict=True):
            out[target] = repr((value - low) / (high - low))
    return scaled


def write_csv(path: Path, rows: List[Dict[str, str]], columns: List[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def anchor_run(rows: List[Dict[str, str]]) -> harness.Measured:
    """One cold run of TFX's example in a fresh $HOME (its data, module file, pipeline root and MLMD live there)."""
    home = Path(tempfile.mkdtemp(prefix="vtx-bench-anchor-"))
    try:
        data = home / "penguin" / "data"
        write_csv(data / "labelled" / "penguins_processed.csv", rows, ["species", *MEASUREMENTS])
        write_csv(data / "unlabelled" / "penguins_unlabelled.csv", rows, list(MEASUREMENTS))
        folder = example_path()
        shutil.copy(folder / "penguin_utils_keras.py", home / "penguin" / "penguin_utils_keras.py")
        loopback = harness.PROJECT_ROOT / "pipeline" / "local" / "loopback.py"
        command = [harness.PYTHON, "-c", LAUNCHER, str(loopback), str(folder / "penguin_pipeline_local.py")]
        env = {"HOME": str(home), "TF_USE_LEGACY_KERAS": "1"}
        return harness.check(harness.run_measured(command, env=env, cwd=home), "TFX's penguin_pipeline_local.py")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def ours_run(args: List[str]) -> PipelineRun:
    box = Sandbox("anchor-ours")
    try:
        return box.run(args, "cold vtx run")
    finally:
        box.remove()


def _row(label: str, values: List[float], unit: str, loads: List[float], detail: str = "") -> List[Any]:
    return [label, harness.spread(values), unit, len(values), harness.spread(loads, 2), detail]


def main() -> None:
    flags = harness.parser(__doc__ or "")
    flags.add_argument("--repetitions", type=harness.positive, default=2, help="pairs of runs (anchor, ours)")
    options = flags.parse_args()
    repetitions = 1 if options.quick else options.repetitions
    rows = processed_rows(harness.PROJECT_ROOT / "data" / "penguins.csv")
    args = ["--trials", "3"]
    anchors: List[harness.Measured] = []
    ours: List[PipelineRun] = []
    for number in range(repetitions):
        anchors.append(anchor_run(rows))
        ours.append(ours_run(args))
        print(
            f"pair {number + 1}/{repetitions}: TFX example {anchors[-1].seconds:.1f} s, "
            f"vtx run {ours[-1].measured.seconds:.1f} s",
            flush=True,
        )
    anchor_wall = [m.seconds for m in anchors]
    ours_wall = [r.measured.seconds for r in ours]
    ratio = harness.median(anchor_wall) / harness.median(ours_wall)
    cpu_ratio = harness.median([m.cpu_seconds for m in anchors]) / harness.median(
        [r.measured.cpu_seconds for r in ours]
    )
    worst = min(r.accuracy for r in ours)
    ours_measured = [r.measured for r in ours]
    table: List[List[Any]] = []
    for label, runs in (("TFX penguin_pipeline_local.py", anchors), (f"vtx run {' '.join(args)}", ours_measured)):
        loads = [m.load for m in runs]
        table.append(_row(f"{label}: wall", [m.seconds for m in runs], "s", loads))
        table.append(_row(f"{label}: CPU, user + system (process tree)", [m.cpu_seconds for m in runs], "s", loads))
        table.append(_row(f"{label}: peak RSS (process tree)", [m.peak_mib for m in runs], "MiB", loads))
    table.append(["ratio of medians (TFX example / vtx run): wall", f"{ratio:.2f}", "x", repetitions, "", ""])
    table.append(["ratio of medians (TFX example / vtx run): CPU", f"{cpu_ratio:.2f}", "x", repetitions, "", ""])
    harness.write_result(
        options.out,
        {
            "name": "anchor",
            "title": "A cold run against TFX's own penguin example",
            "what": (
                f"TFX {tfx_version()}'s examples/penguin/penguin_pipeline_local.py from "
                f"the installed wheel, as shipped (LocalDagRunner, multi-processing DirectRunner, KerasTuner, "
                f"BulkInferrer), each run cold in a fresh $HOME, interleaved with a cold `vtx run {' '.join(args)}` "
                f"in a fresh output folder: {repetitions} pair(s), anchor first."
            ),
            "columns": ["measure", "median (min–max)", "unit", "n", "load 1m (median (min–max))", "detail"],
            "rows": table,
            "notes": [
                "The example's data is made from data/penguins.csv the way TFX made penguins_processed.csv: rows "
                "with a missing value dropped, the four measurements (bill length and depth as culmen_*) min-max "
                "scaled to [0, 1], species as 0/1/2 in sorted order; unlabelled/ holds the same rows without "
                "species. TF_USE_LEGACY_KERAS=1 as in our runs; its gRPC servers bind 127.0.0.1 "
                "(pipeline/local/loopback.py).",
                "Interleaved runs see the same load; compare the ratio, not the absolute times, on a busy machine.",
            ],
            "targets": [
                harness.target(
                    "cold vtx run (3 trials, accuracy >= 0.9) against TFX's penguin example, same window",
                    ">= 4x faster (ratio of medians)",
                    f"{ratio:.2f}x (TFX {harness.median(anchor_wall):.1f} s, vtx {harness.median(ours_wall):.1f} s); "
                    f"lowest accuracy {worst:.3f}",
                    ratio >= 4 and worst >= 0.9,
                )
            ],
        },
        options.quick,
    )


if __name__ == "__main__":
    main()
