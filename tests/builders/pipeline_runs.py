"""Runs the real `vtx run` in a subprocess and inspects what it left behind."""

import csv
import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VTX = str(Path(sys.executable).parent / "vtx")
# The DAG's node ids, in pipeline order.
NODE_IDS = [
    "CsvExampleGen",
    "StatisticsGen",
    "SchemaGen",
    "ExampleValidator",
    "Transform",
    "Tuner",
    "Trainer",
    "Resolver",
    "Evaluator",
    "Pusher",
]
# Set while the first run executes; it must never be written anywhere.
FAKE_TOKEN = "neptune-token-that-must-not-leak-5f2b9c"


@dataclass
class Run:
    """One finished `vtx run`: its exit code, console output and output folder."""

    returncode: int
    stdout: str
    stderr: str
    output: Path

    @property
    def console(self) -> str:
        return self.stdout + self.stderr

    @property
    def run_id(self) -> str:
        match = re.search(r"^vtx run (\S+):", self.stdout, re.MULTILINE)
        assert match, self.console
        return match.group(1)

    @property
    def report(self) -> Path:
        """The HTML report whose path the run printed last."""
        match = re.search(r"^Report: (/\S+\.html)$", self.stdout, re.MULTILINE)
        assert match, self.console
        return Path(match.group(1))


@dataclass
class StoppedRun:
    """A run stopped at validation, and the digest of the serving directory just before it."""

    run: Run
    models_before: str


def vtx_run(output: Path, *args: str, env: Optional[Dict[str, str]] = None) -> Run:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("NEPTUNE_", "VTX_"))}
    environ.update(env or {})
    command: List[str] = [VTX, "run", "--output", str(output), *args]
    done = subprocess.run(command, capture_output=True, text=True, env=environ, cwd=PROJECT_ROOT, timeout=900)
    return Run(done.returncode, done.stdout, done.stderr, output)


# The bundled dataset's name (modules/dataset.yaml): its models live in serving_model/<name>/.
DATASET = "penguins"


def serving_dir(output: Path, dataset: str = DATASET) -> Path:
    return output / "serving_model" / dataset


def serving_versions(output: Path, dataset: str = DATASET) -> List[str]:
    root = serving_dir(output, dataset)
    return sorted(p.name for p in root.iterdir() if p.name.isdigit()) if root.is_dir() else []


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()


def corrupt_data(target: Path) -> Path:
    """A copy of data/penguins.csv with the string "long" in bill_length_mm on every tenth row."""
    rows = list(csv.DictReader((PROJECT_ROOT / "data" / "penguins.csv").open()))
    for row in rows[::10]:
        row["bill_length_mm"] = "long"
    target.mkdir()
    with (target / "penguins.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return target


def code_copy(target: Path, hparams_tail: str) -> Path:
    """A copy of the code (pipeline/, components/, modules/) with `hparams_tail` appended to modules/hparams.py.

    `python -m pipeline` run from the copy imports the copy, so a test can change the data scientist's knobs
    without touching this checkout. Its data and schema stay this checkout's (same cache keys upstream).
    """
    for name in ("pipeline", "components", "modules"):
        shutil.copytree(PROJECT_ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    hparams = target / "modules" / "hparams.py"
    hparams.write_text(hparams.read_text() + "\n\n" + hparams_tail)
    return target


def vtx_run_from(code: Path, output: Path, *args: str, env: Optional[Dict[str, str]] = None) -> Run:
    """`python -m pipeline run` from a code copy, on this checkout's data and reviewed schema."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("NEPTUNE_", "VTX_"))}
    environ.update(env or {})
    data, schema = PROJECT_ROOT / "data", PROJECT_ROOT / "modules" / "schema.pbtxt"
    command = [sys.executable, "-m", "pipeline", "run", "--output", str(output), "--data", str(data), *args]
    command += ["--set", f"schema_path={schema}"]
    done = subprocess.run(command, capture_output=True, text=True, env=environ, cwd=code, timeout=900)
    return Run(done.returncode, done.stdout, done.stderr, output)


def tracked_parent(run: Run):
    """The MLflow run of a `vtx run` in its output's embedded store (mlflow.entities.Run)."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{run.output.resolve()}/mlflow.db")
    experiment = client.get_experiment_by_name("vertex-tfx-penguins")
    query = f"tags.`vtx.pipeline_run_id` = '{run.run_id}' and tags.`vtx.role` = 'pipeline'"
    [parent] = client.search_runs([experiment.experiment_id], filter_string=query)
    return parent
