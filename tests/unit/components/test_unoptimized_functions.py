"""Unit tests of components.unoptimized_functions: the Evaluator's output check and TFMA, and a Tuner's short trials,
call their functions with Grappler off, and TensorFlow's setting is as before once they are done, also after an
error; longer trials and the Trainer keep Grappler."""

import pytest
import tensorflow as tf
from tfx.components.evaluator import executor as evaluator_executor
from tfx.components.trainer import executor as trainer_executor
from tfx.components.tuner import executor as tuner_executor
from tfx.extensions.google_cloud_ai_platform.tuner import executor as vertex_tuner
from tfx.proto import trainer_pb2
from tfx.utils import proto_utils

from components import output_check, unoptimized_functions
from components.executors import EvaluatorExecutor, TrainerExecutor, TunerExecutor
from components.vertex.executors import TunerWorkerExecutor
from tests.unit.components.test_preloaded_model import VALID, evaluator_run

pytestmark = pytest.mark.unit

OPTION = unoptimized_functions.OPTION


def grappler_off() -> bool:
    return bool(tf.config.optimizer.get_experimental_options().get(OPTION, False))


@pytest.fixture(autouse=True)
def grappler_on():
    """Each test starts with Grappler on, TensorFlow's default, and the process's setting is put back after it."""
    before = grappler_off()
    tf.config.optimizer.set_experimental_options({OPTION: False})
    yield
    tf.config.optimizer.set_experimental_options({OPTION: before})


@pytest.mark.parametrize("before", [False, True])
def test_grappler_is_off_inside_and_as_it_was_after(before):
    tf.config.optimizer.set_experimental_options({OPTION: before})

    with unoptimized_functions.without_grappler():
        assert grappler_off()

    assert grappler_off() is before


def test_an_error_inside_puts_the_setting_back():
    with pytest.raises(RuntimeError, match="inside"), unoptimized_functions.without_grappler():
        raise RuntimeError("inside")

    assert not grappler_off()


def test_a_function_first_called_inside_gives_the_same_answer():
    weights = tf.constant([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])

    def scores(x):
        return tf.nn.softmax(tf.nn.relu(tf.matmul(x, weights) + 0.1))

    x = tf.constant([[1.0, 2.0], [-3.0, 0.5], [0.0, 0.0]])
    optimized = tf.function(scores)(x).numpy()
    with unoptimized_functions.without_grappler():
        unoptimized = tf.function(scores)(x).numpy()

    assert unoptimized.tobytes() == optimized.tobytes()


@pytest.mark.parametrize("beam_args", [[], ["--direct_running_mode=multi_processing"]])
def test_the_evaluator_checks_and_evaluates_with_grappler_off(tmp_path, monkeypatch, beam_args):
    inputs, outputs, properties = evaluator_run(tmp_path, VALID)
    seen = {}
    check = output_check.problem

    def checked(*args, **kwargs):
        seen["output check"] = grappler_off()
        return check(*args, **kwargs)

    def tfma_do(self, input_dict, output_dict, exec_properties):
        seen["TFMA"] = grappler_off()

    monkeypatch.setattr(output_check, "problem", checked)
    monkeypatch.setattr(evaluator_executor.Executor, "Do", tfma_do)
    context = evaluator_executor.Executor.Context(beam_pipeline_args=beam_args, tmp_dir=str(tmp_path / "tmp"))

    EvaluatorExecutor(context).Do(inputs, outputs, properties)

    assert seen == {"output check": True, "TFMA": True}
    assert not grappler_off(), "the rest of the run (and the next steps) keep Grappler"


def train_args(steps: int) -> str:
    return proto_utils.proto_to_json(trainer_pb2.TrainArgs(num_steps=steps))


@pytest.mark.parametrize(
    ("properties", "off"),
    [
        ({"train_args": train_args(100)}, True),
        ({"train_args": train_args(unoptimized_functions.FEW_STEPS)}, True),
        ({"train_args": train_args(unoptimized_functions.FEW_STEPS + 1)}, False),
        ({"train_args": train_args(20_000)}, False),
        ({}, False),
    ],
)
def test_only_a_tuner_whose_trials_train_few_steps_runs_without_grappler(properties, off):
    with unoptimized_functions.for_trials(properties):
        assert grappler_off() is off

    assert not grappler_off()


def test_the_tuner_runs_its_trials_without_grappler_and_the_trainer_keeps_it(monkeypatch):
    seen = {}
    monkeypatch.setattr(tuner_executor.Executor, "Do", lambda self, i, o, p: seen.update(tuner=grappler_off()))
    monkeypatch.setattr(
        trainer_executor.GenericExecutor, "Do", lambda self, i, o, p: seen.update(trainer=grappler_off())
    )
    monkeypatch.setattr("components.executors.stamp_model", lambda output_dict, exec_properties: None)

    TunerExecutor().Do({}, {}, {"train_args": train_args(100), "max_trials": 3})
    TrainerExecutor().Do({}, {}, {"train_args": train_args(100)})

    assert seen == {"tuner": True, "trainer": False}
    assert not grappler_off()


def test_a_vertex_tuning_worker_runs_short_trials_without_grappler_too(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(vertex_tuner._WorkerExecutor, "Do", lambda self, i, o, p: seen.append(grappler_off()))
    monkeypatch.delenv("CLUSTER_SPEC", raising=False)  # one machine, as TFX's worker assumes without it
    worker = TunerWorkerExecutor(vertex_tuner._WorkerExecutor.Context(tmp_dir=str(tmp_path)))

    worker.Do({}, {}, {"train_args": train_args(100)})
    worker.Do({}, {}, {"train_args": train_args(5_000)})

    assert seen == [True, False]
    assert not grappler_off()
