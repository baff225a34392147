"""A KerasTuner random search that tracks each trial as a child run of the pipeline run."""

from typing import Any, Callable, Dict, List, Optional, Tuple

import keras_tuner
import tensorflow as tf
from keras_tuner.engine import tuner_utils
from tfx.components.trainer.fn_args_utils import FnArgs

from modules.runtime import data, tracking, training
from modules.runtime.tracking.keras import epoch_callback

# Trials when the pipeline passes no max_trials (its tuning settings always do).
DEFAULT_MAX_TRIALS = 3
# custom_config key (TFX's) of the folder a Vertex AI tuning job keeps its trials in, set by pipeline/dag/targets.py.
# modules/ cannot import pipeline/, so this is a copy; a unit test holds the two and TFX's name equal.
TRIALS_DIR_KEY = "remote_trials_working_dir"


class TrackedRandomSearch(keras_tuner.RandomSearch):
    """RandomSearch whose search() opens the pipeline's run and tracks each trial as a child run of it."""

    def __init__(self, *args: Any, input_files: List[str], settings: tracking.Settings, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._input_files = input_files
        self._settings = settings
        self._run: Optional[tracking.Run] = None
        self._trials: Dict[str, tracking.Run] = {}

    def search(self, *args: Any, **kwargs: Any) -> None:
        run = tracking.pipeline_run(self._settings)
        self._run = run
        try:
            run.set_tags(tracking.context.tags(self._input_files))
            run.log_params({"tuning.max_trials": self.oracle.max_trials})
            super().search(*args, **kwargs)
            best = self.oracle.get_best_trials(1)
            if best and best[0].score is not None:
                run.log_metrics({"tuning.best_score": best[0].score})
        finally:
            self._run = None
            run.end()

    def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> Any:
        """KerasTuner's run_trial without its per-trial checkpoint of the best epoch's weights.

        KerasTuner writes those weights at every improving epoch, for `get_best_models`; the pipeline never asks
        for a trial's model (the Trainer trains the best hyperparameters afresh), so the writes were about a
        fourteenth of the Tuner's time for nothing. Everything else is as KerasTuner does it: fresh callbacks
        per execution, TensorBoard folders per trial, and the oracle told of every epoch.
        """
        callbacks = list(kwargs.pop("callbacks", []))
        if self._run is not None:
            child = self._run.child(f"trial-{trial.trial_id}")
            child.log_params(trial.hyperparameters.values)
            self._trials[trial.trial_id] = child
            callbacks.append(epoch_callback(child, namespace="fit"))
        histories = []
        for execution in range(self.executions_per_trial):
            copied = self._deepcopy_callbacks(callbacks)
            self._configure_tensorboard_dir(copied, trial, execution)
            copied.append(tuner_utils.TunerCallback(self, trial))
            histories.append(self._build_and_fit_model(trial, *args, **{**kwargs, "callbacks": copied}))
        return histories

    def load_model(self, trial: Any) -> Any:
        raise NotImplementedError(
            "this search keeps no trial's weights (see run_trial); train the best hyperparameters instead "
            "(get_best_hyperparameters), as the pipeline's Trainer does"
        )

    def on_trial_end(self, trial: Any) -> None:
        super().on_trial_end(trial)
        child = self._trials.pop(trial.trial_id, None)
        if child is not None:
            if trial.score is not None:
                child.log_metrics({"score": trial.score})
            child.end()


def trials_directory(fn_args: FnArgs) -> Tuple[str, bool]:
    """Where the search keeps its trials, and whether it starts afresh there (KerasTuner's `overwrite`).

    Inside a pipeline task that is fn_args.working_dir, the task's own folder. A Vertex AI tuning job's workers get
    their container's /tmp, which goes with the job, so there the pipeline names a folder under its root: the
    trials of one pipeline run go to <folder>/<run id>, which every worker of the job shares and which outlives
    it. Nothing there is deleted: a worker starting late must not remove the others' trials, and a retried job
    carries on from the trials it kept.
    """
    remote = (fn_args.custom_config or {}).get(TRIALS_DIR_KEY)
    if not remote:
        return fn_args.working_dir, True
    run_id = tracking.context.run_id()
    if run_id == "unknown":
        raise ValueError(
            f"{TRIALS_DIR_KEY} is set ({remote}) but the pipeline run id ({tracking.context.RUN_ID_ENV}) is not, "
            "so the trials of this run would mix with other runs'"
        )
    return f"{remote.rstrip('/')}/{run_id}", False


def random_search(
    build: Callable[[keras_tuner.HyperParameters], tf.keras.Model],
    space: keras_tuner.HyperParameters,
    objective: keras_tuner.Objective,
    fn_args: FnArgs,
    seed: int,
) -> TrackedRandomSearch:
    """A tracked random search of `build` over `space`, for as many trials as the pipeline's max_trials."""
    directory, overwrite = trials_directory(fn_args)
    return TrackedRandomSearch(
        build,
        input_files=data.input_files(fn_args),
        settings=training.tracking_settings(fn_args),
        max_trials=int(fn_args.custom_config.get("max_trials", DEFAULT_MAX_TRIALS)),
        hyperparameters=space,
        objective=objective,
        directory=directory,
        project_name="search",
        seed=seed,
        overwrite=overwrite,
    )
