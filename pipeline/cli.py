"""The vtx command line: run the pipeline locally, report on a run, and inspect the configuration."""

import os
import subprocess
import sys
from pathlib import Path
from typing import List, NoReturn, Optional, Tuple

import click

from pipeline import settings
from pipeline.config import PROJECT_ROOT, PipelineConfig

RUN_EXAMPLES = """
\b
Examples:
  vtx run                                   # the local profile on data/
  vtx run --data ~/my-penguins --output /tmp/penguins-run
  vtx run --trials 5 --set training.train_steps=500
  vtx run --no-tuning --no-cache -v         # default hyperparameters, show TFX logs
"""


def _fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr; 2 for bad input, 1 for a failure of the work itself."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _build_config(profile: Optional[str], config_file: Optional[str], overrides: List[str]) -> PipelineConfig:
    try:
        return settings.load_config(profile=profile, config_file=config_file, overrides=overrides)
    except settings.ConfigError as error:
        _fail(str(error))


def _git_commit() -> str:
    """HEAD of this checkout; else VTX_GIT_COMMIT or COMMIT_SHA (a Cloud Build upload has no .git)."""
    try:
        out = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get("VTX_GIT_COMMIT") or os.environ.get("COMMIT_SHA") or "unknown"


def config_options(function):
    """--profile, --config and --set, shared by every command that builds a config."""
    function = click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override one setting, e.g. --set training.train_steps=500. Repeatable.",
    )(function)
    function = click.option(
        "--config", "config_file", type=click.Path(dir_okay=False), help="A YAML file of settings over the profile."
    )(function)
    function = click.option(
        "--profile", help=f"Settings profile: {', '.join(settings.profiles())}. Default: local, or $VTX_PROFILE."
    )(function)
    return function


@click.group(
    epilog="""
\b
Examples:
  vtx run                      # run the whole pipeline locally on data/
  vtx report                   # an HTML report of the latest run
  vtx registry list            # pushed versions, their metrics and aliases
  vtx serve                    # the production model on 127.0.0.1:8080, requests logged
  vtx monitor                  # skew and drift of the last 24 h of logged requests
  vtx config --set tuning.trials=5
  python -m pipeline run -v    # the same CLI
"""
)
@click.version_option(package_name="vertex-tfx")
def main() -> None:
    """vertex-tfx: a TFX pipeline for penguins (or your CSV), local first, Vertex AI ready."""


@main.command(epilog=RUN_EXAMPLES)
@config_options
@click.option("--data", type=click.Path(file_okay=False), help="Folder of CSV files (data_root).")
@click.option(
    "--output", type=click.Path(file_okay=False), help="Where artifacts, metadata and models go (output_root)."
)
@click.option("--trials", type=click.IntRange(1, 1000), help="Tuner trials (tuning.trials).")
@click.option("--no-tuning", is_flag=True, help="Skip the Tuner; train with the default hyperparameters.")
@click.option("--no-cache", is_flag=True, help="Re-execute every component.")
@click.option("-v", "--verbose", is_flag=True, help="Show TFX, Beam and TensorFlow logs too.")
def run(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    data: Optional[str],
    output: Optional[str],
    trials: Optional[int],
    no_tuning: bool,
    no_cache: bool,
    verbose: bool,
) -> None:
    """Run the whole pipeline locally, then print a summary."""
    flags = list(overrides)
    flags += [f"data_root={Path(data).resolve()}"] if data else []
    flags += [f"output_root={Path(output).resolve()}"] if output else []
    flags += [f"tuning.trials={trials}"] if trials else []
    flags += ["tuning.enabled=false"] if no_tuning else []
    flags += ["enable_cache=false"] if no_cache else []
    config = _build_config(profile, config_file, flags)
    if config.vertex:
        _fail(f"profile '{config.profile}' targets Vertex AI; use `vtx compile` or `vtx submit` with it")
    from pipeline import local_run

    sys.exit(local_run.execute(config, git_commit=_git_commit(), verbose=verbose))


REPORT_EXAMPLES = """
\b
Examples:
  vtx report                                # the latest local run, to <output_root>/reports/run-<id>.html
  vtx report --run 20261122-080410-591 --out report.html
  vtx report --output /tmp/penguins-run     # the runs of another output_root
  vtx report --profile vertex               # the latest Vertex AI job of this pipeline
  vtx report --profile vertex --run vertex-tfx-penguins-20261122093000
"""


@main.command(epilog=REPORT_EXAMPLES)
@config_options
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
@click.option("--output", type=click.Path(file_okay=False), help="The output_root whose runs to read.")
@click.option("-v", "--verbose", is_flag=True, help="Show TensorFlow's logs too.")
def report(
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
    flags = list(overrides) + ([f"output_root={Path(output).resolve()}"] if output else [])
    config = _build_config(profile, config_file, flags)
    from pipeline import logs
    from pipeline.report import build, runs

    try:
        if config.vertex:
            from pipeline.report import vertex_runs

            record = vertex_runs.load(config, run_id)
        else:
            record = runs.load(config.metadata_path, config.pipeline_name, run_id)
    except runs.ReportError as error:
        _fail(str(error))
    path = Path(out) if out else build.default_path(config.output_root, record.run_id)
    with logs.capture(Path(config.log_dir) / f"report-{record.run_id}.log", verbose):
        written = build.write(build.build(record), path)
    click.echo(f"Report of run {record.run_id}: {written}")


@main.command(name="config")
@config_options
def show_config(profile: Optional[str], config_file: Optional[str], overrides: Tuple[str, ...]) -> None:
    """Print the resolved settings as YAML, after every override.

    \b
    Examples:
      vtx config
      VTX_TUNING__TRIALS=5 vtx config --set training.train_steps=50
    """
    import yaml

    config = _build_config(profile, config_file, list(overrides))
    click.echo(yaml.safe_dump(config.model_dump(), sort_keys=False))


# The other commands live in their own files; they reuse the helpers above.
from pipeline import cli_batch, cli_monitor, cli_registry, cli_schedule, cli_serve, cli_vertex  # noqa: E402

for _command in (
    cli_vertex.compile_command,
    cli_vertex.submit_command,
    cli_registry.registry_command,
    cli_serve.serve_command,
    cli_monitor.monitor_command,
    cli_batch.batch_predict_command,
    cli_schedule.schedule_command,
):
    main.add_command(_command)
