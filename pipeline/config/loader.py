"""Builds a PipelineConfig from layers (profile, file, environment, flags) and explains bad input."""

import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

import yaml
from pydantic import BaseModel, ValidationError

from pipeline.config.core import PATH_KEYS, PROFILES_DIR, PROJECT_ROOT, PipelineConfig
from pipeline.config.run_context import RUN_CONTEXT_ENV

ENV_PREFIX = "VTX_"
# Variables that share the prefix but are not settings: which settings to read, and the run context.
ENV_NOT_SETTINGS = {"VTX_PROFILE", "VTX_CONFIG", *RUN_CONTEXT_ENV}


# Keys that were settings once, and where their value goes now.
MOVED = {
    "vertex.dataflow.enabled": "beam.runner (dataflow, or direct to run the Beam steps inside the pipeline tasks)",
    "vertex.dataflow.machine_type": "beam.extra_args: [--machine_type=...]",
    "vertex.dataflow.max_workers": "beam.extra_args: [--max_num_workers=...]",
    "vertex.dataflow.temp_location": "beam.extra_args: [--temp_location=gs://...]",
    "vertex.dataflow.service_account": "beam.extra_args: [--service_account_email=...]",
    "vertex.dataflow.use_pipeline_image": "nothing: Dataflow's workers always run vertex.image, which has the code",
}


def unknown_key(key: str) -> str:
    """'unknown key ...', and where it went if it moved."""
    if key in MOVED:
        return f"unknown key '{key}': it moved to {MOVED[key]}"
    if any(old.startswith(key + ".") for old in MOVED):
        return f"unknown key '{key}': it moved to beam.runner and beam.extra_args (see docs/configuration.md)"
    return f"unknown key '{key}'"


class ConfigError(ValueError):
    """A bad profile, config file, key or value; the message says which."""


BASE_PROFILE = "base"


def profiles() -> List[str]:
    """The profiles --profile takes; each is a file of what differs from base.yaml."""
    return sorted(path.stem for path in PROFILES_DIR.glob("*.yaml") if path.stem != BASE_PROFILE)


def _profile_layer(name: str) -> Dict[str, Any]:
    path = PROFILES_DIR / f"{name}.yaml"
    return _resolve_paths(_check_keys(_read_yaml(path, "profile"), f"profile {path}"), PROJECT_ROOT)


def _read_yaml(path: Path, what: str) -> Dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except OSError as error:
        raise ConfigError(f"cannot read {what} {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{what} {path} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{what} {path} must be a mapping of keys to values")
    return data


def _set(tree: Dict[str, Any], dotted: str, value: Any) -> None:
    node = tree
    parts = dotted.split(".")
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"'{dotted}': '{part}' is a value, not a section")
        node = child
    node[parts[-1]] = value


def _get(tree: Mapping[str, Any], dotted: str) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _merge(base: Dict[str, Any], layer: Mapping[str, Any]) -> Dict[str, Any]:
    merged = dict(base)
    for key, value in layer.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _resolve_paths(layer: Dict[str, Any], base: Path) -> Dict[str, Any]:
    """Makes relative local paths in a layer absolute against `base`; URIs stay as they are."""
    for key in PATH_KEYS:
        value = _get(layer, key)
        if isinstance(value, str) and value and "://" not in value and not Path(value).is_absolute():
            _set(layer, key, str((base / value).resolve()))
    return layer


def _parse_value(raw: str) -> Any:
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw


def parse_overrides(items: Sequence[str], source: str) -> Dict[str, Any]:
    """'a.b=value' strings -> a nested dict; values are parsed as YAML scalars."""
    tree: Dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{source} '{item}' must look like key=value, e.g. training.train_steps=500")
        _set(tree, key.strip(), _parse_value(raw))
    return tree


def env_overrides(environ: Mapping[str, str]) -> Dict[str, Any]:
    """VTX_SECTION__KEY=value variables -> a nested dict (double underscore nests)."""
    items = [
        f"{name[len(ENV_PREFIX) :].lower().replace('__', '.')}={value}"
        for name, value in environ.items()
        if name.startswith(ENV_PREFIX) and name not in ENV_NOT_SETTINGS
    ]
    return parse_overrides(items, "environment variable")


def _unknown_keys(layer: Mapping[str, Any], model: Any = PipelineConfig, prefix: str = "") -> List[str]:
    """Dotted keys of a layer that name no setting."""
    unknown = []
    for key, value in layer.items():
        field = model.model_fields.get(key)
        if field is None:
            unknown.append(prefix + key)
        elif (
            isinstance(value, Mapping)
            and isinstance(field.annotation, type)
            and issubclass(field.annotation, BaseModel)
        ):
            unknown += _unknown_keys(value, field.annotation, f"{prefix}{key}.")
    return unknown


def _check_keys(layer: Mapping[str, Any], source: str) -> Dict[str, Any]:
    unknown = _unknown_keys(layer)
    if unknown:
        raise ConfigError(f"{unknown_key(unknown[0])} in {source}")
    return dict(layer)


def _explain(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"])
        if problem["type"] == "extra_forbidden":
            value = problem.get("input")
            nested = f"{key}.{next(iter(value))}" if isinstance(value, Mapping) and value else key
            lines.append(unknown_key(nested if nested in MOVED else key))
        elif not key:
            # A check across sections: its message names the keys; the input would be every setting.
            lines.append(problem["msg"].removeprefix("Value error, "))
        elif problem["type"] == "missing":
            lines.append(f"missing key '{key}'")
        else:
            lines.append(f"'{key}': {problem['msg']} (got {problem.get('input')!r})")
    return "bad configuration: " + "; ".join(lines)


def load_config(
    profile: Optional[str] = None,
    config_file: Optional[str] = None,
    overrides: Sequence[str] = (),
    environ: Optional[Mapping[str, str]] = None,
) -> PipelineConfig:
    """base.yaml < profile file < config file < VTX_* environment < --set flags; fails fast with one message."""
    environ = os.environ if environ is None else environ
    profile = profile or environ.get("VTX_PROFILE") or "local"
    if profile not in profiles():
        raise ConfigError(f"unknown profile '{profile}'; choose one of: {', '.join(profiles())}")
    tree = _merge(_profile_layer(BASE_PROFILE), _profile_layer(profile))
    config_file = config_file or environ.get("VTX_CONFIG")
    if config_file:
        path = Path(config_file).resolve()
        layer = _check_keys(_read_yaml(path, "config file"), f"config file {path}")
        tree = _merge(tree, _resolve_paths(layer, path.parent))
    cwd = Path.cwd()
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX) and name not in ENV_NOT_SETTINGS:
            _check_keys(env_overrides({name: value}), f"environment variable {name}")
    tree = _merge(tree, _resolve_paths(env_overrides(environ), cwd))
    tree = _merge(tree, _resolve_paths(_check_keys(parse_overrides(overrides, "--set"), "--set"), cwd))
    tree["profile"] = profile
    try:
        return PipelineConfig.model_validate(tree)
    except ValidationError as error:
        raise ConfigError(_explain(error)) from None
