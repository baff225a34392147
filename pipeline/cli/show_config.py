"""`vtx config`: the resolved settings as YAML, after every layer and override."""

from typing import Optional, Tuple

import click

from pipeline.cli import common


@click.command(name="config")
@common.config_options
def config_command(profile: Optional[str], config_file: Optional[str], overrides: Tuple[str, ...]) -> None:
    """Print the resolved settings as YAML, after every override.

    \b
    Examples:
      vtx config
      VTX_TUNING__TRIALS=5 vtx config --set training.train_steps=50
    """
    import yaml

    config = common.build_config(profile, config_file, overrides)
    click.echo(yaml.safe_dump(config.model_dump(), sort_keys=False))
