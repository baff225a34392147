"""A model's dataset identity: the dataset name, label and feature set it was trained on, recorded on its artifacts.

The pipeline hands the dataset definition to the Trainer and the Evaluator in custom_config (CONFIG_KEY). The
Trainer records the identity on the Model it writes and the Evaluator on the ModelBlessing, so that a baseline
is only ever a model of the same dataset: the local Resolver filters on it, and on Vertex AI (where only TFX's
own resolver compiles) the blessing query asks for it and the Evaluator drops a baseline without it. The
Evaluator also records the pipeline's name on the blessing (PIPELINE), which the Vertex AI query asks for too:
locally the Resolver only ever sees its own pipeline's artifacts (TFX scopes it to the pipeline's context).
"""

import hashlib
import json
import logging
from typing import Any, Iterable, Mapping, Optional

from tfx import types

# custom_config key: {"name", "label", "numeric", "categorical", "date"}, from modules/dataset.yaml.
CONFIG_KEY = "dataset"
# Custom properties of Model and ModelBlessing artifacts.
IDENTITY = "dataset_identity"
NAME = "dataset_name"
LABEL = "dataset_label"
PIPELINE = "pipeline_name"


def identity(definition: Mapping[str, Any]) -> str:
    """'<name>-<12 hex digits>' over the name, the label and the sorted numeric, categorical and date features."""
    canonical = {
        "name": str(definition["name"]),
        "label": str(definition["label"]),
        "numeric": sorted(str(column) for column in definition.get("numeric") or []),
        "categorical": sorted(str(column) for column in definition.get("categorical") or []),
    }
    # Only when there are any, so that the identity of a dataset without dates stays what it was.
    if definition.get("date"):
        canonical["date"] = sorted(str(column) for column in definition["date"])
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()[:12]
    return f"{canonical['name']}-{digest}"


def stamp(
    artifacts: Iterable[types.Artifact], definition: Optional[Mapping[str, Any]], pipeline: Optional[str] = None
) -> None:
    """Records the dataset (and the pipeline, when given) on each artifact; nothing without a definition."""
    if not definition:
        return
    for artifact in artifacts:
        artifact.set_string_custom_property(IDENTITY, identity(definition))
        artifact.set_string_custom_property(NAME, str(definition["name"]))
        artifact.set_string_custom_property(LABEL, str(definition["label"]))
        if pipeline:
            artifact.set_string_custom_property(PIPELINE, pipeline)


def of(artifact: types.Artifact) -> Optional[str]:
    """The identity recorded on an artifact; None for one trained before identities were recorded."""
    if not artifact.has_custom_property(IDENTITY):
        return None
    return artifact.get_string_custom_property(IDENTITY) or None


def describe(artifact: types.Artifact) -> str:
    if not artifact.has_custom_property(NAME):
        return "a model with no dataset recorded"
    name, label = artifact.get_string_custom_property(NAME), artifact.get_string_custom_property(LABEL)
    return f"a model of dataset '{name}' (label '{label}')"


def comparable(candidate: types.Artifact, baseline: types.Artifact) -> bool:
    """True when the baseline was trained on the candidate's dataset, label and features."""
    ours = of(candidate)
    same = ours is not None and ours == of(baseline)
    if not same:
        logging.info(
            "Not comparing %s with baseline %s: it is %s", describe(candidate), baseline.uri, describe(baseline)
        )
    return same
