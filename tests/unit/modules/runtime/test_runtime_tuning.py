"""Unit tests of modules.runtime.tuning: the random search tuner_fn returns, each trial a child of the run."""

import keras_tuner
import pytest
import tensorflow as tf
from tfx.components.trainer.fn_args_utils import FnArgs

from modules import features, hparams
from modules.model import OBJECTIVE, build_model
from modules.runtime import tracking, training, tuning

pytestmark = pytest.mark.unit

SEED = 7

VOCAB_SIZES = {"island": 4, "sex": 4}


def _fn_args(tmp_path, custom_config) -> FnArgs:
    return FnArgs(
        working_dir=str(tmp_path / "tuner"),
        train_files=["train-0.gz"],
        eval_files=["eval-0.gz"],
        train_steps=2,
        eval_steps=1,
        custom_config=custom_config,
    )


def _build(hp: keras_tuner.HyperParameters) -> tf.keras.Model:
    return build_model(hp, VOCAB_SIZES, 3)


def test_random_search_takes_max_trials_from_the_pipeline_and_the_objective_from_the_model(tmp_path):
    space = hparams.search_space()

    tuner = tuning.random_search(_build, space, OBJECTIVE, _fn_args(tmp_path, {"max_trials": 5}), seed=3)

    assert isinstance(tuner, tuning.TrackedRandomSearch)
    assert tuner.oracle.max_trials == 5
    assert (tuner.oracle.objective.name, tuner.oracle.objective.direction) == ("val_accuracy", "max")
    assert tuner.oracle.seed == 3
    assert tuner.oracle.hyperparameters.values == space.values
    assert tuner.project_dir == str(tmp_path / "tuner" / "search")
    assert tuner._input_files == ["train-0.gz", "eval-0.gz"]


def test_random_search_defaults_to_three_trials(tmp_path):
    tuner = tuning.random_search(_build, hparams.search_space(), OBJECTIVE, _fn_args(tmp_path, {}), seed=3)
    assert tuner.oracle.max_trials == tuning.DEFAULT_MAX_TRIALS == 3


def test_an_epoch_callback_is_shared_not_copied():
    import copy

    from modules.runtime.tracking.keras import epoch_callback

    callback = epoch_callback(tracking.pipeline_run(tracking.Settings(), "r"))
    assert copy.deepcopy(callback) is callback
    assert copy.deepcopy([callback])[0] is callback


def _batches() -> tf.data.Dataset:
    islands = tf.constant([[0], [1], [2], [0]], tf.int64)
    inputs = {features.transformed_name(key): tf.zeros([4, 1]) for key in features.NUMERIC_FEATURES}
    inputs.update({features.transformed_name(key): islands for key in features.CATEGORICAL_FEATURES})
    return tf.data.Dataset.from_tensors((inputs, tf.reshape(islands, [-1]))).repeat()


def test_search_logs_every_trial_as_a_child_of_the_pipeline_run(tmp_path, monkeypatch):
    from mlflow import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    settings = {"backend": "mlflow", "uri": uri, "experiment": "e", "timeout_seconds": 60}
    monkeypatch.setenv(tracking.context.RUN_ID_ENV, "vtx-run-3")
    fn_args = _fn_args(tmp_path, {"max_trials": 2, tracking.SETTINGS_KEY: settings})
    monkeypatch.setattr(tracking.context, "files_fingerprint", lambda patterns: "fp")
    tuner = tuning.random_search(_build, hparams.search_space(), OBJECTIVE, fn_args, seed=SEED)

    tuner.search(**training.fit_kwargs(fn_args, _batches(), _batches(), epochs=1))

    assert tuner._run is None
    client = MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name("e").experiment_id])
    [parent] = [r for r in runs if r.data.tags["vtx.role"] == "pipeline"]
    children = {r.info.run_name: r for r in runs if r.data.tags["vtx.role"] == "trial"}
    assert parent.data.params == {"tuning.max_trials": "2"}
    assert parent.data.tags["vtx.input_fingerprint"] == "fp"
    trials = tuner.oracle.trials
    assert sorted(children) == sorted(f"trial-{trial_id}" for trial_id in trials)
    for trial_id, trial in trials.items():
        child = children[f"trial-{trial_id}"]
        assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert child.data.params == {name: str(value) for name, value in trial.hyperparameters.values.items()}
        assert child.data.metrics["score"] == pytest.approx(trial.score)
        assert [m.step for m in client.get_metric_history(child.info.run_id, "loss")] == [1]
    assert parent.data.metrics["tuning.best_score"] == pytest.approx(max(t.score for t in trials.values()))


