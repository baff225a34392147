"""Builds a PipelineConfig from layers (profile, file, environment, flags) and explains bad input."""

import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import yaml
from pydantic import BaseModel, ValidationError

from pipeline.config.core import PATH_KEYS, PROFILES_DIR, PROJECT_ROOT, PipelineConfig
from pipeline.config.dataset import DatasetError, dataset_path, derived_settings, read_dataset
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


# MLflow's own variable points the mlflow backend at a team's server, as it does for any MLflow client.
MLFLOW_URI_ENV = "MLFLOW_TRACKING_URI"


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


def _given(tree: Mapping[str, Any], dotted: str) -> Tuple[bool, Any]:
    """(whether the tree sets the dotted key at all, its value): an explicit null is set too."""
    node: Any = tree
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


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


def merged_settings(
    profile: Optional[str] = None,
    config_file: Optional[str] = None,
    overrides: Sequence[str] = (),
    environ: Optional[Mapping[str, str]] = None,
) -> Dict[str, Any]:
    """Every layer merged, paths resolved, nothing validated and no dataset read: what `vtx init` needs."""
    return _merged(_layers(profile, config_file, overrides, os.environ if environ is None else environ))


def load_config(
    profile: Optional[str] = None,
    config_file: Optional[str] = None,
    overrides: Sequence[str] = (),
    environ: Optional[Mapping[str, str]] = None,
) -> PipelineConfig:
    """base.yaml < profile file < config file < VTX_* environment < --set flags; fails fast with one message.

    The dataset's own settings (label, slices, names) come from modules/dataset.yaml, never from a layer.
    """
    environ = os.environ if environ is None else environ
    layers = _layers(profile, config_file, overrides, environ)
    tree = _with_dataset(_merged(layers), layers)
    if environ.get(MLFLOW_URI_ENV) and not _get(tree, "tracking.uri"):
        _set(tree, "tracking.uri", environ[MLFLOW_URI_ENV])
    try:
        return PipelineConfig.model_validate(tree)
    except ValidationError as error:
        raise ConfigError(_explain(error)) from None


Layers = List[Tuple[str, Dict[str, Any]]]


def _layers(
    profile: Optional[str], config_file: Optional[str], overrides: Sequence[str], environ: Mapping[str, str]
) -> Layers:
    """(where, layer) from the lowest to the highest: base.yaml, the profile, the file, variables, --set."""
    profile = profile or environ.get("VTX_PROFILE") or "local"
    if profile not in profiles():
        raise ConfigError(f"unknown profile '{profile}'; choose one of: {', '.join(profiles())}")
    layers: Layers = [
        (f"profile {PROFILES_DIR / (name + '.yaml')}", _profile_layer(name)) for name in (BASE_PROFILE, profile)
    ]
    config_file = config_file or environ.get("VTX_CONFIG")
    if config_file:
        path = Path(config_file).resolve()
        layer = _check_keys(_read_yaml(path, "config file"), f"config file {path}")
        layers.append((f"config file {path}", _resolve_paths(layer, path.parent)))
    cwd = Path.cwd()
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX) and name not in ENV_NOT_SETTINGS:
            layer = _check_keys(env_overrides({name: value}), f"environment variable {name}")
            layers.append((f"environment variable {name}", _resolve_paths(layer, cwd)))
    layers.append(("--set", _resolve_paths(_check_keys(parse_overrides(overrides, "--set"), "--set"), cwd)))
    # The profile in force is the one chosen above, whatever a layer says.
    layers.append(("--profile", {"profile": profile}))
    return layers


def _merged(layers: Layers) -> Dict[str, Any]:
    tree: Dict[str, Any] = {}
    for _, layer in layers:
        tree = _merge(tree, layer)
    return tree


def _with_dataset(tree: Dict[str, Any], layers: Sequence[Tuple[str, Mapping[str, Any]]]) -> Dict[str, Any]:
    """The tree with the dataset definition and what it decides; a layer that says otherwise is an error."""
    package_dir = _get(tree, "modules.package_dir")
    if not isinstance(package_dir, str) or not package_dir:
        raise ConfigError("missing key 'modules.package_dir': the folder of modules/ and its dataset.yaml")
    try:
        dataset = read_dataset(package_dir)
    except DatasetError as error:
        raise ConfigError(str(error)) from None
    source = dataset_path(package_dir)
    for where, layer in layers:
        if "dataset" in layer:
            raise ConfigError(f"'dataset' in {where} is not a setting: the dataset is defined in {source}")
    derived = derived_settings(dataset, tree)
    for key, value in derived.items():
        for where, layer in layers:
            present, given = _given(layer, key)
            if present and given != value:
                raise ConfigError(
                    f"'{key}' is {given!r} in {where}, but {source} makes it {value!r}; "
                    "the dataset definition decides it: edit that file, and drop the setting"
                )
        _set(tree, key, value)
    tree["dataset"] = dataset.model_dump()
    return tree
