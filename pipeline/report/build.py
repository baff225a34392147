"""Builds a run's report from ML Metadata and its artifacts, and writes it as one HTML file."""

from dataclasses import dataclass
from pathlib import Path

from pipeline.report import data, evaluation, model_info, overview, runs, timeline, tuning, validation


@dataclass
class Report:
    """Every section of one run's report, as plain data."""

    run: runs.RunRecord
    overview: overview.Overview
    timeline: timeline.Timeline
    data: data.DataSection
    validation: validation.ValidationSection
    tuning: tuning.TuningSection
    evaluation: evaluation.EvaluationSection
    model: model_info.ModelSection


def build(record: runs.RunRecord) -> Report:
    nodes = record.nodes
    wall = record.facts.get("wall_seconds")
    steps = timeline.extract(nodes, float(wall) if isinstance(wall, (int, float)) else None)
    checks = validation.extract(nodes)
    evaluated = evaluation.extract(nodes)
    model = model_info.extract(nodes)
    return Report(
        run=record,
        overview=overview.extract(record.run_id, nodes, record.facts, (steps, checks, evaluated, model)),
        timeline=steps,
        data=data.extract(nodes),
        validation=checks,
        tuning=tuning.extract(nodes),
        evaluation=evaluated,
        model=model,
    )


def default_path(output_root: str, run_id: str) -> Path:
    return Path(output_root) / "reports" / f"run-{run_id}.html"
