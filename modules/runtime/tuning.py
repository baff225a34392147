"""A KerasTuner random search that tracks each trial as a child run of the pipeline run."""

from typing import Any, Callable, Dict, List, Optional

import keras_tuner
import tensorflow as tf
from tfx.components.trainer.fn_args_utils import FnArgs

from modules.runtime import data, tracking, training
from modules.runtime.tracking.keras import epoch_callback

# Trials when the pipeline passes no max_trials (its tuning settings always do).
DEFAULT_MAX_TRIALS = 3


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
        if self._run is not None:
            child = self._run.child(f"trial-{trial.trial_id}")
            child.log_params(trial.hyperparameters.values)
            self._trials[trial.trial_id] = child
            kwargs["callbacks"] = [*kwargs.get("callbacks", []), epoch_callback(child, namespace="fit")]
        return super().run_trial(trial, *args, **kwargs)

    def on_trial_end(self, trial: Any) -> None:
        super().on_trial_end(trial)
        child = self._trials.pop(trial.trial_id, None)
        if child is not None:
            if trial.score is not None:
                child.log_metrics({"score": trial.score})
            child.end()


def random_search(
    build: Callable[[keras_tuner.HyperParameters], tf.keras.Model],
    space: keras_tuner.HyperParameters,
    objective: keras_tuner.Objective,
    fn_args: FnArgs,
    seed: int,
) -> TrackedRandomSearch:
    """A tracked random search of `build` over `space`, for as many trials as the pipeline's max_trials."""
    return TrackedRandomSearch(
        build,
        input_files=data.input_files(fn_args),
        settings=training.tracking_settings(fn_args),
        max_trials=int(fn_args.custom_config.get("max_trials", DEFAULT_MAX_TRIALS)),
        hyperparameters=space,
        objective=objective,
        directory=fn_args.working_dir,
        project_name="search",
        seed=seed,
        overwrite=True,
    )
