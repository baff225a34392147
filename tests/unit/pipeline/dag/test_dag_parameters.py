"""The runtime parameters: defaults from the settings, and --param values typed and checked by name."""

import dataclasses

import pytest

from pipeline.config.loader import load_config
from pipeline.dag.parameters import SETTINGS, parse_values, run_parameters

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def config():
    return load_config(
        overrides=[
            "data_root=/srv/penguins",
            "training.train_steps=123",
            "training.eval_steps=4",
            "tuning.trials=7",
            "evaluation.accuracy_threshold=0.85",
        ],
        environ={},
    )


def test_each_parameter_defaults_to_its_setting(config):
    params = run_parameters(config)

    assert {field.name: getattr(params, field.name).default for field in dataclasses.fields(params)} == {
        "data_root": "/srv/penguins",
        "train_steps": 123,
        "eval_steps": 4,
        "tuner_trials": 7,
        "accuracy_threshold": 0.85,
    }


def test_each_parameter_is_named_and_typed_like_its_setting(config):
    params = run_parameters(config)

    named = {field.name: getattr(params, field.name) for field in dataclasses.fields(params)}
    assert {name: param.name for name, param in named.items()} == {name: name for name in named}
    assert {name: param.ptype for name, param in named.items()} == {
        "data_root": str,
        "train_steps": int,
        "eval_steps": int,
        "tuner_trials": int,
        "accuracy_threshold": float,
    }
    assert set(named) == set(SETTINGS)


def test_the_settings_table_names_the_setting_each_default_comes_from(config):
    params = run_parameters(config)

    for name, dotted in SETTINGS.items():
        value = config
        for part in dotted.split("."):
            value = getattr(value, part)
        assert getattr(params, name).default == value, name


def test_values_are_typed_like_the_parameters(config):
    values = parse_values(
        {
            "data_root": "gs://bucket/new-data",
            "train_steps": "500",
            "eval_steps": "10",
            "tuner_trials": "2",
            "accuracy_threshold": "0.95",
        }
    )

    assert values == {
        "data_root": "gs://bucket/new-data",
        "train_steps": 500,
        "eval_steps": 10,
        "tuner_trials": 2,
        "accuracy_threshold": 0.95,
    }
    params = run_parameters(config)
    assert {name: type(value) for name, value in values.items()} == {
        name: getattr(params, name).ptype for name in values
    }


def test_no_values_give_no_values():
    assert parse_values({}) == {}


def test_an_unknown_name_is_refused_with_the_known_ones():
    with pytest.raises(ValueError) as caught:
        parse_values({"train_steps": "5", "learning_rate": "0.1"})

    message = str(caught.value)
    assert message.startswith("unknown pipeline parameter 'learning_rate'; choose from: ")
    assert all(name in message for name in SETTINGS)


@pytest.mark.parametrize(
    "name, raw, kind",
    [
        ("train_steps", "many", "int"),
        ("train_steps", "1.5", "int"),
        ("eval_steps", "", "int"),
        ("tuner_trials", "3 trials", "int"),
        ("accuracy_threshold", "high", "float"),
        ("accuracy_threshold", "90%", "float"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_the_parameter(name, raw, kind):
    with pytest.raises(ValueError, match=f"^pipeline parameter '{name}' must be {kind}, got {raw!r}$"):
        parse_values({name: raw})


@pytest.mark.parametrize(
    "name, raw",
    [
        ("train_steps", "0"),
        ("eval_steps", "-5"),
        ("tuner_trials", "0"),
        ("accuracy_threshold", "1.5"),
        ("accuracy_threshold", "-0.1"),
        ("accuracy_threshold", "nan"),
    ],
)
def test_a_value_the_settings_would_refuse_is_refused_naming_the_parameter(name, raw):
    """The same ranges as the settings: a run must not get 0 train steps or a 150% accuracy floor."""
    with pytest.raises(ValueError, match=f"pipeline parameter '{name}'"):
        parse_values({name: raw})
