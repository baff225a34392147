"""The Markdown a CI job adds to its step summary ($GITHUB_STEP_SUMMARY): verdict, version, metrics, smoke lines."""

from pathlib import Path
from typing import List, Optional

from pipeline.config import PipelineConfig
from pipeline.registry.model import ModelVersion
from pipeline.release.smoke import Result


def pipeline_link(config: PipelineConfig, version: ModelVersion) -> str:
    """The pipeline run that trained the version: a link to its Vertex AI page, or its local run id."""
    run = version.pipeline_run or "unknown"
    if config.vertex is None or run == "unknown":
        return f"`{run}`"
    vertex = config.vertex
    url = f"https://console.cloud.google.com/vertex-ai/locations/{vertex.region}/pipelines/runs/{run}?project={vertex.project}"
    return f"[{run}]({url})"


def _version_lines(config: PipelineConfig, version: ModelVersion) -> List[str]:
    metrics = ", ".join(f"{name} {value:.4f}" for name, value in sorted(version.metrics.items())) or "none recorded"
    threshold = config.evaluation.accuracy_threshold
    return [
        f"- Version: `{version.version}` ({', '.join(version.aliases) or 'no alias'})",
        f"- Evaluator metrics: {metrics}; accuracy threshold {threshold:g}",
        f"- Pipeline run: {pipeline_link(config, version)}",
    ]


def smoke_markdown(config: PipelineConfig, result: Result) -> str:
    verdict = "passed" if result.passed else "FAILED"
    smoke = config.release.smoke
    lines = [
        f"### Smoke test of {result.stage}: {verdict}",
        "",
        *_version_lines(config, result.version),
        f"- Endpoint: `{result.where}`; examples: `{result.examples}`",
        f"- Limits: accuracy gap {smoke.max_accuracy_gap:g}, p50 {smoke.p50_ms:g} ms, p99 {smoke.p99_ms:g} ms",
        "",
        "```",
        *[check.line for check in result.checks],
        "```",
        "",
    ]
    return "\n".join(lines)


def promote_markdown(config: PipelineConfig, line: str, version: Optional[ModelVersion], ok: bool) -> str:
    lines = [f"### Promotion: {'done' if ok else 'refused'}", "", line, ""]
    if version is not None:
        lines[3:3] = _version_lines(config, version) + [""]
    return "\n".join(lines) + "\n"


def append(path: Optional[str], markdown: str) -> None:
    """Adds the Markdown to the summary file (GitHub appends each step's); nothing without a path."""
    if not path:
        return
    with Path(path).open("a", encoding="utf-8") as out:
        out.write(markdown + "\n")
