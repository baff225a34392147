"""`vtx report`: a self-contained HTML report of a local run or a Vertex AI pipeline job."""

from pathlib import Path
from typing import Optional, Tuple

import click

from pipeline.cli import common
from pipeline.cli.dataset_help import DatasetExamples

REPORT_EXAMPLES = """
\b
Examples:
  vtx report                                # the latest local run, to <output_root>/reports/run-<id>.html
  vtx report --run 20261122-080410-591 --out report.html
  vtx report --output /tmp/another-run      # the runs of another output_root
  vtx report --profile vertex               # the latest Vertex AI job of this pipeline
  vtx report --profile vertex --run <PIPELINE>-20261122-093000
"""


@click.command(name="report", epilog=REPORT_EXAMPLES, cls=DatasetExamples)
@common.config_options
@click.option(
    "--run",
    "run_id",
    metavar="RUN_ID",
    help="The run to report on, as `vtx run` printed it (on Vertex AI: the job id). Default: the latest.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="The HTML file to write. Default: <output_root>/reports/run-<id>.html",
)
@common.output_option("The output_root whose runs to read.")
@common.verbose_option("Show TensorFlow's logs too.")
def report_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    run_id: Optional[str],
    out: Optional[str],
    output: Optional[str],
    verbose: bool,
) -> None:
    """Write a self-contained HTML report of a run, local or on Vertex AI.

    A local run is read from ML Metadata and its artifacts; a Vertex AI job (--profile vertex; --run is
    the job id) from the Vertex API and the pipeline root. The page has no script and loads nothing:
    attach it to a CI run or a pull request.
    """
    config = common.build_config(profile, config_file, overrides, {"output_root": output})
    from pipeline.local import logs
    from pipeline.report import build, render, runs

    try:
        if config.vertex:
            from pipeline.report import vertex_runs

            record = vertex_runs.load(config, run_id)
        else:
            record = runs.load(config.metadata_path, config.pipeline_name, run_id)
    except runs.ReportError as error:
        common.fail(str(error))
    path = Path(out) if out else build.default_path(config.output_root, record.run_id)
    with logs.capture(Path(config.log_dir) / f"report-{record.run_id}.log", verbose):
        written = render.write(build.build(record), path, keep_charts=not out)
    click.echo(f"Report of run {record.run_id}: {written}")
