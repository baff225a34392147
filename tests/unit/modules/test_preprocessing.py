"""Unit tests of modules.preprocessing: preprocessing_fn through TFT's real Beam analyze-and-transform."""

from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Tuple

import numpy as np
import pytest
import tensorflow_transform as tft
import tensorflow_transform.beam as tft_beam

from modules import features, preprocessing

pytestmark = pytest.mark.unit

# Five penguins as Transform reads them; None is a missing value. Each (island, sex, species) is unique.
RAW_ROWS: List[Dict[str, Any]] = [
    {"species": "Adelie", "island": "Torgersen", "bill_length_mm": 39.1, "bill_depth_mm": 18.7,
     "flipper_length_mm": 181, "body_mass_g": 3750, "sex": "male", "year": 2007},
    {"species": "Chinstrap", "island": "Dream", "bill_length_mm": None, "bill_depth_mm": 17.9,
     "flipper_length_mm": 192, "body_mass_g": None, "sex": None, "year": 2007},
    {"species": "Gentoo", "island": "Biscoe", "bill_length_mm": 46.1, "bill_depth_mm": 13.2,
     "flipper_length_mm": 211, "body_mass_g": 4500, "sex": "female", "year": 2008},
    {"species": "Gentoo", "island": "Biscoe", "bill_length_mm": 50.0, "bill_depth_mm": None,
     "flipper_length_mm": None, "body_mass_g": 5700, "sex": "male", "year": 2008},
    {"species": "Chinstrap", "island": "Dream", "bill_length_mm": 49.5, "bill_depth_mm": 19.0,
     "flipper_length_mm": 200, "body_mass_g": 3800, "sex": "female", "year": 2009},
]  # fmt: skip
# Transformed after the analysis: an island Transform never saw, an empty sex and missing numerics.
UNSEEN_ROW: Dict[str, Any] = {
    "species": "Adelie", "island": "Atlantis", "bill_length_mm": 42.0, "bill_depth_mm": None,
    "flipper_length_mm": 190, "body_mass_g": None, "sex": "", "year": 2009,
}  # fmt: skip

RowKey = Tuple[str, str, str]


class Transformed(NamedTuple):
    rows: List[Dict[str, Any]]  # the transformed RAW_ROWS, in Beam's order
    unseen: Dict[str, Any]  # the transformed UNSEEN_ROW
    vocabularies: Dict[str, List[str]]  # vocabulary file name -> its lines


def _vocabulary_file(output: tft.TFTransformOutput, name: str) -> List[str]:
    return Path(output.vocabulary_file_by_name(name)).read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def transformed(tmp_path_factory, raw_metadata, as_instance) -> Transformed:
    root = tmp_path_factory.mktemp("preprocessing")
    with tft_beam.Context(temp_dir=str(root / "tmp")):
        (rows, _), transform_fn = (
            [as_instance(row) for row in RAW_ROWS],
            raw_metadata,
        ) | tft_beam.AnalyzeAndTransformDataset(preprocessing.preprocessing_fn)
        unseen, _ = (([as_instance(UNSEEN_ROW)], raw_metadata), transform_fn) | tft_beam.TransformDataset()
        _ = transform_fn | tft_beam.WriteTransformFn(str(root / "transform_fn"))
    output = tft.TFTransformOutput(str(root / "transform_fn"))
    names = [features.vocabulary_name(key) for key in features.CATEGORICAL_FEATURES]
    vocabularies = {name: _vocabulary_file(output, name) for name in [*names, features.label_vocabulary_name()]}
    assert len(rows) == len(RAW_ROWS) and len(unseen) == 1
    return Transformed(rows=rows, unseen=unseen[0], vocabularies=vocabularies)


def _expected_key(row: Dict[str, Any]) -> RowKey:
    return row["island"], row["sex"] or features.MISSING_CATEGORY, row["species"]


def _decoded_key(transformed: Transformed, output: Dict[str, Any]) -> RowKey:
    """A transformed row's (island, sex, species), its ids looked up in the vocabulary files."""
    island = transformed.vocabularies[features.vocabulary_name("island")][output[features.transformed_name("island")]]
    sex = transformed.vocabularies[features.vocabulary_name("sex")][output[features.transformed_name("sex")]]
    label = features.transformed_name(features.LABEL_KEY)
    species = transformed.vocabularies[features.label_vocabulary_name()][output[label]]
    return island, sex, species


def _paired(transformed: Transformed) -> List[Tuple[Dict[str, Any], Dict[str, Any]]]:
    """(raw row, its transformed row) pairs, whatever order Beam returned the rows in."""
    by_key = {_decoded_key(transformed, output): output for output in transformed.rows}
    return [(row, by_key[_expected_key(row)]) for row in RAW_ROWS]


def _z_score(key: str, value: float) -> float:
    """(value - mean) / population std over the values of `key` that RAW_ROWS actually hold."""
    present = np.array([row[key] for row in RAW_ROWS if row[key] is not None], dtype=np.float64)
    return float((value - present.mean()) / present.std())


