"""Keras callbacks that log each epoch's metrics to a tracked run, with the epoch as the step."""

from typing import Any, Dict, Optional

import tensorflow as tf

from modules.runtime.tracking.base import Run
from modules.runtime.tracking.guard import GuardedRun


class EpochMetrics(tf.keras.callbacks.Callback):
    """Logs the epoch's logs (loss, accuracy, val_loss, val_accuracy) as metrics at step = epoch + 1."""

    def __init__(self, run: Run, prefix: str = ""):
        super().__init__()
        self._run, self._prefix = run, prefix

    def on_epoch_end(self, epoch: int, logs: Optional[Dict[str, Any]] = None) -> None:
        metrics = {f"{self._prefix}{key}": float(value) for key, value in (logs or {}).items()}
        if metrics:
            self._run.log_metrics(metrics, step=epoch + 1)

    def __deepcopy__(self, memo: Any) -> "EpochMetrics":
        # KerasTuner deep-copies callbacks per trial; the run handle must stay shared.
        return self


def epoch_callback(run: Run, namespace: str = "training") -> tf.keras.callbacks.Callback:
    """Neptune's own Keras callback on the neptune backend (as before the other backends), else EpochMetrics."""
    native = run.native if isinstance(run, GuardedRun) else run
    from modules.runtime.tracking.neptune_server import NeptuneRun

    if isinstance(native, NeptuneRun):
        from neptune_tensorflow_keras import NeptuneCallback

        class _Shared(NeptuneCallback):
            def __deepcopy__(self, memo: Any) -> "_Shared":
                return self

        prefix = f"{native.namespace}/{namespace}" if native.namespace else namespace
        return _Shared(run=native.run, base_namespace=prefix)
    return EpochMetrics(run)
