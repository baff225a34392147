"""The vtx monitor command: skew, drift and schema checks of logged requests, for a person or a scheduler."""

import datetime
import sys
from pathlib import Path
from typing import Optional, Tuple

import click

from pipeline.cli import common
from pipeline.cli.dataset_help import DatasetExamples

MONITOR_EXAMPLES = """
\b
Examples:
  vtx monitor                                 # the last 24 h of <output_root>/requests.duckdb
  vtx monitor --window-hours 6 --end "2026-12-01 18:00:00"
  vtx monitor --requests /srv/vtx/requests.duckdb --model-version 1796179596
  vtx monitor --source bigquery --table my-project.my_logging_dataset.request_response_logging
  vtx monitor --set monitoring.features.<FEATURE>.skew=0.2 --set monitoring.drift.numeric=0.05
\b
Exit status: 0 no threshold exceeded; 1 a skew or drift threshold exceeded, or a schema anomaly;
2 nothing checked (bad input, an empty window, a missing table, a model without lineage).
"""


def _utc(moment: Optional[datetime.datetime]) -> datetime.datetime:
    """--end as given is UTC; default: now."""
    if moment is None:
        return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return moment.replace(tzinfo=datetime.timezone.utc)


@click.command(name="monitor", epilog=MONITOR_EXAMPLES, cls=DatasetExamples)
@common.config_options
@common.output_option("The output_root whose ML Metadata to read.")
@click.option(
    "--requests", type=click.Path(dir_okay=False), help="The DuckDB request log. Default: <output_root>/requests.duckdb"
)
@click.option(
    "--source", type=click.Choice(["duckdb", "bigquery"]), help="Where requests are logged (monitoring.source)."
)
@click.option("--table", help="The BigQuery table, project.dataset.table (monitoring.bigquery_table).")
@click.option("--window-hours", type=click.FloatRange(0, 24 * 366, min_open=True), help="monitoring.window_hours.")
@click.option(
    "--end",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]),
    help="The window's end, in UTC. Default: now.",
)
@click.option("--model-version", help="The pushed version to compare with. Default: the one that served most requests.")
@click.option(
    "--out-dir", type=click.Path(file_okay=False), help="Where the JSON and HTML go. Default: <output_root>/monitoring"
)
@common.verbose_option("Show TensorFlow's and TFDV's logs too.")
def monitor_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    output: Optional[str],
    requests: Optional[str],
    source: Optional[str],
    table: Optional[str],
    window_hours: Optional[float],
    end: Optional[datetime.datetime],
    model_version: Optional[str],
    out_dir: Optional[str],
    verbose: bool,
) -> None:
    """Check a window of logged requests for skew against training, drift from the window before, and anomalies.

    Writes a JSON result and a self-contained HTML report, prints one line, and exits 1 when a threshold is
    exceeded, so that a scheduled job can alert or retrain.
    """
    flags = {
        "output_root": output,
        "monitoring.source": source,
        "monitoring.bigquery_table": table,
        "monitoring.window_hours": window_hours,
    }
    config = common.build_config(profile, config_file, overrides, flags)
    moment = _utc(end)
    stamp = moment.strftime("%Y%m%d-%H%M%S")
    folder = Path(out_dir).resolve() if out_dir else Path(config.output_root) / "monitoring"
    from pipeline.local import logs
    from pipeline.mlmd import lineage
    from pipeline.monitor import readers, report, run

    try:
        reader = readers.from_config(config, Path(requests).resolve() if requests else None)
        with logs.capture(Path(config.log_dir) / f"monitor-{stamp}.log", verbose):
            result = run.monitor(reader, config.metadata_path, config.monitoring, run.Request(moment, model_version))
            html = report.write(result, folder / f"monitor-{stamp}.html")
            (folder / f"monitor-{stamp}.json").write_text(result.dumps() + "\n")
    except (readers.ReaderError, lineage.LineageError, run.MonitorError) as error:
        common.fail(str(error))
    click.echo(result.summary())
    click.echo(f"Report: {html}  JSON: {folder / f'monitor-{stamp}.json'}")
    sys.exit(result.exit_code)
