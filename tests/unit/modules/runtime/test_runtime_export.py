"""Unit tests of modules.runtime.export: the SavedModel of a model trained on 12 penguins from data/penguins.csv."""

from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_transform as tft
import tensorflow_transform.beam as tft_beam
from tensorflow_transform.tf_metadata import metadata_io

from modules import features, hparams, preprocessing
from modules import model as model_lib
from modules.runtime import data, export

pytestmark = pytest.mark.unit

SEED = 7

SPECIES = ["Adelie", "Chinstrap", "Gentoo"]
ROWS_PER_SPECIES = 4


class Exported(NamedTuple):
    penguins: List[Dict[str, Optional[str]]]  # the raw CSV rows, None where the CSV says NA
    examples: tf.Tensor  # the same penguins as serialized tf.Examples
    tf_transform_output: tft.TFTransformOutput
    model: tf.keras.Model  # the trained Keras model, before export
    loaded: Any  # the exported SavedModel, loaded back with tf.saved_model.load
    model_dir: Path  # where export.save wrote it
    size_bytes: int  # what export.save returned


@pytest.fixture(scope="module")
def penguins(csv_penguins) -> List[Dict[str, Optional[str]]]:
    """The first four penguins of each species in data/penguins.csv: three islands, and some NA values."""
    rows = [
        row for species in SPECIES for row in [r for r in csv_penguins if r["species"] == species][:ROWS_PER_SPECIES]
    ]
    assert len(rows) == len(SPECIES) * ROWS_PER_SPECIES
    assert any(row["sex"] is None for row in rows) and any(row["bill_length_mm"] is None for row in rows)
    return rows


@pytest.fixture(scope="module")
def exported(tmp_path_factory, penguins, raw_metadata, as_instance, as_example) -> Exported:
    root = tmp_path_factory.mktemp("serving")
    transform_dir = str(root / "transform_output")
    with tft_beam.Context(temp_dir=str(root / "tmp")):
        transform_fn = ([as_instance(row) for row in penguins], raw_metadata) | tft_beam.AnalyzeDataset(
            preprocessing.preprocessing_fn
        )
        _ = transform_fn | tft_beam.WriteTransformFn(transform_dir)
    # TFX's Transform writes the raw metadata next to the transform graph; serving reads its feature spec.
    metadata_io.write_metadata(raw_metadata, str(Path(transform_dir) / tft.TFTransformOutput.RAW_METADATA_DIR))
    tf_transform_output = tft.TFTransformOutput(transform_dir)

    examples = tf.constant([as_example(row) for row in penguins])
    transformed = tf_transform_output.transform_raw_features(
        tf.io.parse_example(examples, tf_transform_output.raw_feature_spec())
    )
    tf.keras.utils.set_random_seed(SEED)
    model = model_lib.build_model(hparams.defaults(), **data.shapes(tf_transform_output))
    labels = tf.reshape(transformed[data.LABEL], [-1])
    model.fit(data.as_model_inputs(transformed), labels, batch_size=len(penguins), epochs=40, verbose=0)

    model_dir = root / "model"
    size_bytes = export.save(model, tf_transform_output, str(model_dir))
    loaded = tf.saved_model.load(str(model_dir))
    return Exported(penguins, examples, tf_transform_output, model, loaded, model_dir, size_bytes)


def _class_names(exported: Exported) -> List[str]:
    return [name.decode() for name in exported.tf_transform_output.vocabulary_by_name(features.label_vocabulary_name())]


def _decoded(strings: tf.Tensor) -> List[str]:
    return [value.decode() for value in strings.numpy()]


def test_model_shapes_follow_the_vocabularies(exported):
    islands = {row["island"] for row in exported.penguins}
    sexes = {row["sex"] or features.MISSING_CATEGORY for row in exported.penguins}
    assert data.shapes(exported.tf_transform_output) == {
        "vocab_sizes": {"island": len(islands) + features.OOV_BUCKETS, "sex": len(sexes) + features.OOV_BUCKETS},
        "num_classes": len(SPECIES),
    }
    assert sorted(_class_names(exported)) == SPECIES


def test_save_returns_the_bytes_it_wrote(exported):
    files = [path for path in exported.model_dir.rglob("*") if path.is_file()]
    assert exported.model_dir / "saved_model.pb" in files
    assert any(path.parent.name == "variables" for path in files)
    assert exported.size_bytes == sum(path.stat().st_size for path in files)


def test_the_export_has_the_three_signatures(exported):
    assert set(exported.loaded.signatures) == {export.SERVING_DEFAULT, export.SERVING_RAW, export.TRANSFORM_FEATURES}


