"""Help examples that name the configured dataset's columns, filled in when --help is shown, never at import."""

import csv
import json
from pathlib import Path
from typing import Any, Dict, Optional

import click

# Tokens an epilog may hold; each is replaced from modules/dataset.yaml (and a row of the data, if readable).
TOKENS = ("<PIPELINE>", "<INSTANCE>", "<FEATURE>")


def _first_row(data_root: str) -> Dict[str, str]:
    try:
        path = sorted(Path(data_root).glob("*.csv"))[0]
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return next(csv.DictReader(handle), None) or {}
    except (IndexError, OSError, UnicodeDecodeError, csv.Error):
        return {}


def _value(cell: Optional[str], numeric: bool) -> Any:
    if cell in (None, "", "NA"):
        return None
    if not numeric:
        return cell
    try:
        return float(str(cell))
    except ValueError:
        return None


def replacements() -> Dict[str, str]:
    """Each token's text for the dataset in force; generic words when no definition can be read."""
    from pipeline.config import ConfigError, load_config

    try:
        config = load_config()
    except (ConfigError, OSError):
        return {"<PIPELINE>": "vertex-tfx-<dataset>", "<INSTANCE>": '{"FEATURE": VALUE}', "<FEATURE>": "FEATURE"}
    dataset, row = config.dataset, _first_row(config.data_root)
    instance = {key: _value(row.get(key), True) for key in dataset.features.numeric}
    instance.update({key: _value(row.get(key), False) for key in dataset.features.categorical + dataset.features.date})
    feature = (dataset.features.categorical or dataset.features.numeric)[0]
    return {"<PIPELINE>": dataset.pipeline_name, "<INSTANCE>": json.dumps(instance), "<FEATURE>": feature}


class DatasetExamples(click.Command):
    """A command whose epilog's TOKENS name the dataset's own columns."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.epilog and any(token in self.epilog for token in TOKENS):
            text = self.epilog
            for token, value in replacements().items():
                text = text.replace(token, value)
            self.epilog = text
        super().format_epilog(ctx, formatter)
