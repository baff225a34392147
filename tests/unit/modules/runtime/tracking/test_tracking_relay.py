"""Tracking through the run's tracker process: calls made there in order, failures raised at the run's end."""

import logging
import threading
from pathlib import Path
from typing import Mapping, Optional

import pytest
from mlflow import MlflowClient

from modules.runtime import tracking
from modules.runtime.tracking import relay
from modules.runtime.tracking.base import Backend, Run
from modules.runtime.tracking.mlflow_store import MlflowBackend
from modules.runtime.tracking.off import NoRun
from pipeline.tracking import worker
from tests.builders.tracked_runs import tune_then_train

pytestmark = pytest.mark.unit


@pytest.fixture
def socket_path(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "relay.sock")
    monkeypatch.setenv(relay.RELAY_ENV, path)
    return path


def test_the_name_is_the_pipelines():
    assert relay.RELAY_ENV == worker.RELAY_ENV


def test_relayed_calls_land_in_the_store_as_calls_made_here(settings, socket_path):
    opened = []
    relay.serve(socket_path, lambda: opened.append(threading.current_thread().name) or MlflowBackend(settings))

    tuner, trainer = tune_then_train(settings)
    assert type(tuner.native).__name__ == "RelayRun"  # this process holds no client
    where = trainer.where()

    assert opened == ["tracking-relay"]  # one client, opened on the relay's thread
    client = MlflowClient(tracking_uri=settings.uri)
    runs = client.search_runs([client.get_experiment_by_name(settings.experiment).experiment_id])
    [parent] = [r for r in runs if r.data.tags["vtx.role"] == "pipeline"]
    children = [r for r in runs if r.data.tags["vtx.role"] == "trial"]
    assert where["backend"] == "mlflow" and where["run"] == parent.info.run_id and "warning" not in where
    assert parent.info.status == "FINISHED"
    assert parent.data.params == {"learning_rate": "0.03", "train_steps": "300"}
    history = client.get_metric_history(parent.info.run_id, "val_accuracy")
    assert [(m.step, m.value) for m in history] == [(1, 0.5), (2, 0.75), (3, 0.875)]
    assert sorted((r.info.run_name, r.data.params["learning_rate"]) for r in children) == [
        ("trial-00", "0.01"),
        ("trial-01", "0.03"),
    ]
    assert {r.info.status for r in children} == {"FINISHED"}
    assert {r.data.tags["mlflow.parentRunId"] for r in children} == {parent.info.run_id}
    assert tracking.list_runs(vars(settings), 5)[0]["run_id"] == "20261204-101500-123"


class _FailingRun(NoRun):
    def log_metrics(self, metrics: Mapping[str, float], step: Optional[int] = None) -> None:
        raise OSError("disk full")


class _FailingBackend(Backend):
    name = "mlflow"

    def pipeline_run(self, run_id: str) -> Run:
        return _FailingRun()

    def list_runs(self, limit: int) -> list:
        return []


def test_a_call_that_failed_there_turns_the_tracker_off_at_the_runs_end(settings, socket_path, caplog):
    relay.serve(socket_path, _FailingBackend)

    with caplog.at_level(logging.WARNING, logger="vtx.tracking"):
        run = tracking.pipeline_run(settings, "20261204-101500-123")
        run.log_params({"learning_rate": 0.01})
        run.log_metrics({"val_accuracy": 0.5}, step=1)  # fails in the tracker process, unseen here
        run.log_metrics({"val_accuracy": 0.6}, step=2)
        run.end()

    warnings = [r.getMessage() for r in caplog.records if r.name == "vtx.tracking"]
    off = [w for w in warnings if "is off for the rest of this run" in w]
    assert len(off) == 1 and "OSError: disk full" in off[0]
    assert run.where()["warning"] == off[0]


def test_where_nothing_answers_this_process_opens_the_client(settings, socket_path):
    assert not Path(socket_path).exists()
    assert tracking.open_backend(settings).name == "mlflow"  # the client itself, not the relay


@pytest.mark.parametrize("backend", ["neptune", "vertex", "none"])
def test_other_backends_keep_their_client_here(socket_path, monkeypatch, backend):
    settings = tracking.Settings(backend=backend, project="p", location="us-central1")
    assert tracking.serve_relay(vars(settings), socket_path) is False
    assert not Path(socket_path).exists()
    relay.serve(socket_path, _FailingBackend)  # even with a relay there, the client stays in the caller
    here = _FailingBackend()
    monkeypatch.setattr(tracking, "_client_backend", lambda parsed: here)
    assert tracking.open_backend(settings) is here


def test_serve_relay_serves_an_mlflow_tracker(settings, socket_path):
    assert tracking.serve_relay(vars(settings), socket_path) is True
    assert tracking.open_backend(settings).name == "relay"


def test_a_relay_that_cannot_open_its_client_refuses_and_the_caller_opens_its_own(settings, socket_path):
    def broken() -> Backend:
        raise RuntimeError("no store")

    relay.serve(socket_path, broken).join(timeout=10)
    assert tracking.open_backend(settings).name == "mlflow"  # the client itself, not the relay
