"""Logged prediction traffic for `vtx monitor` tests: rows in pipeline/request_log.py's format, in a DuckDB file."""

import csv
import datetime
import json
import random
import uuid
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from pipeline.serving import request_log
from tests.builders.pipeline_runs import PROJECT_ROOT

NUMERIC = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
CATEGORICAL = ("island", "sex")
ENDPOINT = "projects/local/locations/local/endpoints/vtx-serve"


def penguins() -> List[Dict[str, str]]:
    return list(csv.DictReader((PROJECT_ROOT / "data" / "penguins.csv").open()))


def as_instance(row: Dict[str, str]) -> Dict[str, object]:
    """A CSV row as a client sends it: numbers as floats, a missing value ("NA") left out, no label, no year."""
    instance: Dict[str, object] = {name: float(row[name]) for name in NUMERIC if row[name] not in ("", "NA")}
    instance.update({name: row[name] for name in CATEGORICAL if row[name] not in ("", "NA")})
    return instance


def resampled(count: int, seed: int) -> List[Dict[str, object]]:
    """`count` instances drawn with replacement from data/penguins.csv."""
    rows = penguins()
    chooser = random.Random(seed)
    return [as_instance(chooser.choice(rows)) for _ in range(count)]


def shifted(instances: List[Dict[str, object]], seed: int) -> List[Dict[str, object]]:
    """Bills 12 mm longer, and a quarter of the penguins on an island the model never saw."""
    chooser = random.Random(seed)
    result = []
    for instance in instances:
        changed = dict(instance)
        if "bill_length_mm" in changed:
            changed["bill_length_mm"] = float(changed["bill_length_mm"]) + 12.0  # type: ignore[arg-type]
        if chooser.random() < 0.25:
            changed["island"] = "Atlantis"
        result.append(changed)
    return result


def write_requests(
    path: Path,
    instances: List[Dict[str, object]],
    start: datetime.datetime,
    end: datetime.datetime,
    model_version: Optional[str],
    per_request: int = 3,
) -> int:
    """Logs the instances as requests of `per_request` instances spread evenly over [start, end); returns the count."""
    import duckdb

    batches = [instances[i : i + per_request] for i in range(0, len(instances), per_request)]
    step = (end - start) / max(len(batches), 1)
    rows = [_row(batch, start + step * index, model_version) for index, batch in enumerate(batches)]
    with duckdb.connect(str(path)) as connection:
        connection.execute(request_log.DUCKDB_DDL)
        placeholders = ", ".join("?" for _ in request_log.COLUMNS)
        connection.executemany(f"INSERT INTO {request_log.TABLE} VALUES ({placeholders})", rows)
    return len(rows)


def _row(batch: List[Dict[str, object]], when: datetime.datetime, version: Optional[str]) -> Iterable[object]:
    response = {
        "predictions": [{"classes": "Adelie", "probabilities": [1.0, 0.0, 0.0]} for _ in batch],
        "deployedModelId": "vtx-serve",
        "model": "vertex-tfx-penguins",
        "modelVersionId": version or "",
    }
    return (
        ENDPOINT,
        "vtx-serve",
        when,
        str(uuid.uuid4()),
        json.dumps({"instances": batch}),
        json.dumps(response),
        version,
        1.5,
    )
