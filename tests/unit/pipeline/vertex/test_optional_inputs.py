"""Unit tests of the inputs a resolver feeds: optional in the spec, since a first run's resolver finds nothing."""

import copy
import json
from typing import Any, Dict

import pytest
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

from pipeline.vertex.compile import resolved_inputs_optional

pytestmark = pytest.mark.unit

MODEL = {"artifactType": {"instanceSchema": "title: tfx.Model\ntype: object\n"}}
BLESSING = {"artifactType": {"instanceSchema": "title: tfx.ModelBlessing\ntype: object\n"}}


def _own(definitions: Dict[str, Any]) -> Dict[str, Any]:
    return {key: copy.deepcopy(value) for key, value in definitions.items()}


def component(inputs: Dict[str, Any], outputs: Dict[str, Any], label: str) -> Dict[str, Any]:
    # Each definition its own dict, as parsed JSON has them.
    spec: Dict[str, Any] = {"executorLabel": label, "outputDefinitions": {"artifacts": _own(outputs)}}
    if inputs:
        spec["inputDefinitions"] = {"artifacts": _own(inputs)}
    return spec


def fed(producer: str, key: str) -> Dict[str, Any]:
    return {"taskOutputArtifact": {"producerTask": producer, "outputArtifactKey": key}}


def task(name: str, **artifacts: Dict[str, Any]) -> Dict[str, Any]:
    spec: Dict[str, Any] = {"taskInfo": {"name": name}, "componentRef": {"name": name}}
    if artifacts:
        spec["inputs"] = {"artifacts": artifacts}
    return spec


def job() -> Dict[str, Any]:
    """Trainer -> Evaluator <- Resolver-model-resolver <- Resolver-model-blessing-resolver, as TFX compiles them."""
    resolver = {"resolver": {"outputArtifactQueries": {"model": {"filter": 'schema_title="tfx.Model"'}}}}
    container = {"container": {"image": "image", "command": ["python"]}}
    return {
        "pipelineSpec": {
            "pipelineInfo": {"name": "p"},
            "schemaVersion": "2.1.0",
            "components": {
                "Trainer": component({}, {"model": MODEL}, "Trainer_executor"),
                "Resolver-model-blessing-resolver": component({}, {"model_blessing": BLESSING}, "B_executor"),
                "Resolver-model-resolver": component({"input": BLESSING}, {"model": MODEL}, "M_executor"),
                "Evaluator": component({"model": MODEL, "baseline_model": MODEL}, {}, "Evaluator_executor"),
            },
            "deploymentSpec": {
                "executors": {
                    "Trainer_executor": container,
                    "B_executor": resolver,
                    "M_executor": resolver,
                    "Evaluator_executor": container,
                }
            },
            "root": {
                "dag": {
                    "tasks": {
                        "Trainer": task("Trainer"),
                        "Resolver-model-blessing-resolver": task("Resolver-model-blessing-resolver"),
                        "Resolver-model-resolver": task(
                            "Resolver-model-resolver", input=fed("Resolver-model-blessing-resolver", "model_blessing")
                        ),
                        "Evaluator": task(
                            "Evaluator",
                            model=fed("Trainer", "model"),
                            baseline_model=fed("Resolver-model-resolver", "model"),
                        ),
                    }
                }
            },
        }
    }


def test_only_a_container_tasks_input_that_a_resolver_feeds_becomes_optional():
    spec = job()

    assert resolved_inputs_optional(spec) == ["Evaluator.baseline_model"]

    components = spec["pipelineSpec"]["components"]
    assert components["Evaluator"]["inputDefinitions"]["artifacts"]["baseline_model"]["isOptional"] is True
    assert "isOptional" not in components["Evaluator"]["inputDefinitions"]["artifacts"]["model"]
    # The second resolver's query reads its input's metadata: it is left as TFX compiled it.
    assert "isOptional" not in components["Resolver-model-resolver"]["inputDefinitions"]["artifacts"]["input"]


def test_the_marked_spec_is_still_a_pipeline_spec_to_kfps_own_proto():
    spec = job()
    resolved_inputs_optional(spec)

    parsed = json_format.Parse(json.dumps(spec["pipelineSpec"]), pipeline_spec_pb2.PipelineSpec())

    assert parsed.components["Evaluator"].input_definitions.artifacts["baseline_model"].is_optional
    assert not parsed.components["Evaluator"].input_definitions.artifacts["model"].is_optional


def test_marking_twice_changes_nothing_more():
    spec = job()
    resolved_inputs_optional(spec)
    once = json.dumps(spec, sort_keys=True)
    resolved_inputs_optional(spec)
    assert json.dumps(spec, sort_keys=True) == once
