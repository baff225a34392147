"""vtx rehearse: run the compiled Vertex AI spec here, task by task, as Vertex AI's launcher would."""

from pathlib import Path
from typing import TYPE_CHECKING, Optional, Tuple

import click

from pipeline.cli import common

if TYPE_CHECKING:
    from pipeline.rehearse.engine import TaskResult

EXAMPLES = """
\b
Examples:
  vtx rehearse --profile vertex --config vertex.yaml
  vtx rehearse --profile vertex --config vertex.yaml --param train_steps=500
  vtx rehearse --profile vertex --config vertex.yaml --no-push --data data/
"""
STATUS_WIDTH = 9


def _echo_task(result: "TaskResult") -> None:
    outputs = ", ".join(
        f"{key}={artifacts[0]['uri']}" if artifacts else f"{key}=(none)" for key, artifacts in result.outputs.items()
    )
    timing = f"{result.seconds:6.1f}s" if result.seconds else " " * 7
    click.echo(f"  {result.name:<34} {result.status:<{STATUS_WIDTH}} {timing}  {outputs}".rstrip())
    if result.detail and result.status == "failed":
        click.echo(result.detail)


def _endpoint(vertex_endpoint: Optional[str]) -> Optional[str]:
    if vertex_endpoint is None:
        return None
    from pipeline.rehearse.vertex_fake import is_loopback

    endpoint = vertex_endpoint if vertex_endpoint.startswith("http://") else f"http://{vertex_endpoint}"
    if not is_loopback(endpoint):
        common.fail(f"--vertex-endpoint {vertex_endpoint}: give 127.0.0.1:PORT, a Vertex AI fake on this machine")
    return endpoint


@click.command(name="rehearse", epilog=EXAMPLES)
@common.config_options
@common.spec_options()
@click.option("--no-push", is_flag=True, help="Skip the Pusher.")
@click.option("--data", type=click.Path(file_okay=False, exists=True), help="What data_root holds. Default: data/.")
@click.option("--root", type=click.Path(file_okay=False), help="Its folder. Default: <output_root>/rehearsal.")
@click.option("--vertex-endpoint", metavar="HOST:PORT", help="A running Vertex AI fake. Default: start one.")
def rehearse_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    spec: Optional[str],
    modules_uri: Optional[str],
    params: Tuple[str, ...],
    no_push: bool,
    data: Optional[str],
    root: Optional[str],
    vertex_endpoint: Optional[str],
) -> None:
    """Run the Vertex AI spec on this machine, as Vertex AI would, with its cache: what would run, and would it pass?

    Each task runs its own command line with the ExecutorInput Vertex AI's launcher gives it; resolvers
    answer from the rehearsal's artifact store; a task whose cache key matches an earlier rehearsal's is
    reused, as Vertex AI's cache would. Not rehearsed: Dataflow (the DirectRunner runs the Beam steps),
    more than worker pool 0 of a Training job, IAM and quotas.
    """
    from pipeline.rehearse import session

    given = _endpoint(vertex_endpoint)
    base = common.vertex_config(profile, config_file, overrides, modules_uri)
    where = Path(root).resolve() if root else Path(base.output_root).resolve() / "rehearsal"
    endpoint = session.planned_endpoint(where, given)
    # The spec compiled now calls the fake: the Pusher, and trackers of backend vertex.
    config = common.vertex_config(profile, config_file, (*overrides, f"vertex.api_endpoint={endpoint}"), modules_uri)
    request = session.Request(
        config=config,
        spec_path=Path(spec).resolve() if spec else None,
        root=where,
        data=Path(data).resolve() if data else None,
        parameters=_parameter_values(params),
        no_push=no_push,
        endpoint=endpoint,
        start_fake=given is None,
    )
    try:
        outcome = session.rehearse(request, click.echo, _echo_task)
    except session.RehearsalError as error:
        common.fail(str(error))
    raise SystemExit(1 if outcome.failed else 0)


def _parameter_values(items: Tuple[str, ...]) -> dict:
    from pipeline.dag.parameters import parse_items

    try:
        return parse_items(items)
    except ValueError as error:
        common.fail(str(error))
