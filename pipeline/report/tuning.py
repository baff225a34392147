"""The Tuning section: the Tuner's trials, their hyperparameters and objective, the best one marked."""

import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from pipeline import mlmd

# What TFX's Tuner executor writes: the completed trials, best first, and the best trial's hyperparameters.
RESULTS_FILE = "tuner_results.json"
BEST_FILE = "best_hyperparameters.txt"


@dataclass
class Trial:
    trial_id: str
    score: Optional[float]
    hyperparameters: Dict[str, Any]
    best: bool = False


@dataclass
class TuningSection:
    """status: 'executed', 'cached', 'not run' (stopped before it) or 'disabled' (no Tuner in the DAG)."""

    status: str = "not run"
    trials: List[Trial] = field(default_factory=list)
    names: List[str] = field(default_factory=list)
    best: Dict[str, Any] = field(default_factory=dict)
    results_uri: Optional[str] = None


def _trial_order(trial: Trial):
    return (0, int(trial.trial_id)) if trial.trial_id.isdigit() else (1, trial.trial_id)


def trials_from(results: List[Dict[str, Any]], best: Dict[str, Any]) -> List[Trial]:
    """Rows of tuner_results.json in trial order; the best is the one with the best hyperparameters."""
    trials = [
        Trial(
            trial_id=str(row["trial_id"]),
            score=row.get("score"),
            hyperparameters={k: v for k, v in row.items() if k not in ("trial_id", "score")},
        )
        for row in results
    ]
    # Scores can tie, so the best is the trial whose hyperparameters TFX wrote as the best; failing that,
    # the first row, as tuner_results.json lists trials best first.
    winner = next((t for t in trials if best and t.hyperparameters == best), trials[0] if trials else None)
    if winner is not None:
        winner.best = True
    return sorted(trials, key=_trial_order)


def _read_json(path: str) -> Any:
    with open(path) as handle:
        return json.load(handle)


def extract(nodes: Dict[str, mlmd.NodeRun]) -> TuningSection:
    node = nodes.get("Tuner")
    if node is None:
        trainer = nodes.get("Trainer")
        # The Trainer ran without a Tuner upstream: tuning is off in this configuration.
        tuned = trainer is not None and "hyperparameters" in trainer.inputs
        return TuningSection(status="disabled" if trainer is not None and not tuned else "not run")
    section = TuningSection(status=node.status)
    if not node.outputs.get("tuner_results"):
        return section
    section.results_uri = node.outputs["tuner_results"][0].uri
    best_path = os.path.join(node.outputs["best_hyperparameters"][0].uri, BEST_FILE)
    section.best = _read_json(best_path).get("values", {}) if os.path.exists(best_path) else {}
    results_path = os.path.join(section.results_uri, RESULTS_FILE)
    section.trials = trials_from(_read_json(results_path) if os.path.exists(results_path) else [], section.best)
    section.names = sorted({name for trial in section.trials for name in trial.hyperparameters})
    return section
