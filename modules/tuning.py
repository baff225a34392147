"""A KerasTuner random search that logs each trial to one Neptune run, a namespace per trial."""

from typing import Any, List

import keras_tuner
from neptune_tensorflow_keras import NeptuneCallback

from modules import tracking


class _TrialCallback(NeptuneCallback):
    """KerasTuner deep-copies callbacks per trial; a Neptune run handle must stay shared."""

    def __deepcopy__(self, memo: Any) -> "_TrialCallback":
        return self


class TrackedRandomSearch(keras_tuner.RandomSearch):
    """RandomSearch whose search() opens a Neptune run and logs trials under trials/<id>."""

    def __init__(self, *args: Any, input_files: List[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._input_files = input_files
        self._run = None

    def search(self, *args: Any, **kwargs: Any) -> None:
        self._run = tracking.start_run("tuning", tags=["tuning"])
        try:
            tracking.log_context(self._run, self._input_files)
            self._run["tuning/max_trials"] = self.oracle.max_trials
            super().search(*args, **kwargs)
            best = self.get_best_hyperparameters(1)
            if best:
                self._run["tuning/best_hyperparameters"] = best[0].values
        finally:
            self._run.stop()
            self._run = None

    def run_trial(self, trial: Any, *args: Any, **kwargs: Any):
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
