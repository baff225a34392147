"""The Validation section: the anomalies ExampleValidator found, and the schema in force."""

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from pipeline import mlmd
from pipeline.report import data

ANOMALIES_FILE = "SchemaDiff.pb"
SCHEMA_FILE = "schema.pbtxt"
CURATED_TYPE = "CuratedSchema"


@dataclass
class Anomaly:
    split: str
    feature: str
    description: str


@dataclass
class SchemaFeature:
    """One feature of the schema: its type, how often it must be present, and its domain."""

    name: str
    type: str
    presence: str
    domain: str


@dataclass
class ValidationSection:
    """status: 'passed', 'failed' or 'not run'; `source` says whether the schema is curated or inferred."""

    status: str = "not run"
    anomalies: List[Anomaly] = field(default_factory=list)
    # A failed ExampleValidator publishes no anomalies artifact: TFDV recomputes them from its inputs.
    recomputed: bool = False
    source: str = ""
    schema_uri: Optional[str] = None
    features: List[SchemaFeature] = field(default_factory=list)


def _flatten(split: str, anomalies) -> List[Anomaly]:
    from components.anomalies import describe

    return [
        Anomaly(split, feature, problem)
        for feature, problems in sorted(describe(anomalies).items())
        for problem in problems
    ]


def _recorded(anomalies_uri: str) -> List[Anomaly]:
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    found: List[Anomaly] = []
    for split in data.SPLITS:
        path = os.path.join(anomalies_uri, f"Split-{split}", ANOMALIES_FILE)
        if os.path.exists(path):
            with open(path, "rb") as handle:  # as TFDV's anomalies_util reads it, without importing TFDV
                found += _flatten(split, anomalies_pb2.Anomalies.FromString(handle.read()))
    return found


def _recomputed(statistics_uri: str, schema) -> List[Anomaly]:
    """What ExampleValidator's TFDV call found, with the gate's own check for an empty split."""
    from components import protos

    protos.require_packages("recomputing a failed validation's anomalies")
    import tensorflow_data_validation as tfdv
    from tensorflow_metadata.proto.v0 import statistics_pb2

    found: List[Anomaly] = []
    for split in data.SPLITS:
        dataset = data.load_split(statistics_uri, split)
        if dataset is None:
            continue
        statistics = statistics_pb2.DatasetFeatureStatisticsList(datasets=[dataset])
        found += _flatten(split, tfdv.validate_statistics(statistics=statistics, schema=schema))
        if dataset.num_examples == 0:
            found.append(Anomaly(split, "(dataset)", "no examples: the split is empty"))
    return found


def _presence(feature) -> str:
    if feature.HasField("presence"):
        fraction = feature.presence.min_fraction
        return "required" if fraction >= 1.0 else f"at least {fraction:.0%}"
    return "optional"


def _domain(feature, schema) -> str:
    kind = feature.WhichOneof("domain_info")
    if kind == "domain":
        named = [d for d in schema.string_domain if d.name == feature.domain]
        return ", ".join(named[0].value) if named else feature.domain
    if kind == "string_domain":
        return ", ".join(feature.string_domain.value)
    if kind in ("float_domain", "int_domain"):
        bounds = getattr(feature, kind)
        low = bounds.min if bounds.HasField("min") else "-inf"
        high = bounds.max if bounds.HasField("max") else "inf"
        return f"[{low}, {high}]"
    return ""


def schema_features(schema) -> List[SchemaFeature]:
    from tensorflow_metadata.proto.v0 import schema_pb2

    return [
        SchemaFeature(f.name, schema_pb2.FeatureType.Name(f.type), _presence(f), _domain(f, schema))
        for f in schema.feature
    ]


def _schema(nodes: Dict[str, mlmd.NodeRun], section: ValidationSection):
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2

    node = nodes.get("SchemaGen")
    if node is None or not node.outputs.get("schema"):
        return None
    section.schema_uri = node.outputs["schema"][0].uri
    section.source = "curated" if node.execution_type.endswith(CURATED_TYPE) else "inferred"
    with open(os.path.join(section.schema_uri, SCHEMA_FILE), encoding="utf-8") as handle:
        schema = text_format.Parse(handle.read(), schema_pb2.Schema())  # as tfdv.load_schema_text does
    section.features = schema_features(schema)
    return schema


def extract(nodes: Dict[str, mlmd.NodeRun]) -> ValidationSection:
    """The anomalies, from the artifact when published, else recomputed from the validator's inputs."""
    section = ValidationSection()
    schema = _schema(nodes, section)
    validator = nodes.get("ExampleValidator")
    if validator is None:
        return section
    if validator.outputs.get("anomalies"):
        section.anomalies = _recorded(validator.outputs["anomalies"][0].uri)
    elif validator.status == "failed" and validator.inputs.get("statistics") and schema is not None:
        section.anomalies = _recomputed(validator.inputs["statistics"][0].uri, schema)
        section.recomputed = True
    else:
        return section
    section.status = "failed" if section.anomalies or validator.status == "failed" else "passed"
    return section
