"""Our executor classes prepare the run, then hand TFX's executors the parameters in the form TFX reads."""

import copy
import json
import os
from collections import Counter

import pytest
import tensorflow_model_analysis as tfma
from google.protobuf import json_format
from tfx.components.evaluator import executor as evaluator_executor
from tfx.components.trainer import executor as trainer_executor
from tfx.components.transform import executor as transform_executor
from tfx.components.tuner import executor as tuner_executor
from tfx.dsl.compiler.compiler import Compiler
from tfx.types import standard_artifacts
from tfx.utils import proto_utils

from components import dataset_identity, eval_policy, executors, output_check
from pipeline.config.loader import load_config
from pipeline.dag.eval_config import eval_config
from pipeline.dag.factory import create_pipeline

pytestmark = pytest.mark.unit

MODULES_URI = "gs://team-modules/modules/abc123/"


@pytest.fixture(scope="module")
def compiled_evaluator(tmp_path_factory):
    """The Evaluator's parameters as the compiled IR holds them: what its executor receives."""
    overrides = [f"output_root={tmp_path_factory.mktemp('outputs')}", "evaluation.accuracy_threshold=0.9"]
    config = load_config(overrides=overrides, environ={})
    ir = Compiler().compile(create_pipeline(config))
    (node,) = [node.pipeline_node for node in ir.nodes if node.pipeline_node.node_info.id == "Evaluator"]
    return node.parameters.parameters


@pytest.fixture
def calls(monkeypatch):
    """The order of what an executor does: 'modules <uri>' when loading modules, then 'Do' with its properties."""
    recorded = []
    monkeypatch.setattr(executors.modules_source, "use_modules_from", lambda uri: recorded.append(f"modules {uri}"))
    for name in ("NEPTUNE_API_TOKEN", "NEPTUNE_PROJECT"):
        # Set first, so that monkeypatch restores the variable's absence after prepare sets it.
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)

    def record_do(self, input_dict, output_dict, exec_properties):
        recorded.append(("Do", type(self).__name__, exec_properties))

    for base in (
        transform_executor.Executor,
        tuner_executor.Executor,
        trainer_executor.GenericExecutor,
        evaluator_executor.Executor,
    ):
        monkeypatch.setattr(base, "Do", record_do)
    return recorded


def accuracy_metric(config: tfma.EvalConfig) -> tfma.MetricConfig:
    (metric,) = [
        metric
        for spec in config.metrics_specs
        for metric in spec.metrics
        if json.loads(metric.config or "{}").get("name") == "accuracy"
    ]
    return metric


def with_user_code(**extra) -> dict:
    return {"custom_config": json.dumps({"code_fingerprint": "f00d", executors.MODULES_URI: MODULES_URI}), **extra}


# ---------------------------------------------------------------- the executor classes


def test_transform_loads_the_modules_then_runs_tfx_with_the_same_properties(calls):
    properties = with_user_code(preprocessing_fn="modules.preprocessing.preprocessing_fn")

    executors.TransformExecutor().Do({}, {}, properties)

    assert calls == [f"modules {MODULES_URI}", ("Do", "TransformExecutor", properties)]


def test_the_tuner_gets_max_trials_in_its_custom_config(calls):
    executors.TunerExecutor().Do({}, {}, with_user_code(max_trials=5, tuner_fn="modules.model.tuner_fn"))

    step, (_, _, received) = calls
    assert step == f"modules {MODULES_URI}"
    assert json.loads(received["custom_config"]) == {
        "code_fingerprint": "f00d",
        executors.MODULES_URI: MODULES_URI,
        "max_trials": 5,
    }
    assert "max_trials" not in received
    assert received["tuner_fn"] == "modules.model.tuner_fn"


def test_the_trainer_gets_steps_as_train_and_eval_args(calls):
    properties = with_user_code(
        train_args='{"num_steps": 300}', eval_args='{"num_steps": 5}', train_steps=40, eval_steps=2
    )

    executors.TrainerExecutor().Do({}, {}, properties)

    step, (_, _, received) = calls
    assert step == f"modules {MODULES_URI}"
    assert (json.loads(received["train_args"]), json.loads(received["eval_args"])) == (
        {"num_steps": 40},
        {"num_steps": 2},
    )
    assert not {"train_steps", "eval_steps"} & set(received)
    assert properties["train_steps"] == 40, "the caller's properties are not changed"


