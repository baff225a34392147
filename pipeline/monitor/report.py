"""The monitor's self-contained HTML page: a table of checks and one plot per feature, flagged ones first."""

from pathlib import Path

import jinja2

from pipeline.monitor.result import MonitorResult
from pipeline.report import charts

TEMPLATE = "monitor.html.j2"


def _number(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def html(result: MonitorResult) -> str:
    """Plots are the report's own charts (matplotlib, inline SVG): training filled, serving outlined."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = _number
    plots = {
        feature.name: charts.feature(result.distributions[feature.name], index)
        for index, feature in enumerate(result.features)
        if result.distributions.get(feature.name) and result.distributions[feature.name].by_split
    }
    return env.get_template(TEMPLATE).render(result=result, plots=plots)


def write(result: MonitorResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html(result))
    return path
