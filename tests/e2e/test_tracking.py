"""End to end: a `vtx run` tracked in the embedded MLflow store, read back, opened, and compared with `vtx runs`."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from mlflow import MlflowClient

from pipeline import mlmd
from tests.builders.pipeline_runs import PROJECT_ROOT, VTX, Run, serving_versions, tracked_parent

pytestmark = pytest.mark.e2e


def _client(run: Run) -> MlflowClient:
    return MlflowClient(tracking_uri=f"sqlite:///{run.output.resolve()}/mlflow.db")


def _evaluator_accuracy(run: Run) -> float:
    import tensorflow_model_analysis as tfma

    nodes = mlmd.node_runs(mlmd.open_store(str(run.output / "metadata.sqlite")), "vertex-tfx-penguins", run.run_id)
    evaluation = nodes["Evaluator"].outputs["evaluation"][0].uri
    overall = [m for key, m in tfma.load_eval_result(evaluation).slicing_metrics if not key][0]
    return overall[""][""]["accuracy"]["doubleValue"]


def test_the_run_is_one_parent_with_a_child_per_trial(first_run: Run):
    parent = tracked_parent(first_run)
    client = _client(first_run)
    children = client.search_runs(
        [parent.info.experiment_id], filter_string=f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'"
    )

    assert len(children) == 3
    assert all(set(child.data.params) == {"hidden_units", "num_layers", "learning_rate"} for child in children)
    top = max(child.data.metrics["score"] for child in children)
    best = [child.data.params for child in children if child.data.metrics["score"] == top]
    # The Trainer trained with the Tuner's best trial (one of them, when trials tie), and says so.
    assert {k: parent.data.params[k] for k in best[0]} in best
    assert parent.data.params["train_steps"] == "300" and parent.data.params["split"] == "4:1"
    assert parent.data.params["seed"] == "7" and parent.data.params["tuning.max_trials"] == "3"


def test_the_parent_holds_epochs_as_steps_and_the_evaluators_accuracy_and_verdict(first_run: Run):
    parent = tracked_parent(first_run)
    history = _client(first_run).get_metric_history(parent.info.run_id, "val_accuracy")

    assert [m.step for m in sorted(history, key=lambda m: m.step)] == list(range(1, 11))
    assert parent.data.metrics["eval.accuracy"] == pytest.approx(_evaluator_accuracy(first_run), abs=1e-6)
    tags = parent.data.tags
    assert tags["vtx.verdict"] == "BLESSED" and tags["vtx.pushed_version"] == serving_versions(first_run.output)[0]
    assert tags["vtx.mlmd_run_id"] == first_run.run_id and len(tags["vtx.input_fingerprint"]) == 64
    store = mlmd.open_store(str(first_run.output / "metadata.sqlite"))
    facts = mlmd.run_facts(store.get_context_by_type_and_name("pipeline_run", first_run.run_id))
    assert (tags["vtx.git_commit"], tags["vtx.data_fingerprint"]) == (facts["git_commit"], facts["data_fingerprint"])
    assert parent.info.status == "FINISHED"


def test_the_summary_prints_the_command_that_opens_the_runs_and_it_works(first_run: Run):
    found = re.search(
        r"^Tracking: mlflow: run \w+ of experiment vertex-tfx-penguins; open: (.+)$", first_run.stdout, re.M
    )
    assert found, first_run.stdout
    command = found.group(1)
    assert (
        command
        == f"{Path(sys.executable).parent / 'mlflow'} ui --backend-store-uri sqlite:///{first_run.output.resolve()}/mlflow.db"
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # As printed, from another folder, on a free port (the default 5000 may be taken on a shared machine).
    server = subprocess.Popen(
        [*command.split(), "--host", "127.0.0.1", "--port", str(port)],
        cwd="/",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/get-by-name?experiment_name=vertex-tfx-penguins"
        body = _poll(url, seconds=90)
        assert '"name": "vertex-tfx-penguins"' in body or '"name":"vertex-tfx-penguins"' in body
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _poll(url: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_vtx_runs_lists_the_run_newest_first(first_run: Run):
    listed = subprocess.run(
        [VTX, "runs", "--output", str(first_run.output)], capture_output=True, text=True, cwd=PROJECT_ROOT
    )

    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[0]: line for line in listed.stdout.splitlines()[1:]}
    assert first_run.run_id in rows and "BLESSED" in rows[first_run.run_id]


def test_a_changed_learning_rate_is_exactly_what_vtx_runs_compare_shows(first_run: Run, learning_rate_run):
    run, changed = learning_rate_run
    compared = subprocess.run(
        [VTX, "runs", "--output", str(run.output), "--compare", first_run.run_id, run.run_id],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )

    assert compared.returncode == 0, compared.stderr
    lines = compared.stdout.splitlines()
    assert lines[-3:] == ["Changed parameters: learning_rate", "Changed data: none", "Changed code: none"]
    [rate] = [line.split() for line in lines if line.split()[:1] == ["learning_rate"]]
    assert rate[2:] == [changed["learning_rate"], "changed"]