def test_the_evaluator_gets_the_threshold_in_its_eval_config_and_loads_no_modules(calls, monkeypatch, tmp_path):
    from tfx.types import standard_artifacts

    from components import output_check

    config = eval_config(load_config(environ={}))
    properties = {"eval_config": proto_utils.proto_to_json(config), "accuracy_threshold": 0.6}
    checked = []
    monkeypatch.setattr(output_check, "problem", lambda model_dir, examples_uri: checked.append(examples_uri))
    model, examples = standard_artifacts.Model(), standard_artifacts.Examples()
    evaluation, blessing = standard_artifacts.ModelEvaluation(), standard_artifacts.ModelBlessing()
    model.uri, examples.uri, evaluation.uri = str(tmp_path / "model"), str(tmp_path / "examples"), str(tmp_path / "e")
    inputs, outputs = {"model": [model], "examples": [examples]}, {"evaluation": [evaluation], "blessing": [blessing]}

    executors.EvaluatorExecutor().Do(inputs, outputs, properties)

    assert checked == [examples.uri], "the candidate's outputs are checked before TFMA runs"

    ((_, _, received),) = calls
    applied = json_format.Parse(received["eval_config"], tfma.EvalConfig())
    assert accuracy_metric(applied).per_slice_thresholds[0].threshold.value_threshold.lower_bound.value == 0.6
    assert "accuracy_threshold" not in received


def test_prepare_sets_the_neptune_project_without_overriding_one_already_set(calls, monkeypatch):
    monkeypatch.setenv("NEPTUNE_PROJECT", "unset-below")
    monkeypatch.delenv("NEPTUNE_PROJECT")
    custom = {executors.NEPTUNE_PROJECT: "team/penguins", executors.TRACKING: {"backend": "neptune"}}
    properties = {"custom_config": json.dumps(custom)}

    executors.prepare({"custom_config": json.dumps({**custom, executors.TRACKING: {"backend": "mlflow"}})})
    assert "NEPTUNE_PROJECT" not in os.environ
    executors.prepare(properties)

    assert os.environ["NEPTUNE_PROJECT"] == "team/penguins"
    monkeypatch.setenv("NEPTUNE_PROJECT", "me/sandbox")
    executors.prepare(properties)
    assert os.environ["NEPTUNE_PROJECT"] == "me/sandbox"
    assert calls == []


@pytest.mark.parametrize(
    "properties, expected",
    [
        ({}, {}),
        ({"custom_config": None}, {}),
        ({"custom_config": ""}, {}),
        ({"custom_config": "null"}, {}),
        ({"custom_config": '{"a": 1, "b": [2]}'}, {"a": 1, "b": [2]}),
    ],
)
def test_custom_config_reads_absent_and_empty_as_empty(properties, expected):
    assert executors.custom_config(properties) == expected


# ---------------------------------------------------------------- apply_threshold on the compiled eval_config


def test_the_threshold_moves_the_compiled_accuracy_floor_only(compiled_evaluator):
    compiled = compiled_evaluator["eval_config"].field_value.string_value
    default = compiled_evaluator["accuracy_threshold"].runtime_parameter.default_value.double_value
    properties = {"eval_config": compiled, "accuracy_threshold": 0.75}
    before = json_format.Parse(compiled, tfma.EvalConfig())
    assert default == pytest.approx(0.9), "the compiled default is the setting"

    applied = json_format.Parse(executors.apply_threshold(properties)["eval_config"], tfma.EvalConfig())

    threshold = accuracy_metric(applied).per_slice_thresholds[0].threshold
    assert threshold.value_threshold.lower_bound.value == pytest.approx(0.75)
    assert threshold.change_threshold == accuracy_metric(before).per_slice_thresholds[0].threshold.change_threshold
    assert threshold.change_threshold.absolute.value == pytest.approx(-0.01)
    accuracy_metric(applied).per_slice_thresholds[0].threshold.value_threshold.lower_bound.value = default
    assert applied == before, "nothing else in the eval_config changes"
    assert properties["eval_config"] == compiled, "the caller's properties are not changed"


