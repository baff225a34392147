"""`vtx rehearse` on data/, in order on one rehearsal root: what Vertex AI would run, reuse and push each time."""

from pathlib import Path

import pytest

from tests.builders.pipeline_runs import corrupt_data

pytestmark = pytest.mark.e2e

CONTAINER_TASKS = [
    "CsvExampleGen",
    "Evaluator",
    "ExampleValidator",
    "Pusher",
    "SchemaGen",
    "StatisticsGen",
    "Trainer",
    "Transform",
    "Tuner",
]
RESOLVERS = ["Resolver-model-blessing-resolver", "Resolver-model-resolver"]


def blessings(rehearsals, job_output: str) -> list:
    """The blessings the Evaluator of the rehearsal whose output is `job_output` produced."""
    job = next(line.split()[1].rstrip(":") for line in job_output.splitlines() if line.startswith("Job "))
    return [a for a in rehearsals.artifacts() if a["job"] == job and a["schema_title"] == "tfx.ModelBlessing"]


def test_a_first_rehearsal_runs_every_task_blesses_and_pushes_version_1(rehearsals):
    run = rehearsals.run()
    assert run.returncode == 0, run.output
    assert run.named("executed") == CONTAINER_TASKS
    assert run.named("resolved") == RESOLVERS
    assert "Verdict: BLESSED" in run.output
    assert "Model: version 1 pushed" in run.output
    assert rehearsals.versions() == {"1": ["candidate", "staging"]}
    # Dataflow and the Training jobs are named once, as what the rehearsal does instead.
    assert run.output.count("Dataflow's flags not used: --runner=DataflowRunner") == 1
    assert "Staged modules at gs://my-bucket-1/modules/" in run.output
    print(f"first rehearsal: {run.seconds:.0f}s")


def test_a_second_rehearsal_re_evaluates_against_the_first_model_and_pushes_nothing(rehearsals):
    """Not "executes nothing": Vertex AI would re-run the Evaluator, whose inputs changed.

    On the first run the baseline resolver found no blessed model; now it finds the first run's, so the
    Evaluator's baseline_model input is a new artifact, its cache key is new, and the Pusher (whose inputs the
    Evaluator makes) runs again too. It pushes nothing: the model is the version already in staging.
    """
    run = rehearsals.run()
    assert run.returncode == 0, run.output
    assert run.named("executed") == ["Evaluator", "Pusher"]
    assert "Model: not pushed: this model is already version 1 in staging" in run.output
    assert rehearsals.versions() == {"1": ["candidate", "staging"]}
    print(f"second rehearsal: {run.seconds:.0f}s")


def test_a_commit_that_changes_no_data_module_or_schema_re_runs_nothing(rehearsals):
    """Also the third rehearsal of the same inputs: the Evaluator's baseline is now the same as last time."""
    run = rehearsals.run(commit="fedcba987654")
    assert run.returncode == 0, run.output
    assert run.named("executed") == []
    assert run.named("cached") == CONTAINER_TASKS
    print(f"third rehearsal (another commit): {run.seconds:.0f}s")


def test_a_changed_train_steps_re_runs_the_trainer_onward_and_pushes_version_2_over_version_1(rehearsals):
    before = {a["name"] for a in rehearsals.artifacts() if a["schema_title"] == "tfx.Model"}
    run = rehearsals.run("--param", "train_steps=40")
    assert run.returncode == 0, run.output
    assert run.named("executed") == ["Evaluator", "Pusher", "Trainer"]
    assert "Model: version 2 pushed" in run.output
    assert rehearsals.versions() == {"1": [], "2": ["candidate", "staging"]}
    (blessing,) = blessings(rehearsals, run.output)
    assert blessing["metadata"]["baseline_model_id"] in before
    print(f"train_steps rehearsal: {run.seconds:.0f}s")


def test_a_modules_only_change_re_runs_the_tasks_that_read_modules(rehearsals):
    model = rehearsals.project / "modules" / "model.py"
    model.write_text(model.read_text() + "\n# A change of the model's code only.\n")
    run = rehearsals.run("--param", "train_steps=40")
    assert run.returncode == 0, run.output
    # The schema did not change, so SchemaGen and ExampleValidator are reused; Transform, Tuner and Trainer
    # read modules/ (its content address changed), and the Evaluator and Pusher take the new model.
    assert run.named("executed") == ["Evaluator", "Pusher", "Trainer", "Transform", "Tuner"]
    assert run.named("cached") == ["CsvExampleGen", "ExampleValidator", "SchemaGen", "StatisticsGen"]
    print(f"modules-only rehearsal: {run.seconds:.0f}s")


def test_corrupted_data_stops_at_the_example_validator_and_nothing_after_it_runs(rehearsals, tmp_path):
    versions = rehearsals.versions()
    run = rehearsals.run("--param", "train_steps=40", data=corrupt_data(Path(tmp_path) / "data"))
    assert run.returncode == 1, run.output
    assert run.tasks["ExampleValidator"] == "failed"
    assert run.named("not run") == ["Evaluator", "Pusher", "Trainer", "Transform", "Tuner"]
    assert "Rerun this task alone: sh " in run.output
    assert rehearsals.versions() == versions
    print(f"corrupted-data rehearsal: {run.seconds:.0f}s")
