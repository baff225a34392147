"""Unit tests of components.preloaded_model: in this process the Evaluator loads its candidate once, for the output
check and for TFMA, through TFX's own lookup of `custom_eval_shared_model`; elsewhere TFMA loads it as before."""

import json
from pathlib import Path

import pytest
import tensorflow as tf
from apache_beam.internal import pickler
from tfx.components.evaluator import executor as evaluator_executor
from tfx.components.util import udf_utils
from tfx.types import standard_artifacts
from tfx.utils import proto_utils

from components import output_check, preloaded_model
from components.executors import EvaluatorExecutor
from pipeline.config.loader import load_config
from pipeline.dag.eval_config import eval_config
from tests.unit.components.test_output_check import eval_split, saved_model

pytestmark = pytest.mark.unit

VALID = [0.2, 0.3, 0.5]


@pytest.fixture
def loads(monkeypatch):
    """The paths tf.compat.v1.saved_model.load_v2 (TFMA's and our load) is called with, in order."""
    seen = []
    real = tf.compat.v1.saved_model.load_v2

    def counting(path, tags=None, **kwargs):
        seen.append(str(path))
        return real(path, tags=tags, **kwargs)

    monkeypatch.setattr(tf.compat.v1.saved_model, "load_v2", counting)
    return seen


def test_a_kept_path_is_loaded_once_and_let_go_on_exit(tmp_path, loads):
    path = saved_model(tmp_path / "model", VALID)

    with preloaded_model.kept(path):
        first, second = preloaded_model.load(path), preloaded_model.load(str(Path(path)) + "/")
        assert first is second
    assert preloaded_model.load(path) is not first, "nothing stays kept after the run"
    assert loads == [path, path]


def test_nothing_is_kept_without_a_path(tmp_path, loads):
    path = saved_model(tmp_path / "model", VALID)

    with preloaded_model.kept(None):
        assert preloaded_model.load(path) is not preloaded_model.load(path)
    assert len(loads) == 2


def test_the_kept_model_survives_tfx_reloading_the_module(tmp_path, loads):
    path = saved_model(tmp_path / "model", VALID)

    with preloaded_model.kept(path):
        model = preloaded_model.load(path)
        function = udf_utils.try_get_fn({preloaded_model.PROPERTY: preloaded_model.FUNCTION}, preloaded_model.PROPERTY)
        shared = function(eval_saved_model_path=path, model_name="candidate", eval_config=None)
        assert shared.model_loader.construct_fn() is model
    assert loads == [path]


def test_tfmas_loader_pickled_as_beam_pickles_it_finds_the_kept_model_or_loads_it(tmp_path, loads):
    path = saved_model(tmp_path / "model", VALID)
    config = eval_config(load_config(environ={}))

    with preloaded_model.kept(path):
        model = preloaded_model.load(path)
        shared = preloaded_model.eval_shared_model(path, config.model_specs[0].name, config)
        construct = pickler.loads(pickler.dumps(shared.model_loader.construct_fn))
        assert construct() is model
    assert construct() is not model, "a worker with nothing kept loads the model from its path"
    assert shared.model_type == tfma_generic()


def test_outside_a_kept_run_tfma_gets_its_default_loader(tmp_path, loads):
    path = saved_model(tmp_path / "model", VALID)
    config = eval_config(load_config(environ={}))

    shared = preloaded_model.eval_shared_model(path, config.model_specs[0].name, config)
    shared.model_loader.construct_fn()

    assert shared.model_loader.construct_fn.__module__ != preloaded_model.__name__
    assert loads == [path]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], True),
        (["--direct_num_workers=2", "--direct_running_mode=multi_threading"], True),
        (["--runner=DirectRunner", "--pickle_library=cloudpickle"], True),
        (["--direct_running_mode=multi_processing", "--direct_num_workers=2"], False),
        (["--runner=DataflowRunner", "--project=p", "--region=r"], False),
        (["--runner=PortableRunner", "--job_endpoint=localhost:8099"], False),
    ],
)
def test_only_steps_run_in_this_process_share_the_model(args, expected):
    assert preloaded_model.in_process(args) is expected


def tfma_generic() -> str:
    import tensorflow_model_analysis as tfma

    return tfma.TF_GENERIC


def evaluator_run(tmp_path, row):
    """An Evaluator's inputs and outputs around a candidate answering `row` and a 7-example eval split."""
    model, examples = standard_artifacts.Model(), standard_artifacts.Examples()
    model.uri = str(tmp_path / "Trainer" / "model")
    saved_model(tmp_path / "Trainer" / "model" / "Format-Serving", row)
    examples.uri = eval_split(tmp_path / "examples")
    evaluation, blessing = standard_artifacts.ModelEvaluation(), standard_artifacts.ModelBlessing()
    evaluation.uri, blessing.uri = str(tmp_path / "evaluation"), str(tmp_path / "blessing")
    config = eval_config(load_config(environ={}))
    properties = {"eval_config": proto_utils.proto_to_json(config)}
    return {"model": [model], "examples": [examples]}, {"evaluation": [evaluation], "blessing": [blessing]}, properties


@pytest.mark.parametrize(("beam_args", "candidate_loads"), [([], 1), (["--direct_running_mode=multi_processing"], 2)])
def test_the_evaluator_loads_its_candidate_once_when_tfma_runs_here(
    tmp_path, monkeypatch, loads, beam_args, candidate_loads
):
    inputs, outputs, properties = evaluator_run(tmp_path, VALID)
    given = []

    def tfma_do(self, input_dict, output_dict, exec_properties):
        # What TFX's Evaluator does with the property, then TFMA's load of the model through the loader.
        function = udf_utils.try_get_fn(exec_properties, preloaded_model.PROPERTY) or preloaded_model.eval_shared_model
        config = eval_config(load_config(environ={}))
        shared = function(eval_saved_model_path=model_dir, model_name=config.model_specs[0].name, eval_config=config)
        given.append((exec_properties.get(preloaded_model.PROPERTY), shared.model_loader.construct_fn()))

    monkeypatch.setattr(evaluator_executor.Executor, "Do", tfma_do)
    model_dir = str(tmp_path / "Trainer" / "model" / "Format-Serving")
    context = evaluator_executor.Executor.Context(beam_pipeline_args=beam_args, tmp_dir=str(tmp_path / "tmp"))

    EvaluatorExecutor(context).Do(inputs, outputs, properties)

    ((property_given, model),) = given
    assert loads == [model_dir] * candidate_loads
    assert property_given == (preloaded_model.FUNCTION if candidate_loads == 1 else None)
    assert "serving_examples" in model.signatures
    checked = json.loads((tmp_path / "evaluation" / output_check.REASON_FILE).read_text())
    assert checked["passed"], "the output check ran on the same candidate first"
    assert preloaded_model.load(model_dir) is not model, "the candidate is let go after the run"
