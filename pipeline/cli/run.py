"""`vtx run`: the whole pipeline on this machine, with progress lines and a summary."""

import sys
from typing import Optional, Tuple

import click

from pipeline.cli import common

RUN_EXAMPLES = """
\b
Examples:
  vtx run                                   # the local profile on data/
  vtx run --data ~/more-of-my-csv --output /tmp/another-run
  vtx run --trials 5 --set training.train_steps=500
  vtx run --no-tuning --no-cache -v         # default hyperparameters, show TFX logs
  vtx run --fail-if-not-blessed             # in CI: exit status 3 when the model is not blessed
"""


@click.command(name="run", epilog=RUN_EXAMPLES)
@common.config_options
@click.option("--data", type=click.Path(file_okay=False), help="Folder of CSV files (data_root).")
@common.output_option("Where artifacts, metadata and models go (output_root).")
@click.option("--trials", type=click.IntRange(1, 1000), help="Tuner trials (tuning.trials).")
@click.option("--no-tuning", is_flag=True, help="Skip the Tuner; train with the default hyperparameters.")
@click.option("--no-cache", is_flag=True, help="Re-execute every component.")
@click.option(
    "--fail-if-not-blessed",
    is_flag=True,
    help="Exit with status 3 when the Evaluator does not bless the model (for CI). Without it, a run that "
    "finishes exits 0, blessed or not.",
)
@common.verbose_option("Show TFX, Beam and TensorFlow logs too.")
def run_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    data: Optional[str],
    output: Optional[str],
    trials: Optional[int],
    no_tuning: bool,
    no_cache: bool,
    fail_if_not_blessed: bool,
    verbose: bool,
) -> None:
    """Run the whole pipeline locally, then print a summary."""
    flags = {
        "data_root": data,
        "output_root": output,
        "tuning.trials": trials,
        "tuning.enabled": False if no_tuning else None,
        "enable_cache": False if no_cache else None,
    }
    config = common.build_config(profile, config_file, overrides, flags)
    if config.vertex:
        common.fail(f"profile '{config.profile}' targets Vertex AI; use `vtx compile` or `vtx submit` with it")
    from pipeline.local import execute

    code = execute.execute(
        config, git_commit=common.git_commit(), verbose=verbose, fail_if_not_blessed=fail_if_not_blessed
    )
    sys.exit(code)