def test_inside_a_pipeline_task_the_trials_go_to_the_tasks_working_dir_afresh(tmp_path):
    assert tuning.trials_directory(_fn_args(tmp_path, {})) == (str(tmp_path / "tuner"), True)


def test_a_vertex_tuning_job_keeps_the_trials_of_its_run_under_the_pipeline_root(tmp_path, monkeypatch):
    """The job's workers get /tmp as working_dir, which goes with the job: the pipeline's folder outlives it."""
    root = tmp_path / "pipeline-root" / "tuner"
    monkeypatch.setenv(tracking.context.RUN_ID_ENV, "vertex-tfx-penguins-20261205101500")
    fn_args = _fn_args(tmp_path, {"max_trials": 1, tuning.TRIALS_DIR_KEY: f"{root}/"})
    fn_args.working_dir = "/tmp"

    tuner = tuning.random_search(_build, hparams.search_space(), OBJECTIVE, fn_args, seed=SEED)
    tuner.search(**training.fit_kwargs(fn_args, _batches(), _batches(), epochs=1))

    run_dir = root / "vertex-tfx-penguins-20261205101500"
    assert tuner.project_dir == str(run_dir / "search")
    [trial] = tuner.oracle.trials
    assert (run_dir / "search" / f"trial_{trial}" / "trial.json").is_file()
    assert (run_dir / "search" / "oracle.json").is_file()


def test_a_second_worker_of_the_job_leaves_the_trials_already_there(tmp_path, monkeypatch):
    root = tmp_path / "tuner"
    monkeypatch.setenv(tracking.context.RUN_ID_ENV, "run-1")
    kept = root / "run-1" / "search" / "trial_00" / "checkpoint"
    kept.parent.mkdir(parents=True)
    kept.write_text("another worker's")

    tuning.random_search(
        _build, hparams.search_space(), OBJECTIVE, _fn_args(tmp_path, {tuning.TRIALS_DIR_KEY: str(root)}), 3
    )

    assert kept.read_text() == "another worker's"


def test_trials_under_the_pipeline_root_need_the_run_id(tmp_path, monkeypatch):
    monkeypatch.delenv(tracking.context.RUN_ID_ENV, raising=False)
    fn_args = _fn_args(tmp_path, {tuning.TRIALS_DIR_KEY: "gs://my-bucket-1/root/tuner"})

    with pytest.raises(ValueError, match="gs://my-bucket-1/root/tuner.*VTX_PIPELINE_RUN_ID"):
        tuning.trials_directory(fn_args)


def test_a_search_scores_every_trial_without_writing_its_weights(tmp_path):
    fn_args = _fn_args(tmp_path, {"max_trials": 2})
    tuner = tuning.random_search(_build, hparams.search_space(), OBJECTIVE, fn_args, seed=SEED)

    tuner.search(**training.fit_kwargs(fn_args, _batches(), _batches(), epochs=2))

    trials = tuner.oracle.get_best_trials(2)
    assert len(trials) == 2 and all(trial.score is not None for trial in trials)
    assert trials[0].best_step in (0, 1)
    assert tuner.get_best_hyperparameters(1)[0].values == trials[0].hyperparameters.values
    assert not list((tmp_path / "tuner").rglob("checkpoint*"))
    with pytest.raises(NotImplementedError, match="keeps no trial's weights"):
        tuner.get_best_models(1)
