"""The serving choice as the DAG sees it: what the Trainer's serving_default takes and what the Evaluator calls."""

import pytest

from pipeline import contract
from pipeline.config import load_config
from pipeline.dag import serving_container, targets
from pipeline.dag.eval_config import eval_config
from tests.builders.vertex_settings import REQUIRED

pytestmark = pytest.mark.unit

VERTEX = REQUIRED


@pytest.mark.parametrize(
    ("profile", "overrides", "inputs", "trainer", "evaluated"),
    [
        ("local", [], "examples", {}, "serving_default"),
        ("vertex", VERTEX, "examples", {}, "serving_default"),
        (
            "vertex",
            [*VERTEX, "vertex.pusher.serving=prebuilt"],
            "raw",
            {"serving_default_inputs": "raw"},
            "serving_examples",
        ),
    ],
    ids=["local", "vertex-custom", "vertex-prebuilt"],
)
def test_only_a_prebuilt_container_changes_the_export_and_the_evaluators_signature(
    profile, overrides, inputs, trainer, evaluated
):
    config = load_config(profile=profile, overrides=overrides, environ={})

    assert serving_container.default_inputs(config) == inputs
    assert targets.export_config(config) == trainer
    assert eval_config(config).model_specs[0].signature_name == evaluated


def test_the_signature_the_evaluator_calls_follows_what_serving_default_takes():
    assert contract.evaluated_signature(contract.DEFAULT_TAKES_EXAMPLES) == contract.DEFAULT_SIGNATURE
    assert contract.evaluated_signature(contract.DEFAULT_TAKES_RAW) == contract.EXAMPLES_SIGNATURE
    with pytest.raises(ValueError, match=r"serving_default takes one of examples, raw, not 'json'"):
        contract.evaluated_signature("json")


def test_a_local_config_has_no_serving_container():
    with pytest.raises(ValueError, match="only a model pushed to Vertex AI has a serving container"):
        serving_container.container_spec(load_config(profile="local", environ={}))
