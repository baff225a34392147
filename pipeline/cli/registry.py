"""The `vtx registry` commands: list, show, resolve, promote and roll back model versions."""

import json
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple, TypeVar

import click

from pipeline.cli import common
from pipeline.config import PipelineConfig
from pipeline.registry import ModelVersion, Registry, RegistryError, local_datasets, open_registry

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

REGISTRY_EXAMPLES = """
\b
Examples:
  vtx registry list                       # every pushed version, newest first
  vtx registry show production            # one version: URI, metrics, lineage
  vtx registry resolve production         # just the model's URI, for scripts
  vtx registry promote 1796179527         # make an older version production
  vtx registry rollback                   # back to the previous production version
  vtx registry list --dataset other-data  # another dataset's versions in the same output_root
  vtx registry list --profile vertex --config vertex.yaml   # the Vertex AI Model Registry
"""


def _config(
    profile: Optional[str], config_file: Optional[str], overrides: Tuple[str, ...], output: Optional[str]
) -> PipelineConfig:
    return common.build_config(profile, config_file, overrides, {"output_root": output})


def _call(config: PipelineConfig, verbose: bool, action: Callable[..., T], dataset: Optional[str] = None) -> T:
    """Runs `action(registry)` with library logs sent to <output_root>/logs/registry.log; one line on error."""
    from pipeline.local import logs

    try:
        with logs.capture(Path(config.log_dir) / "registry.log", verbose):
            return action(open_registry(config, dataset))
    except RegistryError as error:
        common.fail(str(error))


def registry_options(function: F) -> F:
    """The options every registry command takes: the settings, --output, --dataset and -v."""
    function = click.option(
        "--dataset", help="Another dataset's registry in the same place. Default: modules/dataset.yaml's name."
    )(function)
    function = common.verbose_option()(function)
    function = common.output_option("The output_root whose registry to read (local profile).")(function)
    return common.config_options(function)


def _where(config: PipelineConfig, dataset: str) -> str:
    from pipeline.config.core import serving_dir
    from pipeline.config.dataset import PIPELINE_PREFIX

    return PIPELINE_PREFIX + dataset if config.vertex else serving_dir(config.output_root, dataset)


def _metrics(version: ModelVersion) -> str:
    return " ".join(f"{name}={value:.4g}" for name, value in sorted(version.metrics.items())) or "-"


def _as_json(version: ModelVersion, dataset: str) -> dict:
    return {
        "dataset": dataset,
        "version": version.version,
        "uri": version.uri,
        "pushed_at": version.pushed_at.isoformat(),
        "aliases": list(version.aliases),
        "blessed": version.blessed,
        "metrics": version.metrics,
        "data_fingerprint": version.data_fingerprint,
        "pipeline_run": version.pipeline_run,
    }


def _table(versions: List[ModelVersion]) -> str:
    header = ("VERSION", "PUSHED (UTC)", "ALIASES", "BLESSED", "METRICS", "DATA", "PIPELINE RUN")
    rows = [
        (
            v.version,
            v.pushed_at.strftime("%Y-%m-%d %H:%M:%S"),
            ",".join(v.aliases) or "-",
            "yes" if v.blessed else "no",
            _metrics(v),
            v.data_fingerprint or "-",
            v.pipeline_run or "-",
        )
        for v in versions
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in [header, *rows]
    )


def _details(version: ModelVersion) -> str:
    lines = [
        f"version          {version.version}",
        f"uri              {version.uri}",
        f"pushed at        {version.pushed_at.strftime('%Y-%m-%d %H:%M:%S')} UTC",
        f"aliases          {', '.join(version.aliases) or '-'}",
        f"blessed          {'yes' if version.blessed else 'no'}",
        f"pipeline run     {version.pipeline_run or '-'}",
        f"data fingerprint {version.data_fingerprint or '-'}",
        "metrics" + ("" if version.metrics else "          -"),
    ]
    lines += [f"  {name:<15} {value:.6g}" for name, value in sorted(version.metrics.items())]
    return "\n".join(lines)


