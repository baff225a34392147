"""`vtx run`: preflight, run the DAG with progress lines and captured logs, print the summary."""

import contextlib
import datetime
import sys
import time
from pathlib import Path
from typing import Optional

from components import forked_workers
from pipeline.config import PipelineConfig
from pipeline.local import ahead, imports, preflight, tracker_ahead

REPORT_WORKER = [sys.executable, "-m", "pipeline.report.worker"]
STORE_SECONDS = 60.0  # for a new MLflow store, before the first node
TRACKER_GRACE = 30.0  # past the tracker's own budget (tracking.timeout_seconds), for the outcome's record

# Exit statuses of `vtx run` (docs/local-runs.md): 0 the run finished, blessed or not; 1 a component failed;
# 2 the input or settings are refused before the run; 3 NOT BLESSED with --fail-if-not-blessed (summary.py);
# 130 interrupted.


def _find(error: BaseException, kind: type) -> Optional[BaseException]:
    """The first exception of `kind` in an exception's cause/context chain."""
    seen = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def execute(config: PipelineConfig, git_commit: str, verbose: bool, fail_if_not_blessed: bool = False) -> int:
    """Runs the pipeline; returns the process exit code (NOT_BLESSED, if asked, for a model not blessed)."""
    import click

    started = time.monotonic()
    try:
        files = preflight.check_data(config, lambda line: click.echo(f"Note: {line}"))
    except preflight.InputDataError as error:
        click.echo(f"Error: {error}", err=True)
        return 2
    from pipeline.dag.fingerprint import file_fingerprint
    from pipeline.local import logs
    from pipeline.registry import RegistryError
    from pipeline.registry.local import LocalRegistry

    try:
        # Before the Pusher runs: from now on a push is the staging version, never production by itself.
        LocalRegistry(config.serving_dir, config.metadata_path).mark_staged(int(time.time()))
    except RegistryError as error:
        click.echo(f"Error: {error}", err=True)
        return 2

    run_id = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")[:-3]
    fingerprint = ",".join(file_fingerprint(str(path))[:16] for path in files)
    log_file = Path(config.log_dir) / f"run-{run_id}.log"
    click.echo(f"vtx run {run_id}: profile {config.profile}, data {config.data_root}")
    click.echo(f"  logs: {log_file}")
    store = tracker_ahead.new_store(config)
    new_store = store is not None
    tracker, report = ahead.Ahead(None), ahead.Ahead(None)

    def store_made() -> None:
        # A worker making a new store is never stopped before it is done: a store half-migrated is unusable.
        if new_store and not tracker.ready(STORE_SECONDS):
            tracker.stop()  # then the tracker's first call makes the store, as it would without the worker

    def before_nodes() -> None:
        nonlocal report
        if new_store:
            store_made()
            # After the store: the report worker's imports take the second core once the tracker has left it.
            report = ahead.Ahead.start(REPORT_WORKER)

    # Both workers are started in the log's capture: what they print goes to the run's log file.
    with logs.capture(log_file, verbose) as console, contextlib.ExitStack() as cleanup:
        cleanup.callback(lambda: tracker.stop())
        cleanup.callback(store_made)
        cleanup.callback(lambda: report.stop())
        relay = cleanup.enter_context(tracker_ahead.relayed(config))
        tracker = tracker_ahead.start(config, store, relay)
        if not new_store:  # the second core has room for both: a run with nothing to execute ends in seconds
            report = ahead.Ahead.start(REPORT_WORKER)
        if forked_workers.forks(config.beam_args()):  # Beam's workers' warm process imports beside ours
            forked_workers.warm()
        # Imported here: TensorFlow's import-time messages go to the log file.
        RunContext = imports.import_runner()  # noqa: N806 - a class

        context = RunContext(run_id=run_id, git_commit=git_commit, data_fingerprint=fingerprint)
        code = _run(config, context, console, before_nodes)
        store_made()  # for a run that stopped before its first node
        _record_facts(config, context, time.monotonic() - started)
        if code in (0, 1):  # the report is drawn while the outcome is tracked and the summary printed
            report.submit(_report_job(config, run_id))
        wait = config.tracking.timeout_seconds + TRACKER_GRACE
        tracked = _track(config, run_id, code != 0, lambda job: tracker.ask(job, wait))
        if code == 0:
            from pipeline import mlmd
            from pipeline.local import summary

            nodes = mlmd.node_runs(mlmd.open_store(config.metadata_path), config.pipeline_name, run_id)
            console.write(summary.render(config, run_id, nodes, time.monotonic() - started, tracked) + "\n")
            code = summary.exit_code(nodes, fail_if_not_blessed)
            if code:
                console.write(f"Exit status {code}: the model is NOT BLESSED (--fail-if-not-blessed).\n")
        elif tracked.get("warning"):
            console.write(f"Tracking warning: {tracked['warning']}\n")
        if code in (0, 1, 3):
            _write_report(config, run_id, console, report.result())
    return code


