"""The monitor's self-contained HTML page: a table of checks and one plot per feature, flagged ones first."""

from pathlib import Path

from pipeline.monitor.result import MonitorResult
from pipeline.report import charts, render

TEMPLATE = "monitor.html.j2"


def html(result: MonitorResult) -> str:
    """Plots are the report's own charts (matplotlib, inline SVG): training filled, serving outlined."""
    env = render.environment(Path(__file__).parent)
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