def test_value_thresholds_of_accuracy_move_wherever_they_are_and_nothing_else():
    floor = tfma.MetricThreshold(value_threshold=tfma.GenericValueThreshold(lower_bound={"value": 0.5}))
    change_only = tfma.MetricThreshold(
        change_threshold=tfma.GenericChangeThreshold(
            direction=tfma.MetricDirection.HIGHER_IS_BETTER, absolute={"value": -0.1}
        )
    )
    config = tfma.EvalConfig(
        metrics_specs=[
            tfma.MetricsSpec(
                metrics=[
                    tfma.MetricConfig(
                        class_name="SparseCategoricalAccuracy", config='{"name": "accuracy"}', threshold=floor
                    ),
                    tfma.MetricConfig(class_name="AUC", config='{"name": "auc"}', threshold=floor),
                ]
            ),
            tfma.MetricsSpec(
                metrics=[
                    tfma.MetricConfig(
                        class_name="SparseCategoricalAccuracy",
                        config='{"name": "accuracy"}',
                        per_slice_thresholds=[
                            tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()], threshold=floor),
                            tfma.PerSliceMetricThreshold(
                                slicing_specs=[tfma.SlicingSpec(feature_keys=["island"])], threshold=change_only
                            ),
                        ],
                    )
                ]
            ),
        ]
    )

    applied = json_format.Parse(
        executors.apply_threshold({"eval_config": proto_utils.proto_to_json(config), "accuracy_threshold": "0.8"})[
            "eval_config"
        ],
        tfma.EvalConfig(),
    )

    top_level, auc = applied.metrics_specs[0].metrics
    overall, by_island = applied.metrics_specs[1].metrics[0].per_slice_thresholds
    assert top_level.threshold.value_threshold.lower_bound.value == pytest.approx(0.8)
    assert overall.threshold.value_threshold.lower_bound.value == pytest.approx(0.8)
    assert auc.threshold.value_threshold.lower_bound.value == pytest.approx(0.5)
    assert by_island.threshold == change_only, "no value threshold is added where there was none"


def test_the_input_properties_are_never_changed():
    properties = {
        "custom_config": json.dumps({"code_fingerprint": "f00d"}),
        "max_trials": 4,
        "train_steps": 10,
        "eval_steps": 1,
        "eval_config": proto_utils.proto_to_json(eval_config(load_config(environ={}))),
        "accuracy_threshold": 0.5,
    }
    snapshot = copy.deepcopy(properties)

    for apply in (executors.apply_trials, executors.apply_steps, executors.apply_threshold):
        assert apply(properties) is not properties
        assert properties == snapshot


# ---------------------------------------------------------------- the dataset on models and blessings

PENGUINS = {"name": "penguins", "label": "species", "numeric": ["bill_length_mm"], "categorical": ["island"]}
TITANIC = {"name": "titanic", "label": "survived", "numeric": ["age"], "categorical": ["class", "sex"]}


def stamped(artifact, definition):
    dataset_identity.stamp([artifact], definition)
    return artifact


def test_the_trainer_records_the_dataset_on_the_model_it_wrote(calls):
    model = standard_artifacts.Model()
    properties = {"custom_config": json.dumps({"code_fingerprint": "f00d", "dataset": PENGUINS})}

    executors.TrainerExecutor().Do({}, {"model": [model]}, properties)

    assert dataset_identity.of(model) == dataset_identity.identity(PENGUINS)
    assert model.get_string_custom_property("dataset_name") == "penguins"
    assert model.get_string_custom_property("dataset_label") == "species"


def outputs_in(tmp_path, blessing):
    evaluation = standard_artifacts.ModelEvaluation()
    evaluation.uri = str(tmp_path / "evaluation")
    return {"evaluation": [evaluation], "blessing": [blessing]}


@pytest.fixture
def evaluator_inputs(tmp_path, monkeypatch):
    """What the Evaluator receives, with a train split of mostly 'b' and an eval split of 60 'a' and 40 'b' labels."""
    splits = {"Split-train": Counter({b"a": 10, b"b": 30}), "Split-eval": Counter({b"a": 60, b"b": 40})}
    monkeypatch.setattr(
        eval_policy, "label_counts", lambda split_uri, label, schema: splits[split_uri.rstrip("/").rsplit("/")[-1]]
    )
    received = []
    monkeypatch.setattr(evaluator_executor.Executor, "Do", lambda self, i, o, p: received.append((i, p)))
    # The candidate's outputs pass their check here (tests/unit/components/test_output_check.py checks them).
    monkeypatch.setattr(output_check, "problem", lambda model_dir, examples_uri: None)
    examples = standard_artifacts.Examples()
    examples.uri, examples.split_names = str(tmp_path / "examples"), '["train", "eval"]'
    schema = standard_artifacts.Schema()
    schema.uri = str(tmp_path / "schema")
    config = eval_config(load_config(environ={}))
    policy = eval_policy.Policy("species", dataset=PENGUINS, pipeline="vertex-tfx-penguins").to_json()
    properties = {
        "eval_config": proto_utils.proto_to_json(config),
        "accuracy_threshold": 0.0,
        "evaluation_policy": policy,
    }
    inputs = {"model": [stamped(standard_artifacts.Model(), PENGUINS)], "examples": [examples], "schema": [schema]}
    return inputs, properties, received


