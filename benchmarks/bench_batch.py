"""Benchmark of `vtx batch-predict`: rows/s on a generated 1M-row CSV next to the direct batched SavedModel call,
and peak memory at two input sizes (flat when the input streams through)."""

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, NamedTuple, Tuple

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
from pyarrow import csv as pa_csv  # noqa: E402

FLOATS = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
STRINGS = ("island", "sex")
TARGET_RATIO = 0.7
FLAT_FACTOR = 1.25


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """`rows` penguins drawn from data/penguins.csv with a little noise on each measurement, as one CSV."""
    source = pa_csv.read_csv(
        ROOT / "data" / "penguins.csv", convert_options=pa_csv.ConvertOptions(null_values=["NA", ""])
    )
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, source.num_rows, rows)
    columns = {}
    for name in source.column_names:
        values = source.column(name).combine_chunks().take(pa.array(pick))
        if name in FLOATS:
            noisy = values.to_numpy(zero_copy_only=False) * rng.normal(1.0, 0.01, rows)
            values = pa.array(np.round(noisy, 1))
        columns[name] = values.cast(pa.string())
    pa_csv.write_csv(pa.table(columns), path, pa_csv.WriteOptions(include_header=True, batch_size=65536))


def features(path: Path) -> Dict[str, np.ndarray]:
    """The model's raw inputs of every row, parsed ahead of time: what the direct call gets for free."""
    table = pa_csv.read_csv(path, convert_options=pa_csv.ConvertOptions(null_values=["NA", ""]))
    out = {n: table.column(n).cast(pa.float32()).fill_null(np.nan).combine_chunks().to_numpy() for n in FLOATS}
    out.update({n: table.column(n).fill_null("").combine_chunks().to_numpy(zero_copy_only=False) for n in STRINGS})
    return out


class Stage(NamedTuple):
    """One step timed alone: rows/s of wall time, and CPU microseconds a row of the whole process (every thread)."""

    rate: float
    cpu_us: float


