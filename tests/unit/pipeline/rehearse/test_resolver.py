"""The spec's own resolver filters applied to a small artifact store, as Vertex AI's outputArtifactQueries are."""

import pytest

from pipeline.rehearse import filters, spec
from pipeline.rehearse.engine import resolve
from pipeline.rehearse.store import Store

pytestmark = pytest.mark.unit


def blessing(store: Store, model: str, blessed: int, identity: str, pipeline: str = "vertex-tfx-penguins") -> dict:
    return store.record(
        {
            "name": f"blessing-of-{model}-{identity}",
            "schema_title": "tfx.ModelBlessing",
            "type": {"schemaTitle": "tfx.ModelBlessing"},
            "uri": f"gs://b/{model}/blessing",
            "metadata": {
                "blessed": blessed,
                "current_model_id": model,
                "dataset_identity": identity,
                "pipeline_name": pipeline,
            },
        }
    )


def model(store: Store, name: str) -> dict:
    return store.record(
        {"name": name, "schema_title": "tfx.Model", "type": {}, "uri": f"gs://b/{name}", "metadata": {}}
    )


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "store.json")


def identity_of(tasks) -> str:
    query = tasks["Resolver-model-blessing-resolver"].executor["resolver"]["outputArtifactQueries"]["model_blessing"]
    clauses = {clause.field: clause.value for clause in filters.parse(query["filter"])}
    return clauses["metadata.dataset_identity.string_value"]


def test_an_empty_store_answers_no_baseline(tasks, store):
    blessings = resolve(tasks["Resolver-model-blessing-resolver"], {}, store)
    assert blessings == {"model_blessing": []}
    assert resolve(tasks["Resolver-model-resolver"], {"input": []}, store) == {"model": []}


def test_the_newest_blessed_model_of_this_dataset_is_the_baseline(tasks, store):
    identity = identity_of(tasks)
    model(store, "m1"), model(store, "m2"), model(store, "m3"), model(store, "m4"), model(store, "m5")
    blessing(store, "m1", 1, identity)
    newest = blessing(store, "m2", 1, identity)
    blessing(store, "m3", 0, identity)  # newer, not blessed
    blessing(store, "m4", 1, "another-dataset-123")  # newer, another dataset's
    blessing(store, "m5", 1, identity, pipeline="another-pipeline")  # newer, another pipeline's
    found = resolve(tasks["Resolver-model-blessing-resolver"], {}, store)
    assert found == {"model_blessing": [newest]}
    # The model resolver's filter names the blessing's current_model_id, a placeholder the launcher fills in.
    assert (
        resolve(tasks["Resolver-model-resolver"], {"input": found["model_blessing"]}, store)["model"][0]["name"] == "m2"
    )


def test_the_store_survives_a_reload(tasks, store, tmp_path):
    blessing(store, "m1", 1, identity_of(tasks))
    store.save()
    assert Store(tmp_path / "store.json").artifacts == store.artifacts


def test_a_clause_the_reader_does_not_know_is_an_error_not_a_match():
    with pytest.raises(filters.FilterError, match="create_time"):
        filters.parse('schema_title="tfx.Model" AND create_time>"2024"')
    with pytest.raises(filters.FilterError, match="display_name"):
        filters.parse('display_name="x"')


def test_number_and_string_clauses_compare_by_kind():
    clauses = filters.parse('metadata.blessed.number_value=1 AND metadata.kind.string_value="a b"')
    assert filters.matches({"metadata": {"blessed": 1.0, "kind": "a b"}}, clauses)
    assert not filters.matches({"metadata": {"blessed": "1", "kind": "a b"}}, clauses)
    assert not filters.matches({"metadata": {"blessed": 1, "kind": "a"}}, clauses)


def test_a_placeholder_of_a_missing_input_resolves_nothing():
    text = "name=\"{{$.inputs.artifacts['input'].metadata['current_model_id']}}\""
    assert spec.fill_input_metadata(text, {"input": []}) is None
    assert spec.fill_input_metadata(text, {"input": [{"metadata": {"current_model_id": "m"}}]}) == 'name="m"'