def _record_facts(config: PipelineConfig, context, wall_seconds: float) -> None:
    """Stores what TFX does not record (commit, data fingerprint, wall time) on the run's MLMD context."""
    from pipeline import mlmd

    if not Path(config.metadata_path).is_file():
        return
    facts = {
        "git_commit": context.git_commit,
        "data_fingerprint": context.data_fingerprint,
        "data_root": config.data_root,
        "wall_seconds": round(wall_seconds, 1),
    }
    mlmd.record_run_facts(mlmd.open_store(config.metadata_path, writable=True), context.run_id, facts)


def _track(config: PipelineConfig, run_id: str, failed: bool, recorder) -> dict:
    """Adds the run's outcome to its tracked run (after KeyboardInterrupt too: the run is then failed)."""
    from pipeline import mlmd
    from pipeline.tracking import outcome

    nodes = {}
    if Path(config.metadata_path).is_file():
        nodes = mlmd.node_runs(mlmd.open_store(config.metadata_path), config.pipeline_name, run_id)
    return outcome.record(config, run_id, nodes, failed, recorder)


def _report_job(config: PipelineConfig, run_id: str) -> dict:
    """The report of this run, as pipeline/report/worker.py takes it."""
    from pipeline.report import build

    where = {"metadata_path": config.metadata_path, "pipeline_name": config.pipeline_name, "run_id": run_id}
    return {**where, "path": str(build.default_path(config.output_root, run_id))}


def _write_report(config: PipelineConfig, run_id: str, console, answer: Optional[dict] = None) -> None:
    """Prints where the run's HTML report is: as the worker wrote it, or written here (by the worker's own code)
    when the worker gave no answer, or answered that the report needs TensorFlow's packages ({"redo"}, e.g. a
    failed validation's anomalies recomputed by TFDV). A failure here never changes the run's outcome."""
    from pipeline.report import worker

    if not answer or not answer.keys() & {"path", "not_written", "error"}:
        answer = worker.write(_report_job(config, run_id))
    if answer.get("path"):
        console.write(f"Report: {answer['path']}\n")
    elif answer.get("not_written"):
        console.write(f"Report: not written ({answer['not_written']})\n")
    else:
        console.write(f"Report: not written ({answer.get('error')}); see the log file above\n")


def _run(config: PipelineConfig, context, console, before_nodes=lambda: None) -> int:
    import logging

    from components.validation_gate import SchemaAnomaliesError
    from pipeline import mlmd
    from pipeline.local import progress, runner

    run_id = context.run_id
    store = None

    def status_of(node_id: str) -> str:
        nonlocal store
        # Opened on the first finished node: before that, the metadata file may not exist yet.
        store = store or mlmd.open_store(config.metadata_path)
        node = mlmd.node_runs(store, config.pipeline_name, run_id).get(node_id)
        if node is None:
            return "?"
        return "resolved" if node_id == "Resolver" else node.status

    reporter = progress.NodeProgress(console, status_of)
    logging.getLogger("absl").addHandler(reporter)
    try:
        runner.run_local(config, context, before_nodes)
        return 0
    except KeyboardInterrupt:
        reporter.failed()
        console.write("Interrupted. Finished components stay cached; the next run resumes from them.\n")
        return 130
    except Exception as error:  # noqa: BLE001 - every failure becomes one message, details in the log
        reporter.failed()
        anomalies = _find(error, SchemaAnomaliesError)
        console.write(f"Error: {anomalies or f'{type(error).__name__}: {error}'}\n")
        if not anomalies:
            console.write("  see the log file above for the full traceback\n")
        import traceback

        traceback.print_exc()
        return 1
    finally:
        logging.getLogger("absl").removeHandler(reporter)