@pytest.mark.parametrize(("baseline", "kept"), [(PENGUINS, True), (TITANIC, False), (None, False)])
def test_the_evaluator_compares_only_with_a_baseline_of_the_same_dataset(evaluator_inputs, baseline, kept, tmp_path):
    inputs, properties, received = evaluator_inputs
    inputs["baseline_model"] = [stamped(standard_artifacts.Model(), baseline)]

    executors.EvaluatorExecutor().Do(inputs, outputs_in(tmp_path, standard_artifacts.ModelBlessing()), properties)

    ((given, _),) = received
    assert bool(given["baseline_model"]) is kept


def test_the_evaluator_sets_and_records_the_bars_of_the_eval_split_and_the_dataset(evaluator_inputs, tmp_path):
    inputs, properties, received = evaluator_inputs
    blessing = standard_artifacts.ModelBlessing()

    executors.EvaluatorExecutor().Do(inputs, outputs_in(tmp_path, blessing), properties)

    ((_, given),) = received
    threshold = accuracy_metric(json_format.Parse(given["eval_config"], tfma.EvalConfig())).per_slice_thresholds[0]
    # The trivial model answers 'b' (the training split's most frequent class): 0.4 on eval, plus 0.05.
    assert threshold.threshold.value_threshold.lower_bound.value == pytest.approx(0.45)
    assert threshold.threshold.change_threshold.absolute.value == pytest.approx(-0.05)
    assert "evaluation_policy" not in given and "accuracy_threshold" not in given
    assert blessing.get_float_custom_property("bar_accuracy") == pytest.approx(0.45)
    assert blessing.get_string_custom_property("bar_trivial_class") == "b"
    assert blessing.get_float_custom_property("bar_trivial_accuracy") == pytest.approx(0.4)
    assert blessing.get_int_custom_property("bar_eval_examples") == 100
    assert dataset_identity.of(blessing) == dataset_identity.identity(PENGUINS)
    # The pipeline too: Vertex AI's baseline query asks for both.
    assert blessing.get_string_custom_property(dataset_identity.PIPELINE) == "vertex-tfx-penguins"


@pytest.mark.parametrize(
    ("uri", "root", "expected"),
    [
        (
            "gs://b/root/123456/vertex-tfx-penguins-20261204/Trainer_77/model",
            "gs://b/root",
            "vertex-tfx-penguins-20261204",
        ),
        (
            "gs://b/root/123456/vertex-tfx-penguins-20261204/Trainer_77/model",
            "gs://b/root/",
            "vertex-tfx-penguins-20261204",
        ),
        ("gs://b/other/123456/job/Trainer_77/model", "gs://b/root", None),
        ("gs://b/root/123456", "gs://b/root", None),
        ("/tmp/out/tfx/Trainer/model/7", None, None),
    ],
)
def test_the_pipeline_job_id_is_read_from_an_output_under_the_pipeline_root(uri, root, expected):
    assert executors.pipeline_run_id(uri, root) == expected


def test_the_run_id_comes_from_the_outputs_only_when_no_runner_set_it(monkeypatch):
    from tfx.types import standard_artifacts

    model = standard_artifacts.Model()
    model.uri = "gs://b/root/123456/vertex-tfx-penguins-20261204/Trainer_77/model"
    monkeypatch.setenv(executors.RUN_ID_ENV, "set-by-vtx-run")
    executors.export_run_id({"model": [model]}, "gs://b/root")
    assert os.environ[executors.RUN_ID_ENV] == "set-by-vtx-run"
    monkeypatch.delenv(executors.RUN_ID_ENV)
    executors.export_run_id({"model": [model]}, "gs://b/root")
    assert os.environ[executors.RUN_ID_ENV] == "vertex-tfx-penguins-20261204"
