"""TFX executors with our run-time duties: modules from modules_uri, the run id and tracker, per-run parameters."""

import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import tensorflow as tf
from tfx import types
from tfx.components.evaluator import constants as evaluator_constants
from tfx.components.evaluator import executor as evaluator_executor
from tfx.components.statistics_gen import executor as statistics_gen_executor
from tfx.components.trainer import executor as trainer_executor
from tfx.components.transform import executor as transform_executor
from tfx.components.tuner import executor as tuner_executor
from tfx.dsl.io import fileio
from tfx.proto import trainer_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import json_utils, path_utils, proto_utils

from components import (
    dataset_identity,
    eval_policy,
    modules_source,
    neptune_secret,
    preloaded_model,
    unoptimized_functions,
    wheels,
)
from components.direct_beam import DirectBeamExecutor, runs_remotely

# Keys of custom_config that this package sets; see pipeline/pipeline.py.
MODULES_URI = "modules_uri"
NEPTUNE_SECRET = "neptune_token_secret"
NEPTUNE_PROJECT = "neptune_project"
TRACKING = "tracking"
# The run-context variable the tracker reads (a copy of pipeline/config/run_context.py's, held equal by a test).
RUN_ID_ENV = "VTX_PIPELINE_RUN_ID"
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


def prepare(exec_properties: Dict[str, Any], output_dict: Optional[Artifacts] = None) -> None:
    """What every user-code executor does first, wherever it runs (pipeline task or Vertex job)."""
    config = custom_config(exec_properties)
    if config.get(MODULES_URI):
        modules_source.use_modules_from(config[MODULES_URI])
    tracking = config.get(TRACKING) or {}
    if output_dict:
        export_run_id(output_dict, tracking.get("pipeline_root"))
    if tracking.get("backend") == "neptune":
        if config.get(NEPTUNE_PROJECT):
            os.environ.setdefault("NEPTUNE_PROJECT", config[NEPTUNE_PROJECT])
        neptune_secret.export_neptune_token(config.get(NEPTUNE_SECRET))


def pipeline_run_id(output_uri: str, pipeline_root: Optional[str]) -> Optional[str]:
    """The pipeline job's name, from an output's URI: <pipeline_root>/<project number>/<job name>/<task>/..."""
    root = (pipeline_root or "").rstrip("/") + "/"
    if root == "/" or not output_uri.startswith(root):
        return None
    parts = output_uri[len(root) :].split("/")
    return parts[1] if len(parts) > 2 and parts[1] else None


def export_run_id(output_dict: Artifacts, pipeline_root: Optional[str]) -> None:
    """Sets the run id the tracker files runs under, on Vertex AI where no runner sets it (locally vtx run does)."""
    if os.environ.get(RUN_ID_ENV):
        return
    for artifacts in output_dict.values():
        for artifact in artifacts:
            run_id = pipeline_run_id(artifact.uri, pipeline_root)
            if run_id:
                os.environ[RUN_ID_ENV] = run_id
                return


def staged_modules(beam_args: List[str], exec_properties: Dict[str, Any]) -> List[str]:
    """Beam flags that also hand remote workers the modules this executor loaded from modules_uri.

    TFT pickles preprocessing_fn by reference and a worker imports it again to build the transform graph: a
    worker whose image holds older modules/ would otherwise run that older code. Its wheel is built from the
    very files the driver loaded, and the workers install it at start, over the image's copy.
    """
    uri = custom_config(exec_properties).get(MODULES_URI)
    if not uri or not runs_remotely(beam_args):
        return beam_args
    package = modules_source.use_modules_from(uri)
    wheel = wheels.modules_wheel(package.parent, Path(tempfile.gettempdir()) / "vtx-wheels")
    return [*beam_args, f"--extra_package={wheel}"]


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


class StatisticsGenExecutor(DirectBeamExecutor, statistics_gen_executor.Executor):
    """TFX's StatisticsGen, without TFX's packaging of itself on the DirectRunner (components/direct_beam.py)."""


class TransformExecutor(DirectBeamExecutor, transform_executor.Executor):
    def Do(self, input_dict: Artifacts, output_dict: Artifacts, exec_properties: Dict[str, Any]) -> None:  # noqa: N802
        prepare(exec_properties)
        # Placeholders are resolved by now: every flag is a string.
        args = [str(arg) for arg in self._beam_pipeline_args]
        self._beam_pipeline_args = list[Any](staged_modules(args, exec_properties))
        super().Do(input_dict, output_dict, exec_properties)


@contextlib.contextmanager
def tuning(exec_properties: Dict[str, Any], output_dict: Artifacts) -> Iterator[Dict[str, Any]]:
    """Around TFX's search, here or in a Vertex tuning worker: prepare, short trials without Grappler
    (components/unoptimized_functions.py), and the exec properties with the trials parameter applied."""
    prepare(exec_properties, output_dict)
    with unoptimized_functions.for_trials(exec_properties):
        yield apply_trials(exec_properties)


class TunerExecutor(tuner_executor.Executor):
    def Do(self, input_dict: Artifacts, output_dict: Artifacts, exec_properties: Dict[str, Any]) -> None:  # noqa: N802
        with tuning(exec_properties, output_dict) as properties:
            super().Do(input_dict, output_dict, properties)


