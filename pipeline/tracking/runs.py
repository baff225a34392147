"""`vtx runs`: the tracked runs of the current backend as a table, and two runs side by side with what changed."""

import importlib
from typing import Any, Dict, List, Optional, Sequence, Tuple

from pipeline.config import PipelineConfig

# Parameters every run records that are not the model's hyperparameters.
PIPELINE_PARAMS = {"batch_size", "train_steps", "eval_steps", "split", "seed"}
ACCURACY = "eval.accuracy"
# Facts compared under "data" and "code", by tag. The input fingerprint (of the transformed split's files)
# changes whenever Transform re-runs, even on the same data: it stays a tag of the run, not compared.
DATA_TAGS = ("vtx.data_fingerprint",)
CODE_TAGS = ("vtx.git_commit", "versions.tfx", "versions.tensorflow")


class RunsError(Exception):
    """A run that is not there, or a tracker that cannot be read: one line for the user."""


def fetch(config: PipelineConfig, limit: int) -> List[Dict[str, Any]]:
    """The backend's pipeline runs, newest first, through the tracking module the settings name."""
    if config.tracking.backend == "none":
        raise RunsError("tracking.backend is none: no runs are tracked")
    module = importlib.import_module(config.modules.tracking)
    try:
        return list(module.list_runs(config.tracking_settings(), limit))
    except Exception as error:  # noqa: BLE001 - any client error becomes the one line the user sees
        raise RunsError(f"cannot read the {config.tracking.backend} runs: {error}") from None


def hyperparameters(run: Dict[str, Any]) -> Dict[str, str]:
    params = run["params"]
    return {k: v for k, v in sorted(params.items()) if k not in PIPELINE_PARAMS and "." not in k}


def table(runs: Sequence[Dict[str, Any]]) -> str:
    """One line per run: id, when, data fingerprint, chosen hyperparameters, accuracy, verdict, pushed version."""
    header = ("run id", "started (UTC)", "data", "hyperparameters", "accuracy", "verdict", "pushed")
    rows = [header]
    for run in runs:
        tags, metrics = run["tags"], run["metrics"]
        accuracy = metrics.get(ACCURACY)
        rows.append(
            (
                run["run_id"],
                run["started"],
                tags.get("vtx.data_fingerprint", "-")[:16],
                " ".join(f"{k}={v}" for k, v in hyperparameters(run).items()) or "-",
                f"{accuracy:.4f}" if accuracy is not None else "-",
                tags.get("vtx.verdict", "-"),
                tags.get("vtx.pushed_version", "-"),
            )
        )
    return "\n".join(_aligned(rows))


def _aligned(rows: Sequence[Sequence[str]]) -> List[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def find(runs: Sequence[Dict[str, Any]], wanted: str) -> Dict[str, Any]:
    """The run whose id is `wanted`, or the one run whose id starts with it."""
    exact = [run for run in runs if run["run_id"] == wanted]
    matches = exact or [run for run in runs if run["run_id"].startswith(wanted)]
    if len(matches) != 1:
        what = "no tracked run" if not matches else f"{len(matches)} tracked runs"
        raise RunsError(f"{what} with id {wanted!r}; `vtx runs` lists them")
    return matches[0]


def _rows(a: Dict[str, Any], b: Dict[str, Any]) -> List[Tuple[str, str, str, str]]:
    def section(title: str, left: Dict[str, Any], right: Dict[str, Any], keys: Sequence[str]) -> List[Tuple]:
        rows: List[Tuple[str, str, str, str]] = [(title, "", "", "")]
        for key in keys:
            x, y = _text(left.get(key)), _text(right.get(key))
            rows.append((f"  {key}", x, y, "changed" if x != y else ""))
        return rows

    params = sorted(set(a["params"]) | set(b["params"]))
    facts_a, facts_b = {**a["tags"], **a["params"]}, {**b["tags"], **b["params"]}
    metrics = sorted(set(a["metrics"]) | set(b["metrics"]))
    return (
        section("parameters", a["params"], b["params"], [k for k in params if not k.startswith("versions.")])
        + section("data", facts_a, facts_b, DATA_TAGS)
        + section("code", facts_a, facts_b, CODE_TAGS)
        + section("metrics", a["metrics"], b["metrics"], metrics)
        + section("outcome", a["tags"], b["tags"], ("vtx.verdict", "vtx.pushed_version"))
    )


def _text(value: Optional[Any]) -> str:
    if value is None:
        return "-"
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def compare(a: Dict[str, Any], b: Dict[str, Any]) -> str:
    """The two runs side by side, then one line per kind of change."""
    rows = [("", a["run_id"], b["run_id"], "")] + _rows(a, b)
    lines = _aligned(rows)
    changed: Dict[str, List[str]] = {}
    section = ""
    for name, _, _, mark in rows[1:]:
        if not name.startswith("  "):
            section = name
        elif mark:
            changed.setdefault(section, []).append(name.strip())
    for section_name in ("parameters", "data", "code"):
        names = changed.get(section_name, [])
        lines.append(f"Changed {section_name}: {', '.join(names) if names else 'none'}")
    return "\n".join(lines)
