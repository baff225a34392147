"""Vertex AI Training launchers for the Trainer and Tuner whose remote jobs run our executors."""

from typing import Any, Dict

from tfx.extensions.google_cloud_ai_platform.trainer import executor as vertex_trainer
from tfx.extensions.google_cloud_ai_platform.tuner import executor as vertex_tuner

from components import executors


class VertexTrainerExecutor(vertex_trainer.GenericExecutor):
    """Starts a Vertex custom job that runs executors.TrainerExecutor in the pipeline image."""

    def _GetExecutorClass(self):  # noqa: N802 - TFX's name
        return executors.TrainerExecutor

    def Do(self, input_dict, output_dict, exec_properties: Dict[str, Any]) -> None:  # noqa: N802
        super().Do(input_dict, output_dict, exec_properties)
        # The remote job's artifact properties do not come back; the launcher's output is what is published.
        executors.stamp_model(output_dict, exec_properties)


class TunerWorkerExecutor(vertex_tuner._WorkerExecutor):
    """One tuning worker of the Vertex job: modules, the run id, the tracker and the trials parameter first."""

    def Do(self, input_dict, output_dict, exec_properties: Dict[str, Any]) -> None:  # noqa: N802
        with executors.tuning(exec_properties, output_dict) as properties:
            super().Do(input_dict, output_dict, properties)


class VertexTunerExecutor(vertex_tuner.Executor):
    """Starts the parallel tuning job with TunerWorkerExecutor as its workers."""

    def Do(self, input_dict, output_dict, exec_properties: Dict[str, Any]) -> None:  # noqa: N802
        # TFX names the worker class inside Do, with no hook to override it; swap it for this call only.
        original = vertex_tuner._WorkerExecutor
        vertex_tuner._WorkerExecutor = TunerWorkerExecutor  # type: ignore[misc]
        try:
            super().Do(input_dict, output_dict, exec_properties)
        finally:
            vertex_tuner._WorkerExecutor = original  # type: ignore[misc]
