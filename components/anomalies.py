"""TFDV's Anomalies in words, by feature: what the validation gate's error and the run's report both print.

Only tensorflow_metadata's protos: the report's worker reads anomalies without importing TFDV or TFX.
"""

from typing import Dict, List

from tensorflow_metadata.proto.v0 import anomalies_pb2


def describe(anomalies: anomalies_pb2.Anomalies) -> Dict[str, List[str]]:
    """Feature name -> readable anomaly descriptions; dataset-level ones under '(dataset)'."""
    found: Dict[str, List[str]] = {}
    infos = dict(anomalies.anomaly_info)
    if anomalies.HasField("dataset_anomaly_info"):
        infos["(dataset)"] = anomalies.dataset_anomaly_info
    for feature, info in infos.items():
        problems = [f"{reason.short_description}: {reason.description}" for reason in info.reason]
        found[feature] = problems or [f"{info.short_description}: {info.description}"]
    return found