@click.group(name="registry", epilog=REGISTRY_EXAMPLES)
def registry_command() -> None:
    """The model registry: pushed versions, their aliases (production, latest), promote and rollback.

    Each dataset has its own registry. Locally it reads the Pusher's versioned folders under
    <output_root>/serving_model/<dataset> and ML Metadata; with the vertex profile, the versions of the Vertex
    AI Model Registry model the VertexPusher uploads to (vertex-tfx-<dataset>).
    """


@registry_command.command(name="list")
@registry_options
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
def list_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    output: Optional[str],
    verbose: bool,
    dataset: Optional[str],
    as_json: bool,
) -> None:
    """Every version of the dataset's model, newest first: push time, aliases, blessing, metrics, data, run."""
    config = _config(profile, config_file, overrides, output)
    name = dataset or config.dataset.name
    versions = _call(config, verbose, lambda registry: registry.list(), dataset)
    if as_json:
        click.echo(json.dumps([_as_json(v, name) for v in versions], indent=2))
        return
    click.echo(f"Dataset {name}: {'the Vertex AI model ' if config.vertex else ''}{_where(config, name)}")
    if not versions:
        click.echo("No model version yet; `vtx run` pushes one when the Evaluator blesses the model.")
    else:
        click.echo(_table(versions))
    others = [other for other in ([] if config.vertex else local_datasets(config)) if other != name]
    if others:
        click.echo(f"Other datasets here: {', '.join(others)} (vtx registry list --dataset NAME)")


@registry_command.command(name="show")
@registry_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.argument("ref", metavar="VERSION|ALIAS")
def show_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    output: Optional[str],
    verbose: bool,
    dataset: Optional[str],
    as_json: bool,
    ref: str,
) -> None:
    """One version (or the version an alias points to) in full."""
    config = _config(profile, config_file, overrides, output)
    version = _call(config, verbose, lambda registry: registry.resolve(ref), dataset)
    name = dataset or config.dataset.name
    click.echo(
        json.dumps(_as_json(version, name), indent=2) if as_json else f"dataset          {name}\n" + _details(version)
    )


@registry_command.command(name="resolve")
@registry_options
@click.argument("ref", metavar="ALIAS|VERSION")
def resolve_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    output: Optional[str],
    verbose: bool,
    dataset: Optional[str],
    ref: str,
) -> None:
    """Print the URI of the SavedModel an alias (production, latest) or version names."""
    config = _config(profile, config_file, overrides, output)
    click.echo(_call(config, verbose, lambda registry: registry.resolve(ref), dataset).uri)


def _moved(what: str, before: Optional[ModelVersion], after: ModelVersion) -> str:
    if before is not None and before.version == after.version:
        return f"Version {after.version} is production already: {after.uri}"
    was = f" (was {before.version})" if before is not None else ""
    return f"{what}: production is now version {after.version}{was}: {after.uri}"


def _production(registry: Registry) -> Optional[ModelVersion]:
    """The production version; None before the first promote."""
    try:
        return registry.resolve("production")
    except RegistryError:
        return None


@registry_command.command(name="promote")
@registry_options
@click.argument("version")
def promote_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    output: Optional[str],
    verbose: bool,
    dataset: Optional[str],
    version: str,
) -> None:
    """Make VERSION production by hand (no smoke check; `vtx promote` is the gated path). Serving follows in seconds."""
    config = _config(profile, config_file, overrides, output)

    def promote(registry: Registry) -> Tuple[Optional[ModelVersion], ModelVersion]:
        return _production(registry), registry.promote(version)

    before, after = _call(config, verbose, promote, dataset)
    click.echo(_moved("Promoted", before, after))


@registry_command.command(name="rollback")
@registry_options
def rollback_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    output: Optional[str],
    verbose: bool,
    dataset: Optional[str],
) -> None:
    """Make the previous production version production again; repeat to go further back."""
    config = _config(profile, config_file, overrides, output)

    def rollback(registry: Registry) -> Tuple[ModelVersion, ModelVersion]:
        return registry.resolve("production"), registry.rollback()

    before, after = _call(config, verbose, rollback, dataset)
    click.echo(_moved("Rolled back", before, after))
