"""The vtx promote command: a smoked version to production, or --rollback to the previous one; refusals in one line."""

from pathlib import Path
from typing import Optional, Tuple

import click

from pipeline.cli import common

PROMOTE_EXAMPLES = """
\b
Examples:
  vtx promote                        # the staging version, once `vtx smoke` has passed it
  vtx promote 1796179527 --to production
  vtx promote --rollback             # the previous production version back
  vtx promote --profile vertex --config vertex.yaml   # on Vertex AI: deploys to the production endpoint
"""


@click.command(name="promote", epilog=PROMOTE_EXAMPLES)
@common.config_options
@click.argument("version", required=False)
@click.option("--to", "stage", type=click.Choice(["production"]), default="production", show_default=True)
@click.option("--rollback", is_flag=True, help="Make the previous production version production again.")
@click.option(
    "--summary", type=click.Path(dir_okay=False), help="Append a Markdown summary here ($GITHUB_STEP_SUMMARY)."
)
@common.output_option("The output_root whose registry to change (local profile).")
@common.verbose_option()
def promote_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    version: Optional[str],
    stage: str,
    rollback: bool,
    summary: Optional[str],
    output: Optional[str],
    verbose: bool,
) -> None:
    """Make VERSION (default: the staging version) production, once its smoke test has passed.

    On Vertex AI the version is deployed to the production endpoint with release.stages.production's
    machines and traffic split, the versions deployed before are undeployed only once it serves (at 100%),
    and then the production alias moves. PromotionRefusedError in one line: a version never smoke-tested, or whose smoke
    test failed, or unknown. A version already in production is left as it is (exit 0).
    """
    from pipeline.local import logs
    from pipeline.registry import RegistryError, open_registry
    from pipeline.release import promote
    from pipeline.release import summary as step_summary

    if rollback and version:
        common.fail("--rollback takes no VERSION: it goes back to the previous production version")
    config = common.build_config(profile, config_file, overrides, {"output_root": output})
    try:
        with logs.capture(Path(config.log_dir) / "promote.log", verbose):
            registry = open_registry(config)
            deployer = None
            if config.vertex is not None:
                from pipeline.release.vertex import VertexDeployer

                deployer = VertexDeployer(config, registry)
            if rollback:
                line = promote.rollback(registry, deployer).line(rollback=True)
            else:
                moved = promote.promote(registry, version, deployer)
                line = moved.line()
                step_summary.append(summary, step_summary.promote_markdown(config, line, moved.after, True))
    except promote.PromotionRefusedError as refusal:
        step_summary.append(summary, step_summary.promote_markdown(config, str(refusal), None, refusal.code == 0))
        if refusal.code == 0:
            click.echo(str(refusal))
            return
        common.fail(str(refusal), code=refusal.code)
    except RegistryError as error:
        common.fail(str(error), code=1)
    click.echo(line)
