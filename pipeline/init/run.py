"""Writes modules/dataset.yaml and a schema draft for the CSV files of a folder, and says what it guessed."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import yaml

from pipeline.config.dataset import DATASET_FILE, DEFAULT_DATE_PARTS, DatasetConfig
from pipeline.init import columns as scan
from pipeline.init.columns import Guess, InitError

SCHEMA_FILE = "schema.pbtxt"

DEFINITION_HEADER = """\
# The dataset, named once ({files}; written by `vtx init`, edit it freely). The pipeline derives the rest:
# the label column it checks, the Evaluator's label key and slices, the pipeline's name (vertex-tfx-<name>),
# the registered model's and the endpoint's names. Every column of the CSV is named here once.
# Why each column went where it is:
{reasons}
"""


@dataclass(frozen=True)
class Request:
    data: Path
    label: str
    package_dir: Path
    name: Optional[str] = None
    split_key: Optional[str] = None
    force: bool = False


@dataclass(frozen=True)
class Written:
    guesses: List[Guess]
    definition: DatasetConfig
    files: List[Path]


def _definition(request: Request, files: List[Path], guesses: List[Guess], found: Dict) -> Dict[str, Any]:
    kinds: Dict[str, List[str]] = {"numeric": [], "categorical": [], "date": [], "ignored": []}
    for item in guesses:
        if item.kind in kinds:
            kinds[item.kind].append(item.column)
    if not kinds["date"]:
        del kinds["date"]
    if not kinds["numeric"] and not kinds["categorical"] and not kinds.get("date"):
        raise InitError("no column looks like a feature (all are ignored); name them in dataset.yaml yourself")
    if request.split_key and request.split_key not in found:
        raise InitError(f"--split-key '{request.split_key}' is not a column; the header: {', '.join(found)}")
    return {
        "name": request.name or scan.dataset_name(files),
        "label": request.label,
        "features": kinds,
        "slices": scan.slices(found, guesses),
        "split_key": request.split_key,
        "classes": scan.classes(found[request.label]),
        **({"date_parts": list(DEFAULT_DATE_PARTS)} if kinds.get("date") else {}),
    }


def _yaml(definition: Dict[str, Any], files: List[Path], guesses: List[Guess]) -> str:
    reasons = "\n".join(f"#   {_shown(g.column)}: {g.kind}, {g.reason}" for g in guesses)
    text = DEFINITION_HEADER.format(files=", ".join(path.name for path in files), reasons=reasons)
    body = yaml.safe_dump(definition, sort_keys=False, default_flow_style=None, width=120)
    return text + body


def _shown(column: str) -> str:
    return column if column.strip() else "(a column with no name)"


def _refuse_to_overwrite(paths: List[Path]) -> None:
    existing = [path for path in paths if path.exists()]
    if existing:
        raise InitError(
            f"{' and '.join(str(path) for path in existing)} already exist; pass --force to replace them "
            "(git keeps the old ones)"
        )


def init(request: Request, echo: Callable[[str], None]) -> Written:
    """Scans the data, guesses each column, writes dataset.yaml and schema.pbtxt into the package folder."""
    from pipeline.init import schema_draft

    targets = [request.package_dir / DATASET_FILE, request.package_dir / SCHEMA_FILE]
    if not request.force:
        _refuse_to_overwrite(targets)
    files = scan.csv_files(request.data)
    found = scan.scan(files)
    scan.check_label(found, request.label)
    guesses = [scan.guess(column) for name, column in found.items() if name != request.label]
    if request.split_key:
        guesses = [Guess(g.column, "ignored", "the split key") if g.column == request.split_key else g for g in guesses]
    definition = _definition(request, files, guesses, found)
    try:
        checked = DatasetConfig.model_validate(definition)
    except ValueError as error:
        raise InitError(f"the guessed definition is not valid ({error}); pass --name or edit the data") from None
    echo(f"Read {found[request.label].rows} rows of {', '.join(str(path) for path in files)}:")
    classes = definition["classes"]
    echo(f"  {request.label}: the label, {len(classes)} classes, in this order: {', '.join(classes)}")
    for item in guesses:
        echo(f"  {_shown(item.column)}: {item.kind}, {item.reason}")
    schema = schema_draft.infer(files, definition, found)
    targets[0].write_text(_yaml(definition, files, guesses))
    targets[1].write_text(schema)
    return Written(guesses, checked, files)


__all__ = ["InitError", "Request", "Written", "init"]
