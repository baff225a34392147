"""End to end: a data folder too small for validation.min_rows, and a model whose run_fn answers NaN, each stop with
their message and push nothing."""

import csv
import shutil
from pathlib import Path

import pytest

from tests.builders.pipeline_runs import PROJECT_ROOT, Run, serving_versions, tree_digest, vtx_run
from tests.builders.project_copy import project_copy, shell

pytestmark = pytest.mark.e2e

NAN_MODEL = '''"""A broken model for a test: every probability it answers is NaN."""

import tensorflow as tf


class Broken(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve(self, examples):
        rows = tf.shape(examples)[0]
        return {"probabilities": tf.fill([rows, 3], float("nan")), "classes": tf.fill([rows], "Adelie")}


def run_fn(fn_args):
    module = Broken()
    tf.saved_model.save(module, fn_args.serving_model_dir, signatures={"serving_default": module.serve})
'''


def test_a_data_folder_too_small_stops_at_validation_naming_split_rows_and_limit(tmp_path: Path):
    rows = list(csv.DictReader((PROJECT_ROOT / "data" / "penguins.csv").open()))[:80]
    data = tmp_path / "data"
    data.mkdir()
    with (data / "penguins.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    run = vtx_run(tmp_path / "out", "--data", str(data), "--set", "tuning.enabled=false")
    assert run.returncode == 1, run.console
    assert "Data validation failed; nothing downstream ran and nothing was pushed." in run.console
    assert "[train] (dataset): too few rows: " in run.console
    assert ", below validation.min_rows.train = 100" in run.console
    assert serving_versions(run.output) == []


def test_a_run_fn_answering_nan_is_not_blessed_and_nothing_is_pushed(first_run: Run, tmp_path: Path):
    project = project_copy(tmp_path / "project")
    (project / "modules" / "nan_model.py").write_text(NAN_MODEL)
    output = tmp_path / "out"
    # The first run's artifacts and ML Metadata, so that everything before the Trainer is cached.
    shutil.copytree(first_run.output, output, ignore=shutil.ignore_patterns("requests.duckdb*"))
    before = tree_digest(output / "serving_model")
    line = (
        f".venv/bin/vtx run --output {output} --data {PROJECT_ROOT / 'data'} --set tuning.enabled=false"
        " --set modules.run_fn=modules.nan_model.run_fn --set evaluation.accuracy_threshold=0.9"
    )
    done = shell(project, line)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Verdict: NOT BLESSED" in done.stdout
    assert "  FAILED: model outputs: " in done.stdout
    assert " eval examples have NaN or infinite probabilities" in done.stdout
    assert "Model: not pushed (not blessed)." in done.stdout
    assert tree_digest(output / "serving_model") == before
