"""Reads the fields that Neptune 1.x runs in offline mode logged, from the files they leave on disk.

An offline run keeps its operations in a disk queue under `<NEPTUNE_DATA_DIRECTORY>/offline/<run dir>/`:
`metadata.json` (container id, creation time, ...) and `data-<first version>.log` files holding one JSON
object per line, `{"obj": {"type": "AssignFloat", "path": ["parameters", "learning_rate"], "value": 0.01},
"version": 6, "at": ...}`. Replaying the operations in version order gives the run's fields.
"""

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Union

# Operations that append values to a series field, and those that empty one.
_SERIES = {"LogFloats", "LogStrings", "LogImages"}
_CLEAR_SERIES = {"ClearFloatLog", "ClearStringLog", "ClearImageLog"}


def read_offline_runs(neptune_dir: Union[str, Path]) -> List[Dict[str, Any]]:
    """The fields of every offline run under `neptune_dir`, oldest run first.

    `neptune_dir` is the NEPTUNE_DATA_DIRECTORY (e.g. `.neptune`) or its `offline` folder. Each run is a dict
    from field path ('parameters/learning_rate', 'sys/name', 'training/fit/epoch/accuracy') to its value:
    the last value assigned to an atom, a list of values for a series (LogFloats, LogStrings) or a string set
    (e.g. 'sys/tags'), a datetime for a datetime field, and for anything else (file uploads, artifacts) the
    operation's own fields without its type and path. A folder without offline runs gives [].
    """
    root = Path(neptune_dir)
    if root.name != "offline":
        root = root / "offline"
    if not root.is_dir():
        return []
    run_dirs = sorted((path for path in root.iterdir() if path.is_dir()), key=_created_at)
    return [_fields(_operations(run_dir)) for run_dir in run_dirs]


def _created_at(run_dir: Path) -> tuple:
    metadata = run_dir / "metadata.json"
    created = json.loads(metadata.read_text()).get("createdAt", "") if metadata.is_file() else ""
    return created, run_dir.name


def _operations(run_dir: Path) -> List[Dict[str, Any]]:
    entries = []
    for log in run_dir.glob("data-*.log"):
        with log.open(encoding="utf-8") as handle:
            entries.extend(json.loads(line) for line in handle if line.strip())
    entries.sort(key=lambda entry: entry["version"])
    return [entry["obj"] for entry in entries]


def _fields(operations: List[Dict[str, Any]]) -> Dict[str, Any]:
    fields: Dict[str, Any] = {}
    for operation in operations:
        kind = operation["type"]
        path = "/".join(operation["path"])
        if kind in _SERIES:
            fields.setdefault(path, []).extend(item["value"] for item in operation["values"])
        elif kind in _CLEAR_SERIES or kind == "ClearStringSet":
            fields[path] = []
        elif kind == "AddStrings":
            values = fields.setdefault(path, [])
            values.extend(value for value in operation["values"] if value not in values)
        elif kind == "RemoveStrings":
            fields[path] = [value for value in fields.get(path, []) if value not in operation["values"]]
        elif kind == "DeleteAttribute":
            fields.pop(path, None)
        elif kind == "AssignDatetime":
            fields[path] = datetime.fromtimestamp(operation["value"] / 1000, tz=timezone.utc)
        elif kind.startswith("Assign") and "value" in operation:
            fields[path] = operation["value"]
        else:
            fields[path] = {key: value for key, value in operation.items() if key not in ("type", "path")}
    return fields
