"""The vtx commands for Vertex AI: compile the spec, and submit (and follow) a pipeline job."""

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple

import click

from pipeline.cli import common

if TYPE_CHECKING:
    from pipeline.config import PipelineConfig
    from pipeline.vertex.submit import Outcome

COMPILE_EXAMPLES = """
\b
Examples:
  vtx compile --profile vertex --config vertex.yaml
  vtx compile --profile vertex --config vertex.yaml --modules-uri gs://my-bucket/modules/
"""
SUBMIT_EXAMPLES = """
\b
Examples:
  vtx submit --profile vertex --config vertex.yaml --wait
  vtx submit --profile vertex --config vertex.yaml --param train_steps=500 --param tuner_trials=10
  vtx submit --profile vertex --config vertex.yaml --dry-run
"""


@click.command(name="compile", epilog=COMPILE_EXAMPLES)
@common.config_options
@click.option(
    "--modules-uri",
    help="Modules-only deploy: read modules/ and the schema from their content-addressed folders under this gs:// one.",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Spec file to write. Default: <output_root>/pipeline.json")
def compile_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    modules_uri: Optional[str],
    out: Optional[str],
) -> None:
    """Compile the pipeline for Vertex AI Pipelines. Offline: no network, no credentials."""
    from pipeline.vertex.compile import default_spec_path

    config = common.vertex_config(profile, config_file, overrides, modules_uri)
    assert config.vertex is not None
    path = _compile(config, Path(out).resolve() if out else default_spec_path(config))
    click.echo(f"Compiled {config.pipeline_name} for {config.vertex.project}/{config.vertex.region}: {path}")
    modules = config.modules_location()
    if modules:
        click.echo(f"  modules/ is read from {modules} (python3 .ci/deploy_path.py --address uploads it there)")
        if config.schema_path:
            click.echo(f"  the schema from {config.runtime_path(config.schema_path)}")


def _compile(config: "PipelineConfig", out: Path) -> Path:
    """The spec written to `out`; a serving option that cannot serve this model is one line, and nothing written."""
    from pipeline.dag.serving_container import ServingChoiceError
    from pipeline.vertex.compile import compile_for_vertex

    try:
        return compile_for_vertex(config, out)
    except ServingChoiceError as error:
        common.fail(str(error))


def _parameter_values(items: Tuple[str, ...]) -> Dict[str, Any]:
    from pipeline.dag.parameters import parse_items

    try:
        return parse_items(items)
    except ValueError as error:
        common.fail(str(error))


def _echo_outcome(result: "Outcome", elapsed: float) -> int:
    minutes, seconds = divmod(int(elapsed), 60)
    if result.state != "PIPELINE_STATE_SUCCEEDED":
        click.echo(f"Pipeline job {result.state.replace('PIPELINE_STATE_', '').lower()} after {minutes}m {seconds}s.")
        for task, message in result.failed_tasks.items():
            click.echo(f"  {task} failed: {message}")
        if result.error and not result.failed_tasks:
            click.echo(f"  {result.error}")
        return 1
    click.echo(f"Pipeline job succeeded in {minutes}m {seconds}s.")
    if result.blessed is None:
        click.echo("Verdict: none (the Evaluator did not report a blessing)")
    else:
        click.echo(f"Verdict: {'BLESSED' if result.blessed else 'NOT BLESSED'}")
    if result.pushed_version:
        click.echo(f"Model: version {result.pushed_version} pushed: {result.pushed_destination}")
    elif result.not_pushed_reason:
        click.echo(f"Model: not pushed: {result.not_pushed_reason}")
    return 0


@click.command(name="submit", epilog=SUBMIT_EXAMPLES)
@common.config_options
@common.spec_options()
@click.option("--no-cache", is_flag=True, help="Re-execute every task instead of reusing cached results.")
@click.option("--wait", is_flag=True, help="Follow the job, print each task's state, exit non-zero if it fails.")
@click.option("--dry-run", is_flag=True, help="Print the CreatePipelineJob request as JSON, and send nothing.")
@click.option("--poll-seconds", type=click.FloatRange(0.01, 600), default=30.0, show_default=True)
def submit_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    spec: Optional[str],
    modules_uri: Optional[str],
    params: Tuple[str, ...],
    no_cache: bool,
    wait: bool,
    dry_run: bool,
    poll_seconds: float,
) -> None:
    """Submit the pipeline to Vertex AI Pipelines as a PipelineJob."""
    from pipeline.vertex import submit as vertex_submit
    from pipeline.vertex.compile import default_spec_path

    config = common.vertex_config(profile, config_file, overrides, modules_uri)
    vertex = config.vertex
    assert vertex is not None
    values = _parameter_values(params)
    spec_path = Path(spec).resolve() if spec else _compile(config, default_spec_path(config))
    request = vertex_submit.JobRequest(
        spec_path=str(spec_path),
        job_id=vertex_submit.job_id(config.pipeline_name),
        parameter_values=values,
        enable_caching=config.enable_cache and not no_cache,
        labels=vertex_submit.job_labels(config, common.git_commit()),
    )
    submitter = vertex_submit.Submitter(config, api_endpoint=vertex.api_endpoint, dry_run=dry_run)
    if dry_run:
        click.echo(json.dumps(submitter.dry_run(request), indent=2))
        return
    started = time.monotonic()
    try:
        job = submitter.submit(request)
        click.echo(f"Submitted {job.resource_name}")
        click.echo(
            f"  console: https://console.cloud.google.com/vertex-ai/locations/{vertex.region}/pipelines/runs/{request.job_id}?project={vertex.project}"
        )
        if not wait:
            return
        seen: dict = {}
        for state, tasks in submitter.states(job, poll_seconds):
            if seen.get(None) != state:
                click.echo(
                    f"  {time.strftime('%H:%M:%S')}  {'(pipeline job)':<36} {state.replace('PIPELINE_STATE_', '')}"
                )
                seen[None] = state
            for task, task_state in sorted(tasks.items()):
                if seen.get(task) != task_state:
                    click.echo(f"  {time.strftime('%H:%M:%S')}  {task:<36} {task_state}")
                    seen[task] = task_state
    except vertex_submit.SubmitError as error:
        common.fail(str(error), code=1)
    sys.exit(_echo_outcome(vertex_submit.outcome(job), time.monotonic() - started))
