"""The report's charts: matplotlib figures rendered to inline SVG text (no JavaScript, no fonts to fetch)."""

# Why matplotlib: its SVG backend gives static vector charts that need nothing at view time, and it is
# mature and well kept. Plotly would inline its JavaScript bundle (several MB) into every report; Altair and
# Vega-Lite need the vega JavaScript libraries (inlined, or fetched from a CDN, which the report must
# not do) or a headless renderer to make SVG. Interactivity is not worth that in a page attached to a PR.
# The Figure API is used directly, without pyplot: no global state and no GUI backend to select.

import io
import re
from typing import List, Optional

from matplotlib import rc_context
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from pipeline.report.data import FeatureStats
from pipeline.report.evaluation import SliceMetrics
from pipeline.report.timeline import Timeline
from pipeline.report.tuning import Trial

SPLIT_COLORS = {"train": "#4c72b0", "eval": "#dd8452"}
STATUS_COLORS = {"executed": "#4c72b0", "cached": "#9aa5b1", "failed": "#c44e52"}
MODEL_COLORS = {"candidate": "#4c72b0", "baseline": "#9aa5b1"}
MAX_CATEGORIES = 8
# No <metadata> block: no date (reports of the same run are identical) and no RDF links.
NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}
STYLE = {
    # Text stays text, drawn by the browser's sans-serif font, instead of glyph outlines per character.
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def to_svg(figure: Figure, name: str) -> str:
    """The figure as an <svg> element whose ids, and references to them, start with `name`.

    matplotlib numbers its groups from 1 in every figure ('figure_1', 'patch_1'); one page holds many.
    """
    buffer = io.StringIO()
    with rc_context({"svg.hashsalt": name}):
        figure.savefig(buffer, format="svg", metadata=NO_METADATA, bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    return re.sub(r'(\bid="|url\(#|href="#)', rf"\g<1>{name}-", text)


def timeline(steps: Timeline) -> str:
    with rc_context(STYLE):
        figure = Figure(figsize=(7.5, 0.32 * len(steps.steps) + 0.9))
        axes = figure.subplots()
        names = [step.node_id for step in steps.steps]
        for row, step in enumerate(steps.steps):
            # A cached step takes no time; a sliver keeps it visible.
            width = max(step.seconds, steps.total_seconds / 400 or 0.05)
            axes.barh(row, width, left=step.start, color=STATUS_COLORS.get(step.status, "#dddddd"))
            label = f"{step.seconds:.1f} s {step.status}"
            axes.annotate(label, (step.start + width, row), xytext=(3, 0), textcoords="offset points", va="center")
        axes.set_yticks(range(len(names)), names)
        axes.invert_yaxis()
        axes.set_xlabel("seconds since the run's first component started")
        axes.set_xlim(0, max(steps.total_seconds, 1.0) * 1.25)
        return to_svg(figure, "timeline")


def feature(stats: FeatureStats, index: int) -> str:
    """Train against eval: a histogram for a number, the share of each value for a category."""
    with rc_context(STYLE):
        figure = Figure(figsize=(3.6, 2.1))
        axes = figure.subplots()
        labels = list(dict.fromkeys(label for s in stats.by_split.values() for label, _ in s.ranks))[:MAX_CATEGORIES]
        # Every split on the same bucket edges, so that their bars compare.
        edges, shared = stats.shared_histograms()
        for offset, (split, split_stats) in enumerate(stats.by_split.items()):
            total = split_stats.count or 1
            color = SPLIT_COLORS.get(split, "#555555")
            if split in shared:
                axes.stairs(shared[split], edges, label=split, color=color, fill=split == "train", alpha=0.55)
            elif split_stats.ranks:
                counts = dict(split_stats.ranks)
                positions = [i + (offset - 0.5) * 0.4 for i in range(len(labels))]
                axes.bar(positions, [counts.get(label, 0) / total for label in labels], 0.4, label=split, color=color)
                axes.set_xticks(range(len(labels)), labels, rotation=20, fontsize=7)
        axes.set_ylabel("share of examples")
        axes.set_title(stats.name, fontsize=9)
        axes.legend(fontsize=7, frameon=False, loc="best")
        return to_svg(figure, f"feature-{index}")


def tuning(trials: List[Trial], objective: str = "score") -> Optional[str]:
    scored = [trial for trial in trials if trial.score is not None]
    if not scored:
        return None
    with rc_context(STYLE):
        figure = Figure(figsize=(5.0, 2.4))
        axes = figure.subplots()
        ids = [trial.trial_id for trial in scored]
        axes.plot(ids, [float(trial.score or 0.0) for trial in scored], marker="o", color=SPLIT_COLORS["train"])
        for trial in scored:
            if trial.best:
                axes.plot(
                    [trial.trial_id], [float(trial.score or 0.0)], "*", markersize=16, color="#c44e52", label="best"
                )
        axes.set_xlabel("trial")
        axes.set_ylabel(objective)
        axes.legend(fontsize=7, frameon=False)
        return to_svg(figure, "tuning")


def evaluation(slices: List[SliceMetrics], metric: str, lower_bound: Optional[float]) -> Optional[str]:
    rows = [row for row in slices if row.candidate is not None]
    if not rows:
        return None
    with rc_context(STYLE):
        figure = Figure(figsize=(6.0, 0.34 * len(rows) + 1.0))
        axes = figure.subplots()
        for row_index, row in enumerate(rows):
            axes.barh(row_index - 0.2, float(row.candidate or 0.0), height=0.4, color=MODEL_COLORS["candidate"])
            if row.baseline is not None:
                axes.barh(row_index + 0.2, row.baseline, height=0.4, color=MODEL_COLORS["baseline"])
        handles: List[Artist] = [Patch(color=MODEL_COLORS["candidate"], label="candidate")]
        if any(row.baseline is not None for row in rows):
            handles.append(Patch(color=MODEL_COLORS["baseline"], label="baseline"))
        if lower_bound is not None:
            handles.append(
                axes.axvline(lower_bound, color="#c44e52", linestyle="--", label=f"threshold {lower_bound:.3f}")
            )
        axes.set_yticks(range(len(rows)), [row.name for row in rows])
        axes.invert_yaxis()
        axes.set_xlim(0, 1.05)
        axes.set_xlabel(metric)
        axes.legend(handles=handles, fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(1.0, 0.0))
        return to_svg(figure, "evaluation")
