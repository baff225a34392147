"""Model knobs: the hyperparameter search space, its defaults, and training constants."""

from typing import Any, Dict

import keras_tuner

# >>> Edit here: the model's knobs. <<<
BATCH_SIZE = 32
EVAL_BATCH_SIZE = 64
EPOCHS = 10
# The seed is a pipeline setting (training.seed), so that a run can be repeated with another one.

DEFAULTS: Dict[str, Any] = {
    "hidden_units": 16,
    "num_layers": 2,
    "learning_rate": 0.01,
}


def search_space() -> keras_tuner.HyperParameters:
    """The space the Tuner searches; each knob's default is DEFAULTS[knob]."""
    hp = keras_tuner.HyperParameters()
    hp.Choice("hidden_units", [16, 8, 32], default=DEFAULTS["hidden_units"])
    hp.Int("num_layers", 1, 3, default=DEFAULTS["num_layers"])
    hp.Choice("learning_rate", [0.01, 0.003, 0.03], default=DEFAULTS["learning_rate"])
    return hp


def defaults() -> keras_tuner.HyperParameters:
    """Hyperparameters used when tuning is off."""
    hp = keras_tuner.HyperParameters()
    for name, value in DEFAULTS.items():
        hp.Fixed(name, value)
    return hp
