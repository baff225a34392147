"""Unit tests of modules.runtime.tuning: the random search tuner_fn returns, its trials logged to one Neptune run."""

import copy

import keras_tuner
import pytest
import tensorflow as tf
from tfx.components.trainer.fn_args_utils import FnArgs

from modules import features, hparams
from modules.model import OBJECTIVE, build_model
from modules.runtime import tracking, training, tuning
from tests.builders.neptune_offline import read_offline_runs

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


def test_a_trial_callback_is_shared_not_copied(monkeypatch):
    monkeypatch.setenv(tracking.MODE_ENV, "debug")
    run = tracking.start_run("tuning")
    try:
        callback = tuning._TrialCallback(run=run, base_namespace="trials/00")
        assert copy.deepcopy(callback) is callback
        assert copy.deepcopy([callback])[0] is callback
    finally:
        run.stop()


def _batches() -> tf.data.Dataset:
    islands = tf.constant([[0], [1], [2], [0]], tf.int64)
    inputs = {features.transformed_name(key): tf.zeros([4, 1]) for key in features.NUMERIC_FEATURES}
    inputs.update({features.transformed_name(key): islands for key in features.CATEGORICAL_FEATURES})
    return tf.data.Dataset.from_tensors((inputs, tf.reshape(islands, [-1]))).repeat()


def test_search_logs_every_trial_and_the_best_hyperparameters_to_one_run(tmp_path, monkeypatch):
    for name in (tracking.TOKEN_ENV, tracking.PROJECT_ENV, tracking.MODE_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NEPTUNE_DATA_DIRECTORY", str(tmp_path / ".neptune"))
    fn_args = _fn_args(tmp_path, {"max_trials": 2})
    tuner = tuning.random_search(_build, hparams.search_space(), OBJECTIVE, fn_args, seed=SEED)

    tuner.search(**training.fit_kwargs(fn_args, _batches(), _batches(), epochs=1))

    assert tuner._run is None
    [fields] = read_offline_runs(tmp_path / ".neptune")
    assert fields["sys/name"] == "tuning" and fields["sys/tags"] == ["tuning"]
    assert fields["tuning/max_trials"] == 2
    trials = tuner.oracle.trials
    assert len(trials) == 2
    for trial_id, trial in trials.items():
        for name, value in trial.hyperparameters.values.items():
            assert fields[f"trials/{trial_id}/hyperparameters/{name}"] == value
        assert fields[f"trials/{trial_id}/score"] == pytest.approx(trial.score)
        assert len(fields[f"trials/{trial_id}/train/epoch/loss"]) == 1
    best = tuner.get_best_hyperparameters(1)[0].values
    assert {name: fields[f"tuning/best_hyperparameters/{name}"] for name in best} == best
