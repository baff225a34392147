"""Extending TFX's standard components: extra typed parameters, and our executor classes in their spec kind."""

import pytest
from tfx.components.trainer import executor as trainer_executor
from tfx.components.transform import executor as transform_executor
from tfx.dsl.components.base import executor_spec
from tfx.orchestration import data_types
from tfx.types import standard_component_specs

from components import executors, extend
from pipeline.config.loader import load_config
from pipeline.dag.factory import create_pipeline

pytestmark = pytest.mark.unit


class MarkedTransformExecutor(transform_executor.Executor):
    """A Beam executor subclass that only this test module uses."""


class MarkedTrainerExecutor(trainer_executor.GenericExecutor):
    """A plain executor subclass that only this test module uses."""


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return load_config(overrides=[f"output_root={tmp_path_factory.mktemp('outputs')}"], environ={})


@pytest.fixture(scope="module")
def nodes(config) -> dict:
    """The components of the pipeline as create_pipeline builds it; tests here only read them."""
    return {component.id: component for component in create_pipeline(config).components}


@pytest.fixture
def fresh(config):
    """node id -> that component of a newly built pipeline, for tests that change it."""
    built = {component.id: component for component in create_pipeline(config).components}
    return built.__getitem__


def int_steps(name: str, default: int) -> data_types.RuntimeParameter:
    return data_types.RuntimeParameter(name=name, ptype=int, default=default)


# ---------------------------------------------------------------- the pipeline's extended components


@pytest.mark.parametrize(
    "node_id, base, added",
    [
        ("Trainer", standard_component_specs.TrainerSpec, {"train_steps": int, "eval_steps": int}),
        ("Tuner", standard_component_specs.TunerSpec, {"max_trials": int}),
        ("Evaluator", standard_component_specs.EvaluatorSpec, {"accuracy_threshold": float, "evaluation_policy": str}),
        (
            "ExampleValidator",
            standard_component_specs.ExampleValidatorSpec,
            {"numeric_columns": str, "volume_limits": str},
        ),
    ],
)
def test_the_pipeline_components_carry_their_typed_parameters(nodes, node_id, base, added):
    spec = nodes[node_id].spec

    assert isinstance(spec, base) and type(spec) is not base
    assert type(spec).__name__ == base.__name__
    assert {name: type(spec).PARAMETERS[name].type for name in added} == added
    assert set(base.PARAMETERS) | set(added) == set(type(spec).PARAMETERS)
    assert not set(added) & set(base.PARAMETERS), "the standard spec class itself is not changed"


def test_the_parameters_default_to_the_settings(nodes, config):
    trainer, tuner, evaluator = (nodes[name].exec_properties for name in ("Trainer", "Tuner", "Evaluator"))

    assert (trainer["train_steps"].name, trainer["train_steps"].default) == ("train_steps", config.training.train_steps)
    assert (trainer["eval_steps"].name, trainer["eval_steps"].default) == ("eval_steps", config.training.eval_steps)
    assert (tuner["max_trials"].name, tuner["max_trials"].default) == ("tuner_trials", config.tuning.trials)
    threshold = evaluator["accuracy_threshold"]
    assert (threshold.name, threshold.default) == ("accuracy_threshold", config.evaluation.accuracy_threshold)
    assert trainer["run_fn"] == config.modules.run_fn
    assert tuner["tuner_fn"] == config.modules.tuner_fn


def test_the_pipeline_components_run_our_executors_in_their_spec_kind(nodes):
    expected = {
        "Transform": (executor_spec.BeamExecutorSpec, executors.TransformExecutor),
        "Tuner": (executor_spec.ExecutorClassSpec, executors.TunerExecutor),
        "Trainer": (executor_spec.ExecutorClassSpec, executors.TrainerExecutor),
        "Evaluator": (executor_spec.BeamExecutorSpec, executors.EvaluatorExecutor),
    }

    actual = {
        node_id: (type(nodes[node_id].executor_spec), nodes[node_id].executor_spec.executor_class)
        for node_id in expected
    }

    assert actual == expected


# ---------------------------------------------------------------- add_parameters


