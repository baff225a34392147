"""Unit tests of the Vertex AI baseline query: it finds this pipeline's blessings of this dataset, and no other."""

import re
from typing import Any, Dict, List, Optional

import pytest
from google.protobuf import json_format
from tfx.orchestration.kubeflow.v2.container import kubeflow_v2_entrypoint_utils
from tfx.types import standard_artifacts

from components import dataset_identity, eval_policy, executors
from pipeline.vertex.compile import baselines_of_this_pipeline
from tests.fakes.vertex.common import all_clauses

pytestmark = pytest.mark.unit

PENGUINS = {"name": "penguins", "label": "species", "numeric": ["bill_length_mm"], "categorical": ["island"]}
TITANIC = {"name": "titanic", "label": "survived", "numeric": ["age"], "categorical": ["sex"]}
# What TFX 1.16's Kubeflow V2 compiler writes for LatestBlessedModelStrategy's blessing query (step_builder.py).
TFX_FILTER = 'schema_title="tfx.ModelBlessing" AND state=LIVE AND metadata.blessed.number_value=1'
# One AIP-160 comparison: a field, `=`, and a quoted string or a bare word or number.
CLAUSE = re.compile(r'^(?P<field>[\w.]+)\s*=\s*(?:"(?P<text>[^"]*)"|(?P<bare>[\w.]+))$')


def blessing(pipeline: str, dataset: Optional[Dict[str, Any]], blessed: int = 1) -> Dict[str, Any]:
    """A ModelBlessing as our Evaluator leaves it, in the form Vertex ML Metadata keeps (the TFX entrypoint's)."""
    artifact = standard_artifacts.ModelBlessing()
    artifact.uri = f"gs://my-bucket-1/root/{pipeline}/Evaluator/blessing"
    artifact.set_int_custom_property(executors.BLESSED_KEY, blessed)
    executors.stamp_blessing({"blessing": [artifact]}, eval_policy.Policy("label", dataset=dataset, pipeline=pipeline))
    output = kubeflow_v2_entrypoint_utils.translate_executor_output({"blessing": [artifact]}, {})["blessing"]
    (found,) = json_format.MessageToDict(output)["artifacts"]
    return {"schemaTitle": "tfx.ModelBlessing", "state": "LIVE", **found}


def holds(artifact: Dict[str, Any], found: "re.Match[str]") -> bool:
    field, text, bare = found["field"], found["text"], found["bare"]
    if field == "schema_title":
        return artifact["schemaTitle"] == text
    if field == "state":
        return artifact["state"] == bare
    _, key, kind = field.split(".")
    value = artifact.get("metadata", {}).get(key)
    if kind == "number_value":
        return value == float(bare)
    assert kind == "string_value", field
    return value == text


def resolver(key: str, expression: str) -> Dict[str, Any]:
    return {"resolver": {"outputArtifactQueries": {key: {"filter": expression}}}}


def query(pipeline: str, dataset: Dict[str, Any]) -> str:
    """The blessing query of a job whose resolvers TFX compiled, once narrowed; the model query is left alone."""
    executors_ = {
        "Resolver-model-blessing-resolver": resolver("model_blessing", TFX_FILTER),
        "Resolver-model-resolver": resolver("model", 'schema_title="tfx.Model"'),
    }
    assert (
        baselines_of_this_pipeline(
            {"pipelineSpec": {"deploymentSpec": {"executors": executors_}}},
            pipeline,
            dataset_identity.identity(dataset),
        )
        == 1
    )
    assert executors_["Resolver-model-resolver"] == resolver("model", 'schema_title="tfx.Model"')
    return executors_["Resolver-model-blessing-resolver"]["resolver"]["outputArtifactQueries"]["model_blessing"][
        "filter"
    ]


def matching(expression: str, store: List[Dict[str, Any]]) -> List[str]:
    def selected(artifact: Dict[str, Any]) -> bool:
        return all_clauses(expression, CLAUSE, lambda found: holds(artifact, found))

    return [artifact["uri"] for artifact in store if selected(artifact)]


def test_of_two_pipelines_blessing_models_of_one_dataset_only_ours_is_the_baseline():
    store = [blessing("vertex-tfx-penguins", PENGUINS), blessing("penguins-canary", PENGUINS)]

    assert matching(TFX_FILTER, store) == [artifact["uri"] for artifact in store]
    assert matching(query("vertex-tfx-penguins", PENGUINS), store) == [store[0]["uri"]]
    assert matching(query("penguins-canary", PENGUINS), store) == [store[1]["uri"]]


def test_a_blessing_of_another_dataset_unblessed_or_unstamped_is_never_the_baseline():
    ours = "vertex-tfx-penguins"
    store = [blessing(ours, TITANIC), blessing(ours, PENGUINS, blessed=0), blessing(ours, None)]

    assert matching(query(ours, PENGUINS), store) == []
    assert matching(query(ours, TITANIC), store) == [store[0]["uri"]]


def test_the_query_keeps_tfxs_clauses_and_adds_the_pipeline_and_the_dataset():
    identity = dataset_identity.identity(PENGUINS)
    assert query("vertex-tfx-penguins", PENGUINS) == (
        f'{TFX_FILTER} AND metadata.pipeline_name.string_value="vertex-tfx-penguins"'
        f' AND metadata.dataset_identity.string_value="{identity}"'
    )