class Clock:
    """Started at construction; stage(rows) is the wall and the process's CPU since (TensorFlow's threads counted)."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def stage(self, rows: int) -> Stage:
        return Stage(rows / (time.perf_counter() - self.wall), (time.process_time() - self.cpu) * 1e6 / rows)


def direct_call(predictor, inputs: Dict[str, np.ndarray], rows: int) -> Stage:
    clock = Clock()
    predictor.predict(inputs, rows)
    return clock.stage(rows)


def stages(predictor, source: Path, rows: int, chunk_bytes: int, out: Path) -> Tuple[Stage, Stage]:
    """(reading and parsing alone, writing the output alone): where the time goes besides the model."""
    from pipeline.batch import csv_rows, writers

    # As in BatchRun: frozen, TensorFlow's objects cost nothing to the gc.get_referrers of pyarrow's reads.
    gc.freeze()
    with open(source, "rb") as stream:
        clock = Clock()
        names = csv_rows.read_header(stream, predictor.kinds, [])
        chunks = list(csv_rows.chunks(stream, predictor.kinds, names, chunk_bytes))
        read = clock.stage(rows)
    predictions = [predictor.predict(chunk.features, chunk.count) for chunk in chunks]
    output = writers.CsvOutput(out, names, predictor.class_names, predictor.model.version)
    clock = Clock()
    for chunk, predicted in zip(chunks, predictions, strict=True):
        output.write(chunk, predicted)
    output.close()
    return read, clock.stage(rows)


def ceiling(model: Stage, read: Stage, write: Stage, cores: int) -> float:
    """The best batch/limit ratio `cores` CPUs allow: the limit's wall against the three steps' CPU, overlapped.

    The model's share is its CPU, not its wall: TensorFlow runs it on more than one thread, and in a batch run those
    threads take their CPU from the same cores as the reading and writing threads."""
    model_us = 1e6 / model.rate
    return model_us / max(model_us, (model.cpu_us + read.cpu_us + write.cpu_us) / cores)


def batch_rows_per_second(predictor, source: Path, out: Path, rows: int, chunk_bytes: int) -> float:
    import io

    from pipeline.batch import run
    from pipeline.batch.progress import Progress

    job = run.Job(str(source), str(out), "move", chunk_bytes)
    runner = run.BatchRun(job, predictor, lambda total: Progress(total, io.StringIO(), False))
    started = time.perf_counter()
    with run.workdir() as work:
        [result] = runner.run(runner.inputs(), work)
    seconds = time.perf_counter() - started
    assert result.status == "predicted" and result.rows == rows, result
    return rows / seconds


def peak_rss_mb(command: List[str], env: Dict[str, str]) -> float:
    """Runs `command` and samples its resident memory every 20 ms; the peak, in MiB."""
    import psutil

    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read() if process.stderr else ''}")
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="Folder for batch.json.")
    parser.add_argument("--quick", action="store_true", help="20k rows: a smoke run, not a result.")
    args = parser.parse_args()
    rows, small, repeats = (20_000, 5_000, 1) if args.quick else (1_000_000, 250_000, 3)

    from pipeline.batch.predictor import Predictor
    from pipeline.config import load_config
    from pipeline.registry import RegistryError, open_registry

    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    config = load_config(environ={})
    try:
        model = open_registry(config).resolve("production")
    except RegistryError:
        # No pushed model here yet: train one into the temp folder (about a minute), leaving outputs/ alone.
        print(f"No model in {config.serving_dir}; running `vtx run --no-tuning` into {work / 'run'} first")
        vtx = str(Path(sys.executable).parent / "vtx")
        subprocess.run([vtx, "run", "--no-tuning", "--output", str(work / "run")], check=True, cwd=ROOT)
        config = load_config(overrides=[f"output_root={work / 'run'}"], environ={})
        # The run's push is its staging version; production moves only by `vtx promote`.
        model = open_registry(config).resolve("latest")
    predictor = Predictor(model, config.batch.batch_size)
    try:
        inputs = work / "in"
        inputs.mkdir()
        generate(work / "rows.csv", rows)
        size_mb = (work / "rows.csv").stat().st_size / 2**20
        parsed = features(work / "rows.csv")
        direct, batch = [], []
        for attempt in range(repeats):
            direct.append(direct_call(predictor, parsed, rows))
            shutil.copy(work / "rows.csv", inputs / "rows.csv")
            batch.append(
                batch_rows_per_second(predictor, inputs, work / f"out-{attempt}", rows, config.batch.chunk_bytes)
            )
            shutil.rmtree(inputs / "processed")
        read, written = stages(predictor, work / "rows.csv", rows, config.batch.chunk_bytes, work / "o.csv")
        env = {k: v for k, v in os.environ.items() if not k.startswith("VTX_")}
        vtx = str(Path(sys.executable).parent / "vtx")
        peaks = {}
        for count in (small, rows):
            folder = work / f"mem-{count}"
            folder.mkdir()
            generate(folder / "rows.csv", count, seed=count)
            # The version measured above, by its number: a run of the benchmark's own has no production model.
            command = [vtx, "batch-predict", "--input", str(folder), "--to", str(work / f"mem-out-{count}")]
            command += ["--model", str(model.version)]
            peaks[count] = peak_rss_mb(command + ["--set", f"output_root={config.output_root}"], env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write(args, rows, small, size_mb, model.version, config.batch, direct, batch, (read, written), peaks)


def write(args, rows, small, size_mb, version, batch_config, direct, batch, stages, peaks) -> None:
    model, best_batch = max(direct, key=lambda stage: stage.rate), max(batch)
    best_direct, (read, written) = model.rate, stages
    ratio = best_batch / best_direct
    cores = os.cpu_count() or 1
    bound = ceiling(model, read, written, cores)
    flat = peaks[rows] <= peaks[small] * FLAT_FACTOR
    result = {
        "name": "batch",
        "title": "Batch prediction throughput and memory",
        "what": (
            f"`vtx batch-predict` machinery (BatchRun: read CSV in {batch_config.chunk_bytes // 2**20} MiB chunks, "
            f"predict {batch_config.batch_size} rows per call, write the output CSV, move the input) on one generated "
            f"{rows:,}-row CSV ({size_mb:.0f} MiB) with model version {version}, best of {len(batch)}; next to the "
            "direct call of the same SavedModel's serving_raw signature on the same rows, pre-parsed into arrays, "
            f"same batch size, best of {len(direct)}. Peak RSS of the whole `vtx batch-predict` process (TensorFlow "
            f"and the model included) on {small:,} and {rows:,} rows."
        ),
        "columns": ["measure", "value"],
        "rows": [
            ["direct SavedModel call (the limit), rows/s", f"{best_direct:,.0f}"],
            ["batch-predict, rows/s", f"{best_batch:,.0f}"],
            ["batch-predict / limit", f"{ratio:.2f}"],
            ["reading and parsing the CSV alone, rows/s", f"{read.rate:,.0f}"],
            ["writing the output CSV alone, rows/s", f"{written.rate:,.0f}"],
            ["CPU a row: model / reading / writing, us", " / ".join(f"{s.cpu_us:.3f}" for s in (model, read, written))],
            [f"best ratio {cores} cores allow (the ceiling)", f"{bound:.2f}"],
            [f"peak RSS at {small:,} rows, MiB", f"{peaks[small]:,.0f}"],
            [f"peak RSS at {rows:,} rows, MiB", f"{peaks[rows]:,.0f}"],
        ],
        "notes": [
            "Startup (TensorFlow import, model load: several seconds) is outside the rows/s figures; it is in the RSS.",
            "batch-predict overlaps reading, predicting and writing in threads; on a machine whose cores are busy "
            "the three share the CPU, so the reading and writing rows show what text I/O costs next to the model.",
            "The ceiling: the limit's wall a row against the CPU a row of the model, the reading and the writing "
            f"(each timed alone, CPU of every thread of the process) shared by {cores} cores and overlapped perfectly: "
            f"{1e6 / best_direct:.3f} us against ({model.cpu_us:.3f} + {read.cpu_us:.3f} + {written.cpu_us:.3f}) / "
            f"{cores} us, {bound:.2f}x of the limit. A batch run that reaches it has no overlap left to gain; "
            "more needs less CPU a row.",
            "All runs: "
            + ", ".join(f"{d.rate:,.0f}/{b:,.0f}" for d, b in zip(direct, batch, strict=True))
            + " (direct/batch).",
        ]
        + (["--quick: a smoke run on a small input, not a result."] if args.quick else []),
        "targets": [
            {
                "what": "batch-predict rows/s against the direct batched SavedModel call",
                "target": f">= {TARGET_RATIO:.1f}x",
                "measured": f"{ratio:.2f}x",
                "met": ratio >= TARGET_RATIO,
            },
            {
                "what": f"peak memory at {rows:,} rows against {small:,} rows (streaming, flat)",
                "target": f"<= {FLAT_FACTOR:.2f}x",
                "measured": f"{peaks[rows] / peaks[small]:.2f}x",
                "met": flat,
            },
        ],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "batch.json").write_text(json.dumps(result, indent=2) + "\n")
    width = max(len(row[0]) for row in result["rows"])
    print(result["title"])
    for name, value in result["rows"]:
        print(f"  {name:<{width}}  {value}")
    for target in result["targets"]:
        print(f"  target {target['what']}: {target['target']}, measured {target['measured']}, met: {target['met']}")


if __name__ == "__main__":
    main()
