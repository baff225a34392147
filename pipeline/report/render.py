"""Renders a Report to one HTML page with jinja2: styles and SVG charts inline, no script, no link out."""

from pathlib import Path
from typing import Any, Dict, Optional

import jinja2

from pipeline.report import charts
from pipeline.report.build import Report
from pipeline.report.chart_cache import FOLDER, ChartCache

TEMPLATE = "report.html.j2"


def _number(value: Optional[float], digits: int = 3) -> str:
    if value is None:
        return "–"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.{digits}f}"


def _size(count: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024  # type: ignore[assignment] # a float from here on
    return ""


def _lower_bound(report: Report) -> Optional[float]:
    """The overall value threshold of the gated metric, drawn on the evaluation chart."""
    for threshold in report.evaluation.thresholds:
        if threshold.metric == report.evaluation.metric and threshold.rule.startswith(">= "):
            return float(threshold.rule[3:])
    return None


def chart_svgs(report: Report, cache: Optional[ChartCache] = None) -> Dict[str, Any]:
    feature = cache.feature if cache is not None else charts.feature
    return {
        "timeline": charts.timeline(report.timeline) if report.timeline.steps else None,
        "features": [feature(f, i) for i, f in enumerate(report.data.features)],
        "tuning": charts.tuning(report.tuning.trials),
        "evaluation": charts.evaluation(report.evaluation.slices, report.evaluation.metric, _lower_bound(report)),
    }


def environment(templates: Path = Path(__file__).parent) -> jinja2.Environment:
    """The pages' jinja2 setup: templates in `templates`, autoescaped, strict, with the number and size filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = _number
    env.filters["size"] = _size
    return env


def html(report: Report, cache: Optional[ChartCache] = None) -> str:
    return environment().get_template(TEMPLATE).render(report=report, charts=chart_svgs(report, cache))


def write(report: Report, path: Path, keep_charts: bool = False) -> Path:
    """Renders the report to `path`; returns its absolute path. With keep_charts, the feature charts are taken
    from, and kept in, the folder beside it (chart_cache.py): for the reports `vtx run` writes."""
    cache = ChartCache(path.parent / FOLDER) if keep_charts else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html(report, cache), encoding="utf-8")
    if cache is not None:
        cache.keep_only_used()
    return path.resolve()
