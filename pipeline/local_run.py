"""`vtx run`: preflight, run the DAG with progress lines and captured logs, print the summary."""

import datetime
import time
from pathlib import Path
from typing import Optional

from pipeline import preflight
from pipeline.config import PipelineConfig


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


def execute(config: PipelineConfig, git_commit: str, verbose: bool) -> int:
    """Runs the pipeline; returns the process exit code."""
    import click

    started = time.monotonic()
    try:
        files = preflight.check_data(config)
    except preflight.InputDataError as error:
        click.echo(f"Error: {error}", err=True)
        return 2
    from pipeline import logs

    run_id = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")[:-3]
    log_file = Path(config.log_dir) / f"run-{run_id}.log"
    click.echo(f"vtx run {run_id}: profile {config.profile}, data {config.data_root}")
    click.echo(f"  logs: {log_file}")
    with logs.capture(log_file, verbose) as console:
        code = _run(config, run_id, git_commit, files, console)
        if code == 0:
            from pipeline import metadata, summary

            nodes = metadata.node_runs(metadata.open_store(config.metadata_path), config.pipeline_name, run_id)
            console.write(summary.render(config, run_id, nodes, time.monotonic() - started) + "\n")
    return code


def _run(config: PipelineConfig, run_id: str, git_commit: str, files, console) -> int:
    import logging

    from components.validation_gate import SchemaAnomaliesError
    from pipeline import metadata, progress, runner
    from pipeline.fingerprint import file_fingerprint

    store = None

    def status_of(node_id: str) -> str:
        nonlocal store
        # Opened on the first finished node: before that, the metadata file may not exist yet.
        store = store or metadata.open_store(config.metadata_path)
        node = metadata.node_runs(store, config.pipeline_name, run_id).get(node_id)
        if node is None:
            return "?"
        return "resolved" if node_id == "Resolver" else node.status

    reporter = progress.NodeProgress(console, status_of)
    logging.getLogger("absl").addHandler(reporter)
    fingerprint = ",".join(file_fingerprint(str(path))[:16] for path in files)
    context = runner.RunContext(run_id=run_id, git_commit=git_commit, data_fingerprint=fingerprint)
    try:
        runner.run_local(config, context)
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
