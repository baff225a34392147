"""Vertex AI's cache key, rehearsed: it changes exactly when an input of the task changes."""

import copy

import pytest

from pipeline.rehearse import spec
from pipeline.rehearse.cache import cache_key

pytestmark = pytest.mark.unit


def upstream(name: str, **metadata) -> dict:
    return {"name": name, "uri": f"gs://b/{name}", "type": {"schemaTitle": "tfx.Examples"}, "metadata": metadata}


@pytest.fixture
def trainer(job, tasks):
    task = tasks["Trainer"]
    parameters = spec.task_parameters(task, spec.job_parameters(job, {}), None)
    inputs = {"examples": [upstream("a/1")], "schema": [upstream("a/2")]}
    return task, parameters, inputs


def test_the_same_task_inputs_and_parameters_give_the_same_key(trainer):
    task, parameters, inputs = trainer
    assert cache_key(task, parameters, inputs) == cache_key(task, dict(parameters), copy.deepcopy(inputs))


def test_an_artifact_is_known_by_its_name_not_its_metadata(trainer):
    task, parameters, inputs = trainer
    # A cached upstream task hands on the same artifact, whatever its metadata says.
    same = {**inputs, "examples": [upstream("a/1", span=3)]}
    assert cache_key(task, parameters, same) == cache_key(task, parameters, inputs)


@pytest.mark.parametrize(
    "change",
    ["parameter", "input artifact", "missing input", "container args", "image", "component"],
)
def test_any_input_change_gives_a_new_key(trainer, change):
    task, parameters, inputs = trainer
    before = cache_key(task, parameters, inputs)
    if change == "parameter":
        parameters = {**parameters, "train_steps": parameters["train_steps"] + 1}
    elif change == "input artifact":
        inputs = {**inputs, "examples": [upstream("a/9")]}
    elif change == "missing input":
        inputs = {**inputs, "schema": []}
    else:
        changed = copy.deepcopy(task)
        if change == "container args":
            changed.executor["container"]["args"].append("--flag")
        elif change == "image":
            changed.executor["container"]["image"] += "-2"
        else:
            changed.component["outputDefinitions"]["artifacts"].pop("model_run")
        task = changed
    assert cache_key(task, parameters, inputs) != before


def test_the_job_name_placeholder_is_keyed_as_written(job, tasks):
    """The Pusher's pipeline_run_id is {{$.pipeline_job_name}} in the spec; the key does not see each job's name."""
    task = tasks["Pusher"]
    values = spec.job_parameters(job, {})
    assert spec.task_parameters(task, values, None)["pipeline_run_id"] == spec.JOB_NAME_PLACEHOLDER
    assert spec.task_parameters(task, values, "job-1")["pipeline_run_id"] == "job-1"
