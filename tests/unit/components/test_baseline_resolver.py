"""Unit tests of components.baseline_resolver: the baseline is the latest blessed model of the candidate's dataset
that is not the candidate."""

from typing import List, Optional

import pytest
from tfx.components.evaluator import constants as evaluator_constants
from tfx.types import standard_artifacts

from components import dataset_identity
from components.baseline_resolver import (
    BLESSING_KEY,
    CANDIDATE_KEY,
    MODEL_KEY,
    LatestBlessedBaselineStrategy,
)

pytestmark = pytest.mark.unit


PENGUINS = {"name": "penguins", "label": "species", "numeric": ["bill_length_mm"], "categorical": ["island"]}


def model(artifact_id: int, dataset: Optional[dict] = PENGUINS) -> standard_artifacts.Model:
    """A Model as our Trainer writes it: with the dataset it was trained on (None: an older, unstamped one)."""
    artifact = standard_artifacts.Model()
    artifact.id = artifact_id
    artifact.uri = f"/models/{artifact_id}"
    dataset_identity.stamp([artifact], dataset)
    return artifact


def blessing(artifact_id: int, model_id: int, blessed: bool) -> standard_artifacts.ModelBlessing:
    """A ModelBlessing as the TFX Evaluator writes it."""
    artifact = standard_artifacts.ModelBlessing()
    artifact.id = artifact_id
    artifact.set_int_custom_property(evaluator_constants.ARTIFACT_PROPERTY_BLESSED_KEY, 1 if blessed else 0)
    artifact.set_int_custom_property(evaluator_constants.ARTIFACT_PROPERTY_CURRENT_MODEL_ID_KEY, model_id)
    return artifact


def resolve(models: List, blessings: List, candidate: Optional[List]) -> dict:
    input_dict = {MODEL_KEY: models, BLESSING_KEY: blessings}
    if candidate is not None:
        input_dict[CANDIDATE_KEY] = candidate
    return LatestBlessedBaselineStrategy().resolve_artifacts(store=None, input_dict=input_dict)


def ids(artifacts: List) -> List[int]:
    return [artifact.id for artifact in artifacts]


def test_evaluator_property_names_are_the_ones_the_strategy_reads():
    assert evaluator_constants.ARTIFACT_PROPERTY_BLESSED_KEY == "blessed"
    assert evaluator_constants.ARTIFACT_PROPERTY_CURRENT_MODEL_ID_KEY == "current_model_id"


def test_returns_the_latest_blessed_model_that_is_not_the_candidate():
    models = [model(1), model(2), model(3), model(4)]
    blessings = [blessing(11, 1, True), blessing(12, 2, True), blessing(13, 3, False), blessing(14, 4, True)]

    result = resolve(models, blessings, candidate=[models[3]])

    assert ids(result[MODEL_KEY]) == [2]
    assert ids(result[BLESSING_KEY]) == [12]
    assert ids(result[CANDIDATE_KEY]) == [4]


def test_input_order_does_not_matter():
    models = [model(4), model(1), model(3), model(2)]
    blessings = [blessing(14, 4, True), blessing(12, 2, True), blessing(11, 1, True), blessing(13, 3, True)]

    result = resolve(models, blessings, candidate=[model(4)])

    assert ids(result[MODEL_KEY]) == [3]
    assert ids(result[BLESSING_KEY]) == [13]


def test_when_the_only_blessed_model_is_the_candidate_there_is_no_baseline():
    models = [model(1), model(2)]
    blessings = [blessing(11, 1, False), blessing(12, 2, True)]

    result = resolve(models, blessings, candidate=[models[1]])

    assert result[MODEL_KEY] == []
    assert result[BLESSING_KEY] == []
    assert ids(result[CANDIDATE_KEY]) == [2]


def test_first_run_without_models_or_blessings_has_no_baseline():
    result = resolve([], [], candidate=[model(1)])

    assert result == {MODEL_KEY: [], BLESSING_KEY: [], CANDIDATE_KEY: result[CANDIDATE_KEY]}
    assert ids(result[CANDIDATE_KEY]) == [1]


def test_unblessed_models_are_never_a_baseline():
    models = [model(1), model(2)]
    blessings = [blessing(11, 1, False), blessing(12, 2, False)]

    result = resolve(models, blessings, candidate=[model(3)])

    assert result[MODEL_KEY] == []
    assert result[BLESSING_KEY] == []


def test_the_candidate_is_compared_by_id_not_identity():
    result = resolve([model(1), model(2)], [blessing(11, 1, True), blessing(12, 2, True)], candidate=[model(2)])

    assert ids(result[MODEL_KEY]) == [1]


def test_without_a_candidate_it_is_the_latest_blessed_model():
    result = resolve([model(1), model(2)], [blessing(11, 1, True), blessing(12, 2, True)], candidate=None)

    assert ids(result[MODEL_KEY]) == [2]
    assert ids(result[BLESSING_KEY]) == [12]
    assert result[CANDIDATE_KEY] == []


def test_the_inputs_are_not_changed():
    models = [model(2), model(1)]
    blessings = [blessing(11, 1, True), blessing(12, 2, True)]
    candidate = [model(2)]

    resolve(models, blessings, candidate)

    assert ids(models) == [2, 1]
    assert ids(blessings) == [11, 12]
    assert ids(candidate) == [2]


@pytest.mark.parametrize(
    "other",
    [
        {**PENGUINS, "name": "titanic"},
        {**PENGUINS, "label": "island"},
        {**PENGUINS, "numeric": ["bill_length_mm", "body_mass_g"]},
        None,
    ],
    ids=["another-dataset-name", "another-label", "another-feature-set", "no-dataset-recorded"],
)
def test_a_model_of_another_dataset_label_or_feature_set_is_never_the_baseline(other):
    models = [model(1), model(2, other), model(3)]
    blessings = [blessing(11, 1, True), blessing(12, 2, True)]

    result = resolve(models, blessings, candidate=[models[2]])

    assert ids(result[MODEL_KEY]) == [1]
    assert ids(result[BLESSING_KEY]) == [11]


def test_when_only_another_dataset_has_a_blessed_model_there_is_no_baseline():
    titanic = {"name": "titanic", "label": "survived", "numeric": ["age"], "categorical": ["class", "sex"]}

    result = resolve([model(1), model(2, titanic)], [blessing(11, 1, True)], candidate=[model(2, titanic)])

    assert result[MODEL_KEY] == []
    assert result[BLESSING_KEY] == []


def test_the_order_of_features_does_not_change_the_identity():
    shuffled = {**PENGUINS, "numeric": ["b", "a"], "categorical": ["d", "c"]}
    ordered = {**PENGUINS, "numeric": ["a", "b"], "categorical": ["c", "d"]}

    assert dataset_identity.identity(shuffled) == dataset_identity.identity(ordered)
    assert dataset_identity.identity(ordered).startswith("penguins-")