def test_serving_default_takes_serialized_examples(exported):
    signature = exported.loaded.signatures[export.SERVING_DEFAULT]
    _, inputs = signature.structured_input_signature
    assert {name: (spec.dtype, spec.shape.as_list()) for name, spec in inputs.items()} == {
        "examples": (tf.string, [None])
    }
    assert set(signature.structured_outputs) == {"classes", "probabilities", "class_names"}


def test_serving_default_returns_classes_probabilities_and_class_names(exported):
    out = exported.loaded.signatures[export.SERVING_DEFAULT](examples=exported.examples)
    batch = len(exported.penguins)
    probabilities = out["probabilities"].numpy()
    assert probabilities.shape == (batch, len(SPECIES))
    np.testing.assert_allclose(probabilities.sum(axis=1), np.ones(batch), atol=1e-5)
    class_names = [[name.decode() for name in row] for row in out["class_names"].numpy()]
    assert class_names == [_class_names(exported)] * batch
    classes = _decoded(out["classes"])
    assert set(classes) <= set(SPECIES)
    assert classes == [class_names[i][j] for i, j in enumerate(probabilities.argmax(axis=1))]


def test_serving_default_names_the_species_of_the_penguins_it_learned(exported):
    # Only holds if the class names line up with the label ids the model was trained on.
    out = exported.loaded.signatures[export.SERVING_DEFAULT](examples=exported.examples)
    assert _decoded(out["classes"]) == [row["species"] for row in exported.penguins]


def test_serving_default_matches_the_keras_model_on_transformed_features(exported):
    transformed = exported.tf_transform_output.transform_raw_features(
        tf.io.parse_example(exported.examples, exported.tf_transform_output.raw_feature_spec())
    )
    expected = exported.model(data.as_model_inputs(transformed)).numpy()
    out = exported.loaded.signatures[export.SERVING_DEFAULT](examples=exported.examples)
    np.testing.assert_allclose(out["probabilities"].numpy(), expected, atol=1e-6)


def test_serving_raw_takes_one_named_input_per_raw_feature(exported):
    _, inputs = exported.loaded.signatures[export.SERVING_RAW].structured_input_signature
    dtypes = {"float": tf.float32, "string": tf.string}
    assert {name: spec.dtype for name, spec in inputs.items()} == {
        key: dtypes[dtype] for key, dtype in features.raw_dtypes().items()
    }
    assert {spec.shape.as_list()[0] for spec in inputs.values()} == {None}


def test_a_raw_penguin_with_missing_values_gets_a_class_name(exported, as_raw_inputs):
    penguin = {
        "bill_length_mm": 46.1,
        "bill_depth_mm": 13.2,
        "flipper_length_mm": None,  # sent as NaN
        "body_mass_g": 4500,
        "island": "Biscoe",
        "sex": None,  # sent as ""
    }
    inputs = as_raw_inputs([penguin])
    assert np.isnan(inputs["flipper_length_mm"].numpy()[0]) and inputs["sex"].numpy()[0] == b""
    out = exported.loaded.signatures[export.SERVING_RAW](**inputs)
    assert _decoded(out["classes"]) == ["Gentoo"]
    assert out["probabilities"].shape == (1, len(SPECIES))


def test_serving_raw_and_serving_default_agree_on_probabilities(exported, as_raw_inputs):
    # The CSV rows include one with every measurement and the sex missing, and rows with only the sex missing.
    raw = exported.loaded.signatures[export.SERVING_RAW](**as_raw_inputs(exported.penguins))
    default = exported.loaded.signatures[export.SERVING_DEFAULT](examples=exported.examples)
    np.testing.assert_allclose(raw["probabilities"].numpy(), default["probabilities"].numpy(), atol=1e-6)
    assert _decoded(raw["classes"]) == _decoded(default["classes"])


def test_an_empty_string_in_a_tf_example_counts_as_missing_like_serving_raw_does(exported, as_raw_inputs, as_example):
    penguin = dict(exported.penguins[0], sex="")
    raw = exported.loaded.signatures[export.SERVING_RAW](**as_raw_inputs([dict(penguin, sex=None)]))
    default = exported.loaded.signatures[export.SERVING_DEFAULT](examples=tf.constant([as_example(penguin)]))
    np.testing.assert_allclose(raw["probabilities"].numpy(), default["probabilities"].numpy(), atol=1e-6)


def test_transform_features_returns_the_label_id(exported):
    out = exported.loaded.signatures[export.TRANSFORM_FEATURES](examples=exported.examples)
    label = features.transformed_name(features.LABEL_KEY)
    assert label in out
    names = _class_names(exported)
    assert out[label].numpy().tolist() == [names.index(row["species"]) for row in exported.penguins]
    for key in features.feature_keys():
        assert features.transformed_name(key) in out, key


