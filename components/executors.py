"""TFX executors with our run-time duties: modules from modules_uri, the Neptune token, per-run parameters."""

import json
import logging
import os
from typing import Any, Dict, List

from tfx import types
from tfx.components.evaluator import constants as evaluator_constants
from tfx.components.evaluator import executor as evaluator_executor
from tfx.components.trainer import executor as trainer_executor
from tfx.components.transform import executor as transform_executor
from tfx.components.tuner import executor as tuner_executor
from tfx.dsl.io import fileio
from tfx.proto import trainer_pb2
from tfx.utils import json_utils, proto_utils

from components import modules_source, neptune_secret

# Keys of custom_config that this package sets; see pipeline/pipeline.py.
MODULES_URI = "modules_uri"
NEPTUNE_SECRET = "neptune_token_secret"
NEPTUNE_PROJECT = "neptune_project"
# Extra execution parameters, runtime parameters on Vertex; see components/runtime_parameters.py.
TRAIN_STEPS, EVAL_STEPS, MAX_TRIALS, ACCURACY_THRESHOLD = (
    "train_steps",
    "eval_steps",
    "max_trials",
    "accuracy_threshold",
)
ACCURACY_METRIC = "accuracy"
BLESSED_KEY = evaluator_constants.ARTIFACT_PROPERTY_BLESSED_KEY
NOT_BLESSED_FILE = evaluator_constants.NOT_BLESSED_FILE_NAME

Artifacts = Dict[str, List[types.Artifact]]


def custom_config(exec_properties: Dict[str, Any]) -> Dict[str, Any]:
    return json_utils.loads(exec_properties.get("custom_config") or "null") or {}


def prepare(exec_properties: Dict[str, Any]) -> None:
    """What every user-code executor does first, wherever it runs (pipeline task or Vertex job)."""
    config = custom_config(exec_properties)
    if config.get(MODULES_URI):
        modules_source.use_modules_from(config[MODULES_URI])
    if config.get(NEPTUNE_PROJECT):
        os.environ.setdefault("NEPTUNE_PROJECT", config[NEPTUNE_PROJECT])
    neptune_secret.export_neptune_token(config.get(NEPTUNE_SECRET))


def apply_steps(exec_properties: Dict[str, Any]) -> Dict[str, Any]:
    """train_steps / eval_steps parameters -> the train_args / eval_args protos TFX reads."""
    properties = dict(exec_properties)
    train_steps, eval_steps = properties.pop(TRAIN_STEPS, None), properties.pop(EVAL_STEPS, None)
    if train_steps is not None:
        properties["train_args"] = proto_utils.proto_to_json(trainer_pb2.TrainArgs(num_steps=int(train_steps)))
    if eval_steps is not None:
        properties["eval_args"] = proto_utils.proto_to_json(trainer_pb2.EvalArgs(num_steps=int(eval_steps)))
    return properties


def apply_trials(exec_properties: Dict[str, Any]) -> Dict[str, Any]:
    """The max_trials parameter -> custom_config['max_trials'], the trial count tuner_fn's random search takes."""
    properties = dict(exec_properties)
    trials = properties.pop(MAX_TRIALS, None)
    if trials is not None:
        properties["custom_config"] = json_utils.dumps({**custom_config(properties), MAX_TRIALS: int(trials)})
    return properties


def apply_threshold(exec_properties: Dict[str, Any]) -> Dict[str, Any]:
    """The accuracy_threshold parameter -> the lower bound of every accuracy value threshold."""
    import tensorflow_model_analysis as tfma
    from google.protobuf import json_format

    properties = dict(exec_properties)
    threshold = properties.pop(ACCURACY_THRESHOLD, None)
    if threshold is None:
        return properties
    eval_config = json_format.Parse(properties["eval_config"], tfma.EvalConfig())
    for metrics_spec in eval_config.metrics_specs:
        for metric in metrics_spec.metrics:
            if json.loads(metric.config or "{}").get("name") != ACCURACY_METRIC:
                continue
            for entry in [metric.threshold] + [t.threshold for t in metric.per_slice_thresholds]:
                if entry.HasField("value_threshold"):
                    entry.value_threshold.lower_bound.value = float(threshold)
    properties["eval_config"] = proto_utils.proto_to_json(eval_config)
    return properties


class TransformExecutor(transform_executor.Executor):
    def Do(self, input_dict: Artifacts, output_dict: Artifacts, exec_properties: Dict[str, Any]) -> None:  # noqa: N802
        prepare(exec_properties)
        super().Do(input_dict, output_dict, exec_properties)


class TunerExecutor(tuner_executor.Executor):
    def Do(self, input_dict: Artifacts, output_dict: Artifacts, exec_properties: Dict[str, Any]) -> None:  # noqa: N802
        prepare(exec_properties)
        super().Do(input_dict, output_dict, apply_trials(exec_properties))


class TrainerExecutor(trainer_executor.GenericExecutor):
    def Do(self, input_dict: Artifacts, output_dict: Artifacts, exec_properties: Dict[str, Any]) -> None:  # noqa: N802
        prepare(exec_properties)
        super().Do(input_dict, output_dict, apply_steps(exec_properties))


class EvaluatorExecutor(evaluator_executor.Executor):
    """TFMA's evaluation, after the candidate's outputs on the eval split pass their check (output_check.py).

    A candidate whose outputs fail is not blessed and not evaluated: its metrics would mean nothing.
    """

    def Do(self, input_dict: Artifacts, output_dict: Artifacts, exec_properties: Dict[str, Any]) -> None:  # noqa: N802
        from tfx.utils import path_utils

        from components import output_check

        model = input_dict["model"][0]
        evaluation = output_dict["evaluation"][0]
        found = output_check.problem(path_utils.serving_model_dir(model.uri), input_dict["examples"][0].uri)
        output_check.record(evaluation.uri, found, output_check.MAX_EXAMPLES)
        if found is None:
            super().Do(input_dict, output_dict, apply_threshold(exec_properties))
            return
        logging.warning("Not blessed: %s", found)
        blessing = output_dict["blessing"][0]
        fileio.makedirs(blessing.uri)
        with fileio.open(os.path.join(blessing.uri, NOT_BLESSED_FILE), "w") as marker:
            marker.write("")
        blessing.set_int_custom_property(BLESSED_KEY, 0)