def test_added_parameters_keep_inputs_outputs_and_execution_properties(fresh):
    evaluator = fresh("Evaluator")
    before = evaluator.spec
    inputs, outputs, properties = dict(before.inputs), dict(before.outputs), dict(before.exec_properties)

    extended = extend.add_parameters(evaluator, min_examples=int_steps("min_examples", 3), slice_note="overall")

    assert extended is evaluator
    assert type(evaluator.spec).__mro__[1] is type(before)
    assert {key: id(channel) for key, channel in evaluator.spec.inputs.items()} == {
        key: id(channel) for key, channel in inputs.items()
    }
    assert {key: id(channel) for key, channel in evaluator.spec.outputs.items()} == {
        key: id(channel) for key, channel in outputs.items()
    }
    assert evaluator.outputs["blessing"].producer_component_id == "Evaluator"
    kept = {key: value for key, value in evaluator.exec_properties.items() if key in properties}
    assert kept == properties
    assert type(evaluator.spec).PARAMETERS["min_examples"].type is int
    assert type(evaluator.spec).PARAMETERS["slice_note"].type is str
    assert evaluator.exec_properties["min_examples"].default == 3
    assert evaluator.exec_properties["slice_note"] == "overall"


def test_a_runtime_parameter_takes_its_ptype_and_a_plain_value_its_type(fresh):
    trainer = fresh("Trainer")

    extend.add_parameters(
        trainer,
        warmup=data_types.RuntimeParameter(name="warmup", ptype=float, default=0.1),
        seed=42,
        tag="nightly",
    )

    parameters = type(trainer.spec).PARAMETERS
    assert (parameters["warmup"].type, parameters["seed"].type, parameters["tag"].type) == (float, int, str)
    assert (trainer.exec_properties["seed"], trainer.exec_properties["tag"]) == (42, "nightly")
    assert trainer.exec_properties["train_steps"].name == "train_steps", "earlier extensions are kept"


@pytest.mark.parametrize(
    "node_id, name",
    [("Evaluator", "eval_config"), ("Trainer", "run_fn"), ("Trainer", "train_steps"), ("Tuner", "max_trials")],
)
def test_a_name_the_spec_already_has_is_refused(fresh, node_id, name):
    component = fresh(node_id)
    spec = component.spec

    with pytest.raises(ValueError, match=rf"already has parameters \['{name}'\]"):
        extend.add_parameters(component, **{name: 1, "fresh_name": 2})

    assert component.spec is spec, "a refused extension leaves the component as it was"


def test_a_runtime_parameter_without_a_ptype_is_refused_by_name(fresh):
    with pytest.raises(ValueError, match="runtime parameter untyped needs a ptype"):
        extend.add_parameters(fresh("Tuner"), untyped=data_types.RuntimeParameter(name="untyped", ptype=None))


# ---------------------------------------------------------------- with_executor


def test_a_beam_component_keeps_a_beam_executor_spec(fresh):
    transform = fresh("Transform")

    extend.with_executor(transform, MarkedTransformExecutor)

    assert type(transform.executor_spec) is executor_spec.BeamExecutorSpec
    assert transform.executor_spec.executor_class is MarkedTransformExecutor
    assert transform.executor_spec.class_path == f"{__name__}.MarkedTransformExecutor"


def test_a_plain_component_keeps_a_plain_executor_spec(fresh):
    trainer = fresh("Trainer")

    extend.with_executor(trainer, MarkedTrainerExecutor)

    assert type(trainer.executor_spec) is executor_spec.ExecutorClassSpec
    assert trainer.executor_spec.executor_class is MarkedTrainerExecutor


def test_swapping_the_executor_keeps_the_component_beam_args_and_flags(fresh):
    transform = fresh("Transform").with_beam_pipeline_args(["--direct_num_workers=2"])
    transform.executor_spec.add_extra_flags(["--verbose"])
    before = list(transform.executor_spec.beam_pipeline_args)

    extend.with_executor(transform, MarkedTransformExecutor)

    assert before[-1] == "--direct_num_workers=2"
    assert transform.executor_spec.beam_pipeline_args == before
    assert transform.executor_spec.extra_flags == ["--verbose"]
