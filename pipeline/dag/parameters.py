"""The pipeline's runtime parameters: a Vertex run can change them without recompiling."""

import math
from dataclasses import dataclass
from typing import Any, Dict, Sequence, Union

from pydantic import BaseModel, ValidationError
from tfx.orchestration import data_types

from pipeline.config.core import EvaluationConfig, PipelineConfig, TrainingConfig, TuningConfig

Param = data_types.RuntimeParameter
# Runtime parameter name -> the setting it defaults to.
SETTINGS = {
    "data_root": "data_root",
    "train_steps": "training.train_steps",
    "eval_steps": "training.eval_steps",
    "tuner_trials": "tuning.trials",
    "accuracy_threshold": "evaluation.accuracy_threshold",
}


@dataclass(frozen=True)
class RunParameters:
    data_root: Param
    train_steps: Param
    eval_steps: Param
    tuner_trials: Param
    accuracy_threshold: Param


def run_parameters(config: PipelineConfig) -> RunParameters:
    """One RuntimeParameter per exposed setting, defaulting to the configured value.

    Local runs use the same parameters: the local runner fills in the defaults.
    """
    return RunParameters(
        data_root=Param(name="data_root", ptype=str, default=config.data_root),
        train_steps=Param(name="train_steps", ptype=int, default=config.training.train_steps),
        eval_steps=Param(name="eval_steps", ptype=int, default=config.training.eval_steps),
        tuner_trials=Param(name="tuner_trials", ptype=int, default=config.tuning.trials),
        accuracy_threshold=Param(name="accuracy_threshold", ptype=float, default=config.evaluation.accuracy_threshold),
    )


def default_parameter_values(config: PipelineConfig) -> Dict[str, Any]:
    """Each runtime parameter's value from the settings: what a run gets unless --param says otherwise.

    Runners pass these explicitly: TFX drops a default that is zero (0.0 is a fine accuracy_threshold).
    """
    values: Dict[str, Any] = {}
    for name, dotted in SETTINGS.items():
        value: Any = config
        for part in dotted.split("."):
            value = getattr(value, part)
        values[name] = value
    return values


# Runtime parameter name -> the settings field whose type and range it shares.
_FIELDS: Dict[str, tuple[type[BaseModel], str]] = {
    "train_steps": (TrainingConfig, "train_steps"),
    "eval_steps": (TrainingConfig, "eval_steps"),
    "tuner_trials": (TuningConfig, "trials"),
    "accuracy_threshold": (EvaluationConfig, "accuracy_threshold"),
}
_TYPES = {"data_root": str, "train_steps": int, "eval_steps": int, "tuner_trials": int, "accuracy_threshold": float}


def _in_range(name: str, value: Any, raw: str) -> None:
    section, field_name = _FIELDS[name]
    try:
        section.__pydantic_validator__.validate_assignment(section.model_construct(), field_name, value)
    except ValidationError as error:
        reason = error.errors()[0]["msg"].lower()
        raise ValueError(f"pipeline parameter '{name}' {reason}, got {raw!r}") from None


def parse_values(items: Dict[str, str]) -> Dict[str, Union[str, int, float]]:
    """--param NAME=VALUE strings -> typed values in the settings' ranges; anything else raises ValueError."""
    values: Dict[str, Union[str, int, float]] = {}
    for name, raw in items.items():
        if name not in _TYPES:
            raise ValueError(f"unknown pipeline parameter '{name}'; choose from: {', '.join(_TYPES)}")
        kind = _TYPES[name]
        try:
            value = kind(raw)
        except ValueError:
            raise ValueError(f"pipeline parameter '{name}' must be {kind.__name__}, got {raw!r}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"pipeline parameter '{name}' must be a finite number, got {raw!r}")
        if name in _FIELDS:
            _in_range(name, value, raw)
        values[name] = value
    return values


def parse_items(items: Sequence[str]) -> Dict[str, Union[str, int, float]]:
    """--param NAME=VALUE flags -> typed values, as parse_values; a flag without '=' raises ValueError too."""
    raw = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--param '{item}' must look like NAME=VALUE, e.g. train_steps=500")
        raw[name.strip()] = value
    return parse_values(raw)
