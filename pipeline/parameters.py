"""The pipeline's runtime parameters: a Vertex run can change them without recompiling."""

from dataclasses import dataclass
from typing import Dict, Union

from tfx.orchestration import data_types

from pipeline.config import PipelineConfig

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


def parse_values(items: Dict[str, str]) -> Dict[str, Union[str, int, float]]:
    """--param NAME=VALUE strings -> typed values; unknown names and bad values raise ValueError."""
    types = {"data_root": str, "train_steps": int, "eval_steps": int, "tuner_trials": int, "accuracy_threshold": float}
    values: Dict[str, Union[str, int, float]] = {}
    for name, raw in items.items():
        if name not in types:
            raise ValueError(f"unknown pipeline parameter '{name}'; choose from: {', '.join(types)}")
        try:
            values[name] = types[name](raw)
        except ValueError:
            raise ValueError(f"pipeline parameter '{name}' must be {types[name].__name__}, got {raw!r}") from None
    return values
