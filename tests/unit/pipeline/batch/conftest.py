"""A tiny SavedModel with the pushed model's `serving_raw` contract, registered in a local registry."""

import shutil
from pathlib import Path
from typing import Callable, List

import pytest

CLASSES = ["Adelie", "Gentoo", "Chinstrap"]
VERSION = "1700000000"


def build_tiny_model(path: Path, pick: str = "argmax") -> None:
    """probabilities = softmax([bill_length_mm / 10, 5 if island == Biscoe, 0]); NaN counts as 0.

    `pick` names the tf function that chooses each row's class from them: "argmin" breaks the serving contract.
    """
    import tensorflow as tf

    class Tiny(tf.Module):
        @tf.function(
            input_signature=[
                tf.TensorSpec([None], tf.float32, name="bill_length_mm"),
                tf.TensorSpec([None], tf.string, name="island"),
            ]
        )
        def serving_raw(self, bill_length_mm, island):
            length = tf.where(tf.math.is_nan(bill_length_mm), tf.zeros_like(bill_length_mm), bill_length_mm)
            biscoe = tf.cast(tf.equal(island, "Biscoe"), tf.float32) * 5.0
            probabilities = tf.nn.softmax(tf.stack([length / 10.0, biscoe, tf.zeros_like(length)], axis=1))
            names = tf.constant(CLASSES)
            return {
                "classes": tf.gather(names, getattr(tf, pick)(probabilities, axis=1)),
                "probabilities": probabilities,
                "class_names": tf.tile(names[tf.newaxis], [tf.shape(length)[0], 1]),
            }

    module = Tiny()
    tf.saved_model.save(module, str(path), signatures={"serving_raw": module.serving_raw})


def expected(length: float, island: str) -> List[float]:
    """What the tiny model answers, computed without TensorFlow."""
    import math

    logits = [0.0 if math.isnan(length) else length / 10.0, 5.0 if island == "Biscoe" else 0.0, 0.0]
    total = sum(math.exp(v) for v in logits)
    return [math.exp(v) / total for v in logits]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tiny-model") / "model"
    build_tiny_model(path)
    return path


@pytest.fixture
def output_root(tmp_path: Path, tiny_model: Path) -> Path:
    """An output_root whose local registry has the tiny model as its only (production) version."""
    root = tmp_path / "outputs"
    shutil.copytree(tiny_model, root / "serving_model" / "penguins" / VERSION)
    return root


@pytest.fixture
def write_inputs(tmp_path: Path) -> Callable[..., Path]:
    def write(files: dict, folder: str = "in") -> Path:
        root = tmp_path / folder
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(text.encode() if isinstance(text, str) else text)
        return root

    return write
