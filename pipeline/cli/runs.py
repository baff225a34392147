"""`vtx runs`: the tracked runs of the current backend, newest first, or two of them compared."""

from typing import Optional, Tuple

import click

from pipeline.cli import common


@click.command(name="runs")
@common.config_options
@common.output_option("The output_root whose embedded MLflow store to read (the mlflow backend's default).")
@click.option("--compare", nargs=2, metavar="A B", help="Two run ids (or unique prefixes) side by side.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="How many runs to list.")
def runs_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    output: Optional[str],
    compare: Optional[Tuple[str, str]],
    limit: int,
) -> None:
    """List the tracked runs (id, when, data, hyperparameters, accuracy, verdict, pushed version).

    \b
    Examples:
      vtx runs                                   # the latest 20 runs of tracking.backend
      vtx runs --compare 20261204-101500-123 20261204-111500-456
      vtx runs --profile vertex                  # the runs in Vertex AI Experiments
    """
    from pipeline.tracking import runs

    config = common.build_config(profile, config_file, overrides, {"output_root": output})
    try:
        found = runs.fetch(config, 1000 if compare else limit)
        if compare:
            click.echo(runs.compare(runs.find(found, compare[0]), runs.find(found, compare[1])))
        elif not found:
            experiment = config.tracking_settings()["experiment"]
            click.echo(f"No tracked runs yet in {config.tracking.backend} (experiment {experiment}).")
        else:
            click.echo(runs.table(found))
    except runs.RunsError as error:
        common.fail(str(error), code=1)
