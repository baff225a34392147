"""Typed settings: PipelineConfig and its sections, built once from profiles, a file, the environment and flags."""

from pipeline.config.core import PROJECT_ROOT, PipelineConfig
from pipeline.config.loader import ConfigError, load_config, profiles

__all__ = ["PROJECT_ROOT", "ConfigError", "PipelineConfig", "load_config", "profiles"]
