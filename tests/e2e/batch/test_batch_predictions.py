"""`vtx batch-predict` with the first run's model: its predictions are the in-process model's, on folders and gs://."""

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

from tests.builders.pipeline_runs import PROJECT_ROOT, Run

pytestmark = pytest.mark.e2e

VTX = str(Path(sys.executable).parent / "vtx")
FLOATS = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
STRINGS = ("island", "sex")
CLASSES_COLUMN = "predicted_class"


@pytest.fixture(scope="module")
def model_root(first_run: Run, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("batch-registry")
    shutil.copytree(first_run.output / "serving_model", root / "serving_model")
    return root


def direct(model_dir: Path, rows: List[Dict[str, str]]):
    """The SavedModel's serving_raw signature called in this process on the same rows: the reference."""
    import tensorflow as tf

    model = tf.saved_model.load(str(model_dir))
    missing = ("", "NA")
    inputs = {
        name: tf.constant([np.nan if r[name] in missing else float(r[name]) for r in rows], tf.float32)
        for name in FLOATS
    }
    inputs.update({name: tf.constant(["" if r[name] in missing else r[name] for r in rows]) for name in STRINGS})
    out = model.signatures["serving_raw"](**inputs)
    names = [n.decode() for n in out["class_names"][0].numpy()]
    return [c.decode() for c in out["classes"].numpy()], out["probabilities"].numpy(), names


def batch_predict(model_root: Path, source: str, dest: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VTX_")}
    command = [VTX, "batch-predict", "--input", source, "--to", dest, "--output", str(model_root)]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def check(text: str, model_root: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(text)))
    source = list(csv.DictReader((PROJECT_ROOT / "data" / "penguins.csv").open()))
    assert len(rows) == len(source) == 344
    assert [{k: r[k] for k in source[0]} for r in rows] == source
    [version] = [p for p in (model_root / "serving_model" / "penguins").iterdir() if p.name.isdigit()]
    classes, probabilities, names = direct(version, source)
    got = np.array([[float(r[f"probability_{n}"]) for n in names] for r in rows])
    np.testing.assert_allclose(got, probabilities, atol=1e-6)
    assert [r[CLASSES_COLUMN] for r in rows] == classes
    assert {r["model_version"] for r in rows} == {version.name}


def test_predictions_on_a_local_folder_are_the_models(model_root, tmp_path):
    (tmp_path / "in").mkdir()
    shutil.copy(PROJECT_ROOT / "data" / "penguins.csv", tmp_path / "in")
    done = batch_predict(model_root, str(tmp_path / "in"), str(tmp_path / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    [output] = (tmp_path / "out").glob("penguins.*.csv")
    check(output.read_text(), model_root)
    assert [p.name for p in (tmp_path / "in" / "processed").iterdir()] == [output.name]


def test_predictions_on_gcs_are_the_models(model_root, storage_emulator):
    bucket = storage_emulator.client().create_bucket("penguin-drops")
    bucket.blob("in/penguins.csv").upload_from_filename(str(PROJECT_ROOT / "data" / "penguins.csv"))
    done = batch_predict(model_root, "gs://penguin-drops/in", "gs://penguin-drops/out")
    assert done.returncode == 0, done.stdout + done.stderr
    [output] = [b for b in bucket.list_blobs(prefix="out/") if b.name.endswith(".csv")]
    check(output.download_as_text(), model_root)
    assert [b.name for b in bucket.list_blobs(prefix="in/")] == ["in/processed/" + output.name[len("out/") :]]