def test_the_raw_spec_is_the_varlen_one_of_the_curated_schema(raw_feature_spec):
    # The rows above are written for this spec; it must stay what Transform reads the CSV with.
    assert {key: (type(spec).__name__, spec.dtype.name) for key, spec in raw_feature_spec.items()} == {
        "bill_length_mm": ("VarLenFeature", "float32"),
        "bill_depth_mm": ("VarLenFeature", "float32"),
        "flipper_length_mm": ("VarLenFeature", "int64"),
        "body_mass_g": ("VarLenFeature", "int64"),
        "island": ("VarLenFeature", "string"),
        "sex": ("VarLenFeature", "string"),
        "species": ("VarLenFeature", "string"),
        "year": ("VarLenFeature", "int64"),
    }


def test_vocabularies_hold_the_training_values_and_the_missing_category(transformed):
    assert sorted(transformed.vocabularies["island_vocab"]) == ["Biscoe", "Dream", "Torgersen"]
    assert sorted(transformed.vocabularies["sex_vocab"]) == sorted([features.MISSING_CATEGORY, "female", "male"])
    assert sorted(transformed.vocabularies["species"]) == ["Adelie", "Chinstrap", "Gentoo"]


def test_categorical_and_label_ids_follow_the_written_vocabulary_files(transformed):
    decoded = Counter(_decoded_key(transformed, output) for output in transformed.rows)
    assert decoded == Counter(_expected_key(row) for row in RAW_ROWS)


def test_missing_sex_maps_to_the_missing_category_entry(transformed):
    missing_id = transformed.vocabularies["sex_vocab"].index(features.MISSING_CATEGORY)
    ids = [output["sex_xf"] for row, output in _paired(transformed) if row["sex"] is None]
    assert ids == [missing_id]


@pytest.mark.parametrize("key", features.NUMERIC_FEATURES)
def test_present_numerics_are_z_scores_over_present_values(transformed, key):
    pairs = [(row[key], output[features.transformed_name(key)]) for row, output in _paired(transformed)]
    present = [(value, got) for value, got in pairs if value is not None]
    assert len(present) >= 3
    expected = [_z_score(key, value) for value, _ in present]
    np.testing.assert_allclose([got for _, got in present], expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("key", features.NUMERIC_FEATURES)
def test_present_z_scores_have_zero_mean_and_unit_population_std(transformed, key):
    pairs = _paired(transformed)
    got = np.array([output[features.transformed_name(key)] for row, output in pairs if row[key] is not None])
    assert got.mean() == pytest.approx(0.0, abs=1e-5)
    # Scaling by the sample std instead would leave a population std of sqrt((n - 1) / n) here.
    assert got.std() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("key", features.NUMERIC_FEATURES)
def test_missing_numerics_become_exactly_zero(transformed, key):
    missing = [output[features.transformed_name(key)] for row, output in _paired(transformed) if row[key] is None]
    assert missing == [0.0] * len(missing)


def test_the_rows_cover_what_the_tests_above_rely_on():
    # Each numeric has exactly one missing value, and the rows can be told apart by their categoricals.
    for key in features.NUMERIC_FEATURES:
        assert sum(row[key] is None for row in RAW_ROWS) == 1, key
    assert sum(row["sex"] is None for row in RAW_ROWS) == 1
    assert len({_expected_key(row) for row in RAW_ROWS}) == len(RAW_ROWS)


def test_unseen_island_maps_to_the_oov_bucket(transformed):
    island_vocab = transformed.vocabularies["island_vocab"]
    assert "Atlantis" not in island_vocab
    # compute_and_apply_vocabulary puts the OOV buckets right after the vocabulary.
    assert transformed.unseen["island_xf"] == len(island_vocab)
    assert features.OOV_BUCKETS == 1


def test_empty_sex_at_transform_time_maps_to_the_missing_category(transformed):
    assert transformed.unseen["sex_xf"] == transformed.vocabularies["sex_vocab"].index(features.MISSING_CATEGORY)


def test_transform_time_numerics_use_the_training_statistics(transformed):
    for key in features.NUMERIC_FEATURES:
        got = transformed.unseen[features.transformed_name(key)]
        if UNSEEN_ROW[key] is None:
            assert got == 0.0, key
        else:
            assert got == pytest.approx(_z_score(key, UNSEEN_ROW[key]), rel=1e-5, abs=1e-5), key


def test_transform_time_label_id_follows_the_label_vocabulary(transformed):
    assert transformed.unseen["species_xf"] == transformed.vocabularies["species"].index(UNSEEN_ROW["species"])


def test_a_label_or_category_written_as_a_number_becomes_its_text():
    import tensorflow as tf

    ints = tf.SparseTensor(indices=[[0, 0], [2, 0]], values=tf.constant([1, 0], tf.int64), dense_shape=[3, 1])

    assert preprocessing.as_text(tf.constant([1, 0], tf.int64)).numpy().tolist() == [b"1", b"0"]
    assert preprocessing.as_text(tf.constant([2.5, 3.0])).numpy().tolist() == [b"2.5", b"3"]
    assert preprocessing.as_text(tf.constant(["a"])).numpy().tolist() == [b"a"]
    assert preprocessing.fill_category(ints).numpy().tolist() == [b"1", features.MISSING_CATEGORY.encode(), b"0"]
