"""A KerasTuner random search that logs each trial to one Neptune run, a namespace per trial."""

from typing import Any, Callable, List, Optional

import keras_tuner
import neptune
import tensorflow as tf
from neptune_tensorflow_keras import NeptuneCallback
from tfx.components.trainer.fn_args_utils import FnArgs

from modules.runtime import data, tracking

# Trials when the pipeline passes no max_trials (its tuning settings always do).
DEFAULT_MAX_TRIALS = 3


class _TrialCallback(NeptuneCallback):
    """KerasTuner deep-copies callbacks per trial; a Neptune run handle must stay shared."""

    def __deepcopy__(self, memo: Any) -> "_TrialCallback":
        return self


class TrackedRandomSearch(keras_tuner.RandomSearch):
    """RandomSearch whose search() opens a Neptune run and logs trials under trials/<id>."""

    def __init__(self, *args: Any, input_files: List[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._input_files = input_files
        self._run: Optional[neptune.Run] = None

    def search(self, *args: Any, **kwargs: Any) -> None:
        with tracking.tracked_run("tuning", self._input_files) as run:
            self._run = run
            try:
                run["tuning/max_trials"] = self.oracle.max_trials
                super().search(*args, **kwargs)
                best = self.get_best_hyperparameters(1)
                if best:
                    run["tuning/best_hyperparameters"] = best[0].values
            finally:
                self._run = None

    def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> Any:
        namespace = f"trials/{trial.trial_id}"
        if self._run is not None:
            self._run[f"{namespace}/hyperparameters"] = trial.hyperparameters.values
            callbacks = list(kwargs.get("callbacks", []))
            callbacks.append(_TrialCallback(run=self._run, base_namespace=namespace))
            kwargs["callbacks"] = callbacks
        return super().run_trial(trial, *args, **kwargs)

    def on_trial_end(self, trial: Any) -> None:
        super().on_trial_end(trial)
        if self._run is not None and trial.score is not None:
            self._run[f"trials/{trial.trial_id}/score"] = trial.score


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
        max_trials=int(fn_args.custom_config.get("max_trials", DEFAULT_MAX_TRIALS)),
        hyperparameters=space,
        objective=objective,
        directory=fn_args.working_dir,
        project_name="search",
        seed=seed,
        overwrite=True,
    )
