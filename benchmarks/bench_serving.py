"""Benchmark of `vtx serve`: latency p50/p99 and throughput on loopback, next to the SavedModel called in-process."""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from benchmarks.served_process import INSTANCE, VTX, Served  # noqa: E402
from benchmarks.serving_faults import BAD_CLIENTS, BAD_REQUESTS, GOOD_CLIENTS, MIXED, mixed_targets  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.config.core import serving_dir  # noqa: E402
from pipeline.registry import RegistryError, open_registry  # noqa: E402

# The most the server may add at p50 to a single-instance request, logging on, in milliseconds (issue 18).
TARGET_OVERHEAD_MS = 0.5
COLUMNS = ["setup", "clients", "instances/request", "requests", "p50 ms", "p99 ms", "requests/s", "instances/s"]


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)


def _percentile(values: List[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def _row(setup: str, clients: int, per_request: int, latencies: List[float], seconds: float) -> list:
    rate = len(latencies) / seconds
    p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)
    return [
        setup,
        clients,
        per_request,
        len(latencies),
        _ms(p50),
        _ms(p99),
        round(rate, 1),
        round(rate * per_request, 1),
    ]


def _model_output(output: str, work: Path, notes: List[str], ref: str = "production") -> Path:
    """A copy of a pushed model and its ML Metadata, so the benchmark's request log is its own.

    The production model of `output`; after a run of its own, that run's push (its staging version).
    """
    config = load_config(overrides=[f"output_root={output}"], environ={})
    try:
        version = open_registry(config).resolve(ref)
    except RegistryError as error:
        notes.append(f"{output} had no model ({error}); a pipeline run without tuning pushed one first.")
        run = subprocess.run([VTX, "run", "--output", str(work / "run"), "--no-tuning"], capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit(f"Error: the pipeline run for a model failed:\n{run.stderr[-2000:]}") from None
        return _model_output(str(work / "run"), work, notes, ref="latest")
    target = work / "serve"
    shutil.copytree(Path(version.uri), Path(serving_dir(str(target), config.dataset.name)) / version.version)
    shutil.copy2(config.metadata_path, target / "metadata.sqlite")
    # The first resolve reads the version's lineage from ML Metadata and caches it; do it once, here.
    open_registry(load_config(overrides=[f"output_root={target}"], environ={})).resolve("production")
    return target


def _direct(output: Path, reps: int) -> List[list]:
    """The SavedModel's signature called in this process with ready tensors (the limit), and the server's own
    predict function (JSON values in, JSON-ready values out), one instance per call; then a batch of 16."""
    import numpy as np
    import tensorflow as tf

    from pipeline.serving.model import load as load_model

    # The copy holds one version, the production one; the registry's own folder sits beside it.
    (version,) = [path for path in (output / "serving_model").glob("*/*") if path.name.isdigit()]
    model = load_model(version.name, str(version))
    columns = {name: [INSTANCE[name]] for name in model.features}
    tensors = {name: tf.constant(np.asarray(columns[name], dtype=f.dtype)) for name, f in model.features.items()}
    batch = {name: values * 16 for name, values in columns.items()}
    rows = []
    for setup, call, per_request in [
        ("SavedModel signature in process (the limit)", lambda: model.signature(**tensors), 1),
        ("the server's predict function in process", lambda: model.predict(columns), 1),
        ("the server's predict function in process", lambda: model.predict(batch), 16),
    ]:
        for _ in range(50):
            call()
        latencies = []
        started = time.perf_counter()
        for _ in range(reps):
            begin = time.perf_counter()
            call()
            latencies.append(time.perf_counter() - begin)
        rows.append(_row(setup, 1, per_request, latencies, time.perf_counter() - started))
    return rows


def _server_rows(output: Path, quick: bool, notes: List[str]) -> tuple:
    """Single-instance latency (1 client) and throughput (16 clients) of the server in three setups, and in the
    first the good requests' latency with bad clients alongside."""
    sequential = 200 if quick else 3000
    seconds = 3.0 if quick else 15.0
    setups = [("logging on, batching on", ())]
    if not quick:
        setups += [("logging off, batching on", ("serving.sampling_rate=0",))]
        setups += [("logging on, batching off", ("serving.batching.enabled=false",))]
    rows: List[list] = []
    checks: Dict[str, tuple] = {}
    mixed: tuple = ()
    for name, overrides in setups:
        served = Served(output, *overrides)
        notes.append(f"vtx serve ({name}) was ready {served.start_seconds:.1f} s after it started.")
        served.run(1, count=50)
        single = served.run(1, count=sequential)
        rows.append(_row(f"vtx serve, {name}", 1, 1, single.latencies, single.seconds))
        many = served.run(16, seconds=seconds)
        rows.append(_row(f"vtx serve, {name}", 16, 1, many.latencies, many.seconds))
        if not overrides:
            good, bad = served.run_mixed(GOOD_CLIENTS, BAD_REQUESTS, BAD_CLIENTS, seconds)
            rows.append(_row(f"vtx serve, {MIXED}", GOOD_CLIENTS, 1, good.latencies, good.seconds))
            refused = served.printed().count(": refused ")
            mixed = (good.statuses, bad.statuses, refused)
            notes.append(
                f"{MIXED}: p99 of the good requests {_ms(_percentile(good.latencies, 99)):.2f} ms against "
                f"{_ms(_percentile(many.latencies, 99)):.2f} ms with the 16 good clients alone; "
                f"{len(bad.statuses)} bad requests, {refused} logged as refused."
            )
        batches = served.metric("vtx_serve_batch_instances_count")
        if batches:
            mean = served.metric("vtx_serve_batch_instances_sum") / batches
            notes.append(f"{name}: {mean:.1f} instances per model call on average over the whole run.")
        notes.append(f"{name}: server memory (RSS) {served.rss_mb():.0f} MB after the load.")
        statuses = set(single.statuses + many.statuses)
        sent = served.sent
        logged = served.stop()
        checks[name] = (statuses, sent, logged, "sampling_rate=0" not in " ".join(overrides))
    return rows, checks, mixed


def _targets(rows: List[list], checks: Dict, mixed: tuple) -> List[Dict]:
    limit = rows[0][4]
    served = next(row for row in rows if row[0] == "vtx serve, logging on, batching on" and row[1] == 1)
    overhead = served[4] - limit
    targets = [
        {
            "what": "server overhead at p50, single-instance requests, logging on (vtx serve p50 - SavedModel p50)",
            "target": f"<= {TARGET_OVERHEAD_MS} ms",
            "measured": f"{overhead:.2f} ms ({served[4]:.2f} - {limit:.2f})",
            "met": overhead <= TARGET_OVERHEAD_MS,
        }
    ]
    targets += mixed_targets(*mixed)
    for name, (statuses, sent, logged, logging_on) in checks.items():
        targets.append(
            {
                "what": f"{name}: every response a 200",
                "target": "{200}",
                "measured": str(sorted(statuses)),
                "met": statuses == {200},
            }
        )
        if logging_on:
            targets.append(
                {
                    "what": f"{name}: logged rows after SIGTERM == requests (sampling 1.0)",
                    "target": f"{sent}",
                    "measured": f"{logged}",
                    "met": logged == sent,
                }
            )
    return targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="folder for serving.json")
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer requests, one server setup")
    parser.add_argument(
        "--output", default=None, help="an output_root with a pushed model (default: the local profile's)"
    )
    args = parser.parse_args()
    notes: List[str] = []
    load_average = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as work:
        default_output = load_config(environ={}).output_root
        output = _model_output(args.output or default_output, Path(work), notes)
        reps = 200 if args.quick else 3000
        rows = _direct(output, reps)
        server_rows, checks, mixed = _server_rows(output, args.quick, notes)
    rows += server_rows
    notes.append(
        "Latency is measured by the client, from writing the request to reading the whole response, over one "
        "keep-alive connection per client (a small asyncio HTTP/1.1 client in the benchmark process)."
    )
    notes.append(f"Load average at the start: {load_average:.2f}.")
    result = {
        "name": "serving",
        "title": "vtx serve: latency and throughput on loopback, next to the SavedModel in process",
        "what": (
            f"The production SavedModel called in process ({reps} single-instance calls, and {reps} batches of 16); "
            f"then `vtx serve` in a subprocess on 127.0.0.1: {200 if args.quick else 3000} sequential "
            f"single-instance requests from 1 client, then 16 clients for {3 if args.quick else 15} s, "
            "per setup (logging on/off, batching on/off); with logging and batching on, then 16 good clients and "
            f"{BAD_CLIENTS} bad ones (each sending {len(BAD_REQUESTS)} malformed requests in turn) for as long; "
            "each server stopped with SIGTERM and its DuckDB log counted."
        ),
        "columns": COLUMNS,
        "rows": rows,
        "notes": notes,
        "targets": _targets(rows, checks, mixed),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "serving.json").write_text(json.dumps(result, indent=2) + "\n")
    _print(result)


def _print(result: Dict) -> None:
    widths = [max(len(str(c)), *(len(str(r[i])) for r in result["rows"])) for i, c in enumerate(result["columns"])]
    print(result["title"])
    print("  ".join(str(c).ljust(w) for c, w in zip(result["columns"], widths, strict=True)))
    for row in result["rows"]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    for target in result["targets"]:
        print(
            f"{'MET ' if target['met'] else 'MISS'} {target['what']}: {target['measured']} (target {target['target']})"
        )
    for note in result["notes"]:
        print(f"- {note}")


if __name__ == "__main__":
    main()
