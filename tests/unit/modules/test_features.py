"""Unit tests of modules.features: the raw feature keys and dtypes agree with each other and with the curated schema."""

import pytest

from modules import features

pytestmark = pytest.mark.unit


def test_feature_keys_are_numerics_then_categoricals_without_the_label():
    assert features.feature_keys() == features.NUMERIC_FEATURES + features.CATEGORICAL_FEATURES
    assert features.LABEL_KEY not in features.feature_keys()
    assert len(set(features.feature_keys())) == len(features.feature_keys())


def test_raw_dtypes_cover_exactly_the_feature_keys():
    assert list(features.raw_dtypes()) == features.feature_keys()
    assert {features.raw_dtypes()[key] for key in features.NUMERIC_FEATURES} == {"float"}
    assert {features.raw_dtypes()[key] for key in features.CATEGORICAL_FEATURES} == {"string"}


def test_raw_dtypes_match_the_curated_schema(raw_feature_spec):
    # A client sends floats for FLOAT and INT columns (serving casts them back), strings for BYTES ones.
    sent = {"float32": "float", "int64": "float", "string": "string"}
    assert {key: sent[raw_feature_spec[key].dtype.name] for key in features.feature_keys()} == features.raw_dtypes()
    assert raw_feature_spec[features.LABEL_KEY].dtype.name == "string"


def test_names_of_transformed_features_and_vocabularies():
    assert features.transformed_name("island") == "island_xf"
    assert features.vocabulary_name("sex") == "sex_vocab"
    assert features.label_vocabulary_name() == features.LABEL_KEY
    names = [features.vocabulary_name(key) for key in features.CATEGORICAL_FEATURES]
    assert features.label_vocabulary_name() not in names


def test_the_pipeline_copies_of_names_agree_with_modules():
    """pipeline/ cannot import modules/; it keeps copies of the transformed suffix, the seed and trials keys."""
    from tfx.extensions.google_cloud_ai_platform.tuner.executor import REMOTE_TRIALS_WORKING_DIR_KEY

    from modules.runtime import determinism, tuning
    from pipeline.config.dataset import TRANSFORMED_SUFFIX
    from pipeline.dag.targets import SEED_KEY, TRIALS_DIR_KEY

    assert features.transformed_name("age") == "age" + TRANSFORMED_SUFFIX
    assert determinism.SEED_KEY == SEED_KEY
    assert tuning.TRIALS_DIR_KEY == TRIALS_DIR_KEY == REMOTE_TRIALS_WORKING_DIR_KEY


def test_the_features_are_the_dataset_definitions():
    from pipeline.config.dataset import read_dataset

    dataset = read_dataset(str(features.DATASET_FILE.parent))

    assert (dataset.name, dataset.label) == (features.DATASET_NAME, features.LABEL_KEY)
    assert features.feature_keys() == dataset.feature_columns


def test_the_date_format_and_parts_are_the_pipelines():
    from modules.runtime import dates
    from pipeline.config import dataset

    assert dates.DATE_PATTERN == dataset.DATE_PATTERN
    assert dates.EXPECTED == dataset.DATE_FORMAT
    assert features.DATE_PARTS == dataset.DATE_PARTS


def test_the_model_reads_each_chosen_part_of_each_date(monkeypatch):
    monkeypatch.setattr(features, "NUMERIC_FEATURES", ["distance"])
    monkeypatch.setattr(features, "CATEGORICAL_FEATURES", ["origin"])
    monkeypatch.setattr(features, "DATE_FEATURES", ["departed"])
    monkeypatch.setattr(features, "CHOSEN_DATE_PARTS", ["year", "hour"])

    assert features.feature_keys() == ["distance", "origin", "departed"]
    assert features.model_inputs() == ["distance", "departed_year", "departed_hour", "origin"]
    assert features.raw_dtypes() == {"distance": "float", "origin": "string", "departed": "string"}