def test_the_exported_model_carries_the_serving_contract_pipeline_reads(exported):
    """modules/ cannot import pipeline/, so its copy of the contract's names is held to pipeline/contract.py."""
    from pipeline import contract

    assert (export.SERVING_RAW, export.SERVING_DEFAULT, export.SERVING_EXAMPLES, export.TRANSFORM_FEATURES) == (
        contract.RAW_SIGNATURE,
        contract.DEFAULT_SIGNATURE,
        contract.EXAMPLES_SIGNATURE,
        contract.TRANSFORM_SIGNATURE,
    )
    assert (export.DEFAULT_INPUTS_KEY, export.TAKES_EXAMPLES, export.TAKES_RAW) == (
        contract.DEFAULT_INPUTS_KEY,
        contract.DEFAULT_TAKES_EXAMPLES,
        contract.DEFAULT_TAKES_RAW,
    )
    evaluated = contract.evaluated_signature(contract.DEFAULT_TAKES_EXAMPLES)
    signatures = exported.loaded.signatures
    assert {contract.RAW_SIGNATURE, evaluated, contract.TRANSFORM_SIGNATURE} <= set(signatures)
    for name in (contract.RAW_SIGNATURE, evaluated):
        assert set(signatures[name].structured_outputs) == set(contract.OUTPUTS)


# --- For a prebuilt TF Serving container: serving_default takes raw features, the Evaluator calls serving_examples.


@pytest.fixture(scope="module")
def raw_default(exported, tmp_path_factory):
    """The same trained model, exported as the Trainer does when its custom_config asks for a raw serving_default."""
    model_dir = tmp_path_factory.mktemp("raw-default") / "model"
    custom_config = {export.DEFAULT_INPUTS_KEY: export.TAKES_RAW, "code_fingerprint": "abc"}
    export.save(exported.model, exported.tf_transform_output, str(model_dir), custom_config)
    return tf.saved_model.load(str(model_dir))


def test_a_raw_serving_default_takes_the_raw_features_and_the_examples_signature_moves_aside(raw_default):
    from pipeline import contract

    signatures = raw_default.signatures
    assert set(signatures) == {
        export.SERVING_DEFAULT,
        export.SERVING_RAW,
        export.SERVING_EXAMPLES,
        export.TRANSFORM_FEATURES,
    }
    _, default_inputs = signatures[export.SERVING_DEFAULT].structured_input_signature
    _, raw_inputs = signatures[export.SERVING_RAW].structured_input_signature
    assert set(default_inputs) == set(features.raw_dtypes()) == set(raw_inputs)
    _, examples_inputs = signatures[contract.evaluated_signature(contract.DEFAULT_TAKES_RAW)].structured_input_signature
    assert list(examples_inputs) == ["examples"]


def test_a_raw_serving_default_predicts_what_the_examples_signature_does(exported, raw_default, as_raw_inputs):
    by_default = raw_default.signatures[export.SERVING_DEFAULT](**as_raw_inputs(exported.penguins))
    by_examples = raw_default.signatures[export.SERVING_EXAMPLES](examples=exported.examples)
    before = exported.loaded.signatures[export.SERVING_DEFAULT](examples=exported.examples)
    np.testing.assert_allclose(by_default["probabilities"].numpy(), by_examples["probabilities"].numpy(), atol=1e-6)
    np.testing.assert_allclose(by_examples["probabilities"].numpy(), before["probabilities"].numpy(), atol=1e-6)
    assert _decoded(by_default["classes"]) == [row["species"] for row in exported.penguins]


@pytest.mark.parametrize(
    ("custom_config", "expected"),
    [
        (None, export.TAKES_EXAMPLES),
        ({}, export.TAKES_EXAMPLES),
        ({export.DEFAULT_INPUTS_KEY: "raw"}, export.TAKES_RAW),
    ],
)
def test_the_trainers_custom_config_says_what_serving_default_takes(custom_config, expected):
    assert export.default_inputs(custom_config) == expected


def test_an_unknown_serving_default_choice_is_refused_by_name():
    with pytest.raises(ValueError, match=r"custom_config serving_default_inputs must be examples or raw, not 'json'"):
        export.default_inputs({export.DEFAULT_INPUTS_KEY: "json"})


def test_a_category_sent_as_digits_is_read_as_the_integer_column_it_was_in_the_csv():
    spec = tf.io.VarLenFeature(tf.int64)

    parsed = export._as_parsed(tf.constant(["3", "", "1"]), spec)

    assert parsed.values.numpy().tolist() == [3, 1]
    assert parsed.indices.numpy()[:, 0].tolist() == [0, 2]