def stamp_model(output_dict: Artifacts, exec_properties: Dict[str, Any]) -> None:
    """Records the dataset the model was trained on (from custom_config) on the Trainer's Model."""
    definition = custom_config(exec_properties).get(dataset_identity.CONFIG_KEY)
    dataset_identity.stamp(output_dict.get(standard_component_specs.MODEL_KEY, []), definition)


class TrainerExecutor(trainer_executor.GenericExecutor):
    def Do(self, input_dict: Artifacts, output_dict: Artifacts, exec_properties: Dict[str, Any]) -> None:  # noqa: N802
        prepare(exec_properties, output_dict)
        super().Do(input_dict, output_dict, apply_steps(exec_properties))
        stamp_model(output_dict, exec_properties)


def comparable_baseline(input_dict: Artifacts) -> Artifacts:
    """The Evaluator's inputs without a baseline trained on another dataset, label or feature set.

    Locally the Resolver already leaves such models out; on Vertex AI this is what keeps them out.
    """
    baselines = input_dict.get(standard_component_specs.BASELINE_MODEL_KEY) or []
    candidates = input_dict.get(standard_component_specs.MODEL_KEY) or []
    if baselines and candidates and not dataset_identity.comparable(candidates[0], baselines[0]):
        return {**input_dict, standard_component_specs.BASELINE_MODEL_KEY: []}
    return input_dict


def stamp_blessing(output_dict: Artifacts, policy: Optional[eval_policy.Policy]) -> None:
    """Records the dataset and the pipeline on the blessing, which the next run's baseline query asks for."""
    blessings = output_dict.get(standard_component_specs.BLESSING_KEY, [])
    dataset_identity.stamp(blessings, policy.dataset if policy else None, policy.pipeline if policy else None)


class EvaluatorExecutor(DirectBeamExecutor, evaluator_executor.Executor):
    """Judges with bars that fit the eval split (eval_policy), and only against a baseline of the same dataset,
    once the candidate's outputs on the eval split pass their check (output_check.py): a candidate whose outputs
    fail is not blessed and not evaluated, since its metrics would mean nothing.
    """

    def Do(self, input_dict: Artifacts, output_dict: Artifacts, exec_properties: Dict[str, Any]) -> None:  # noqa: N802
        properties = apply_threshold(exec_properties)
        # In this process, the output check and TFMA share one load of the candidate (components/preloaded_model.py).
        shared = preloaded_model.in_process([str(arg) for arg in self._beam_pipeline_args or []])
        candidate = path_utils.serving_model_path(input_dict[standard_component_specs.MODEL_KEY][0].uri)
        # Its model functions run a few times each: Grappler's optimization would cost more than it saves.
        with preloaded_model.kept(candidate if shared else None), unoptimized_functions.without_grappler():
            if shared:
                properties[preloaded_model.PROPERTY] = preloaded_model.FUNCTION
            self._evaluate(candidate, input_dict, output_dict, properties)

    def _evaluate(
        self, candidate: str, input_dict: Artifacts, output_dict: Artifacts, properties: Dict[str, Any]
    ) -> None:
        policy = eval_policy.Policy.from_json(properties.pop(eval_policy.POLICY, None))
        if self._outputs_fail(candidate, input_dict, output_dict):
            stamp_blessing(output_dict, policy)
            return
        input_dict = comparable_baseline(input_dict)
        found = None
        if policy is not None:
            split = (json.loads(properties.get("example_splits") or "null") or ["eval"])[0]
            examples = input_dict[standard_component_specs.EXAMPLES_KEY]
            schema = os.path.join(input_dict[standard_component_specs.SCHEMA_KEY][0].uri, "schema.pbtxt")
            counts = [
                eval_policy.label_counts(artifact_utils.get_split_uri(examples, name), policy.label_column, schema)
                for name in (eval_policy.TRAIN_SPLIT, split)
            ]
            properties["eval_config"], found = eval_policy.apply(properties["eval_config"], policy, *counts)
        # TFMA updates Keras metrics eagerly, batch by batch; AutoGraph would convert each metric's update
        # (Python source to AST and back) for nothing, as eager code runs as written.
        evaluate = tf.autograph.experimental.do_not_convert(super().Do)
        evaluate(input_dict, output_dict, properties)
        for blessing in output_dict.get(standard_component_specs.BLESSING_KEY, []):
            if found is not None:
                eval_policy.record(blessing, found)
        stamp_blessing(output_dict, policy)

    @staticmethod
    def _outputs_fail(candidate: str, input_dict: Artifacts, output_dict: Artifacts) -> bool:
        """Checks the candidate's outputs, keeps the result beside the evaluation; on failure, writes NOT_BLESSED."""
        from components import output_check

        evaluation = output_dict["evaluation"][0]
        found = output_check.problem(candidate, input_dict["examples"][0].uri)
        output_check.record(evaluation.uri, found, output_check.MAX_EXAMPLES)
        if found is None:
            return False
        logging.warning("Not blessed: %s", found)
        blessing = output_dict["blessing"][0]
        fileio.makedirs(blessing.uri)
        with fileio.open(os.path.join(blessing.uri, NOT_BLESSED_FILE), "w") as marker:
            marker.write("")
        blessing.set_int_custom_property(BLESSED_KEY, 0)
        return True
