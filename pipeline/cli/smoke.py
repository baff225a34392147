"""The vtx smoke command: held-out examples to a stage's live model, one line per check, exit 1 if any fails."""

from pathlib import Path
from typing import Optional, Tuple

import click

from pipeline.cli import common

SMOKE_EXAMPLES = """
\b
Examples:
  vtx serve --stage staging --port 8081      # locally, in another terminal: the staging version
  vtx smoke --stage staging --url http://127.0.0.1:8081/predict
  vtx smoke --examples held_out.jsonl        # your own examples: JSON Lines, the label column included
  vtx smoke --profile vertex --config vertex.yaml --examples held_out.jsonl   # the staging endpoint on Vertex AI
"""


@click.command(name="smoke", epilog=SMOKE_EXAMPLES)
@common.config_options
@click.option(
    "--stage",
    type=click.Choice(["staging", "production"]),
    default="staging",
    show_default=True,
    help="The stage whose version is tried; its verdict is kept with that version.",
)
@click.option(
    "--url",
    help="A server with Vertex AI's predict contract. Default: the stage's endpoint on Vertex AI; locally "
    "http://127.0.0.1:<serving.port or 8080>/predict.",
)
@click.option(
    "--examples",
    "examples_file",
    type=click.Path(dir_okay=False),
    help="JSON Lines of instances with their label. Default: the version's eval split.",
)
@click.option(
    "--summary", type=click.Path(dir_okay=False), help="Append a Markdown summary here ($GITHUB_STEP_SUMMARY)."
)
@common.output_option("The output_root whose registry and run to read (local profile).")
@common.verbose_option()
def smoke_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    stage: str,
    url: Optional[str],
    examples_file: Optional[str],
    summary: Optional[str],
    output: Optional[str],
    verbose: bool,
) -> None:
    """Try a stage's live model with held-out examples before it may be promoted.

    Checks, one line each: every call succeeds; every prediction names one of the model's classes with
    finite, non-negative probabilities summing to 1 ± 1e-4; accuracy within release.smoke.max_accuracy_gap
    of the Evaluator's for the version; p50 and p99 latency under release.smoke.p50_ms and p99_ms; a
    malformed instance is refused with a 4xx. When the server says it answered with the stage's version,
    the verdict is kept with that version, and `vtx promote` reads it.
    """
    from pipeline.local import logs
    from pipeline.registry import RegistryError, open_registry
    from pipeline.release import smoke
    from pipeline.release import summary as step_summary
    from pipeline.release.examples import ExamplesError

    config = common.build_config(profile, config_file, overrides, {"output_root": output})
    try:
        with logs.capture(Path(config.log_dir) / "smoke.log", verbose):
            registry = open_registry(config)
            version = registry.resolve(stage)
            examples = _examples(config, version, examples_file)
            result = smoke.run(_client(config, registry, stage, url), stage, version, examples, config.release.smoke)
            if result.confirmed:
                registry.record_smoke(version.version, result.record())
    except (RegistryError, ExamplesError, smoke.SmokeError) as error:
        common.fail(str(error), code=1)
    click.echo(f"vtx smoke: {stage} version {version.version} at {result.where}, {len(examples.labels)} examples")
    for check in result.checks:
        click.echo(check.line)
    kept = (
        "kept with the version" if result.confirmed else "not kept: the server did not confirm it served this version"
    )
    click.echo(f"Smoke test {'passed' if result.passed else 'FAILED'} ({kept}).")
    step_summary.append(summary, step_summary.smoke_markdown(config, result))
    if not result.passed:
        raise SystemExit(1)


def _examples(config, version, examples_file: Optional[str]):
    from pipeline.release import examples

    features, label, limit = config.dataset.feature_columns, config.label_column, config.release.smoke.max_examples
    if examples_file:
        return examples.from_file(examples_file, features, label, limit)
    if config.vertex is not None:
        raise examples.ExamplesError("on Vertex AI pass --examples FILE: JSON Lines of held-out instances with labels")
    from pipeline.mlmd.lineage import LineageError, find

    try:
        lineage = find(config.metadata_path, version.version)
    except LineageError as error:
        raise examples.ExamplesError(f"{error}; pass --examples FILE") from None
    return examples.from_eval_split(lineage.examples_uri, features, label, limit)


def _client(config, registry, stage: str, url: Optional[str]):
    from pipeline.release.clients import HttpClient, VertexClient

    timeout = config.release.smoke.timeout_seconds
    if url:
        return HttpClient(url, timeout)
    if config.vertex is not None:
        from pipeline.release.vertex import VertexDeployer

        return VertexClient(VertexDeployer(config, registry).endpoint_resource(stage))
    port = config.serving.port or 8080
    return HttpClient(f"http://127.0.0.1:{port}/predict", timeout)
