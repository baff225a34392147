"""Gives remote Beam workers this checkout's code: the project's wheel, staged with --extra_package."""

from pathlib import Path

from components import wheels
from pipeline.config import PROJECT_ROOT, PipelineConfig
from pipeline.config.uri import is_uri, join_uri


def wheel_dir(config: PipelineConfig) -> Path:
    """Where the content-addressed wheels are kept: beside the run's outputs when they are local."""
    if is_uri(config.output_root):
        return Path.home() / ".cache" / "vertex-tfx" / "wheels"
    return Path(join_uri(config.output_root, "wheels"))


def with_project_wheel(config: PipelineConfig) -> PipelineConfig:
    """`config` with --extra_package=<this checkout's wheel> when its Beam steps run on other workers.

    Those workers start from an environment that may lack this project, or hold another version of it
    (an image built from an older commit); Beam's workers install the staged wheel over it at start.
    """
    if not config.beam.is_remote:
        return config
    wheel = wheels.project_wheel(PROJECT_ROOT, wheel_dir(config))
    beam = config.beam.model_copy(update={"extra_args": [*config.beam.extra_args, f"--extra_package={wheel}"]})
    return config.model_copy(update={"beam": beam})
