"""What every vtx command shares: one-line failures, building the settings, the common options, the git commit."""

import os
import subprocess
import sys
from typing import Any, Callable, Dict, Mapping, NoReturn, Optional, Sequence, TypeVar

import click

from pipeline.config import PROJECT_ROOT, ConfigError, PipelineConfig, load_config, profiles
from pipeline.config.loader import merged_settings
from pipeline.config.run_context import GIT_COMMIT_ENV

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr, then exit: 2 for bad input, 1 for a failure of the work itself."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _setting(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def build_config(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Sequence[str],
    flags: Optional[Mapping[str, Any]] = None,
) -> PipelineConfig:
    """The settings of one command, built once: --set flags, then the command's own flags (setting -> value).

    A flag whose value is None was not given. Relative paths (--output, --data) resolve against the
    working directory, as --set paths do.
    """
    items = list(overrides) + [f"{key}={_setting(value)}" for key, value in (flags or {}).items() if value is not None]
    try:
        return load_config(profile=profile, config_file=config_file, overrides=items)
    except ConfigError as error:
        fail(str(error))


def vertex_config(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Sequence[str],
    modules_uri: Optional[str] = None,
    needs: str = "use --profile vertex",
) -> PipelineConfig:
    """Settings with a vertex section (default profile: vertex).

    The commit is not a setting: it would reach task inputs and so Vertex AI's cache keys. `vtx submit` puts it
    on the pipeline job's labels instead.
    """
    profile = profile or "vertex"
    # Checked before --modules-uri is added: that would start a vertex section of its own.
    if build_config(profile, config_file, overrides).vertex is None:
        fail(f"profile '{profile}' has no vertex settings; {needs}")
    return build_config(profile, config_file, overrides, {"vertex.modules_uri": modules_uri})


def git_commit() -> str:
    """HEAD of this checkout; else VTX_GIT_COMMIT or COMMIT_SHA (a Cloud Build upload has no .git)."""
    try:
        out = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get(GIT_COMMIT_ENV) or os.environ.get("COMMIT_SHA") or "unknown"


def spec_options(param_help: str = "A runtime parameter value. Repeatable.") -> Callable[[F], F]:
    """--spec, --modules-uri and --param, shared by the commands that take a compiled spec or compile one."""

    def decorate(function: F) -> F:
        function = click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help=param_help)(function)
        function = click.option(
            "--modules-uri", help="When compiling now: read modules/ and the schema from under this gs:// folder."
        )(function)
        function = click.option(
            "--spec", type=click.Path(dir_okay=False, exists=True), help="A compiled spec. Default: compile now."
        )(function)
        return function

    return decorate


def config_options(function: F) -> F:
    """--profile, --config and --set, shared by every command that builds a config."""
    function = click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override one setting, e.g. --set training.train_steps=500. Repeatable.",
    )(function)
    function = click.option(
        "--config", "config_file", type=click.Path(dir_okay=False), help="A YAML file of settings over the profile."
    )(function)
    function = click.option(
        "--profile", help=f"Settings profile: {', '.join(profiles())}. Default: local, or $VTX_PROFILE."
    )(function)
    return function


def output_option(help_text: str = "The output_root to read and write.") -> Callable[[F], F]:
    """--output: the output_root of a command (artifacts, metadata, models, logs)."""
    return click.option("--output", type=click.Path(file_okay=False), help=help_text)


def verbose_option(help_text: str = "Show TensorFlow's and the clients' logs too.") -> Callable[[F], F]:
    return click.option("-v", "--verbose", is_flag=True, help=help_text)


def settings_tree(profile: Optional[str], config_file: Optional[str], overrides: Sequence[str]) -> Dict[str, Any]:
    """The merged settings before validation, for a command that must work without a dataset definition."""
    try:
        return merged_settings(profile=profile, config_file=config_file, overrides=overrides)
    except ConfigError as error:
        fail(str(error))
