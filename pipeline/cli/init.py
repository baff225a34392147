"""`vtx init`: describes the CSV files of a folder in modules/dataset.yaml, and drafts modules/schema.pbtxt."""

from pathlib import Path
from typing import Optional, Tuple

import click

from pipeline.cli import common

INIT_EXAMPLES = """
\b
Examples:
  vtx init --label survived --force          # the CSV files in data/, replacing the bundled dataset's files
  vtx init --data ~/churn --label churned --name churn --split-key customer_id
"""


@click.command(name="init", epilog=INIT_EXAMPLES)
@common.config_options
@click.option("--data", type=click.Path(file_okay=False), help="A folder of CSV files. Default: data_root (data/).")
@click.option("--label", required=True, help="The column to predict (a few classes, present in every row).")
@click.option("--name", help="The dataset's name (lowercase, digits, '-'). Default: from the first CSV file's name.")
@click.option("--split-key", help="A column (an id) whose rows stay together in train or eval. Default: none.")
@click.option("--force", is_flag=True, help="Replace an existing modules/dataset.yaml and modules/schema.pbtxt.")
def init_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    data: Optional[str],
    label: str,
    name: Optional[str],
    split_key: Optional[str],
    force: bool,
) -> None:
    """Guess each column's type from the data, write modules/dataset.yaml and a schema draft, print the next step.

    Numbers become numeric features, text with few repeated values categorical ones, and ids, free text and
    constant columns are ignored; each guess is printed with its reason. The schema is TFDV's inference over
    the rows as the pipeline reads them, with a header saying what to review.
    """
    settings = common.settings_tree(profile, config_file, overrides)
    data_root = Path(data).resolve() if data else Path(str(settings.get("data_root") or "data"))
    package_dir = Path(str(settings.get("modules", {}).get("package_dir") or "modules"))
    if "://" in str(data_root):
        common.fail(f"vtx init reads a local folder; copy the CSV files here first (data_root is {data_root})")
    from pipeline.init.run import InitError, Request, init

    request = Request(data_root, label, package_dir, name=name, split_key=split_key, force=force)
    try:
        written = init(request, click.echo)
    except InitError as error:
        common.fail(str(error))
    click.echo(f"Wrote {package_dir / 'dataset.yaml'} (dataset '{written.definition.name}') and a schema draft,")
    click.echo(f"  {package_dir / 'schema.pbtxt'}: review its header before you trust it.")
    same = str(data_root) == str(settings.get("data_root"))
    click.echo("Next: vtx run" + ("" if same else f" --data {data_root}"))
