"""The KFP ExecutorInput of one task, as Vertex AI's launcher writes it in place of the `{{$}}` placeholder."""

from dataclasses import dataclass
from typing import Any, Dict, Mapping, Sequence

from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

PLACEHOLDER = "{{$}}"
OUTPUT_FILE = "executor_output.json"


@dataclass(frozen=True)
class JobPlace:
    """Where a job's task outputs go: <pipeline_root>/<project_number>/<job>/<task>_<id>/<key>."""

    pipeline_root: str
    project_number: str
    region: str
    job_name: str

    def task_root(self, task: str, task_id: int) -> str:
        return f"{self.pipeline_root.rstrip('/')}/{self.project_number}/{self.job_name}/{task}_{task_id}"

    def artifact_name(self, artifact_id: int) -> str:
        return f"projects/{self.project_number}/locations/{self.region}/metadataStores/default/artifacts/{artifact_id}"


def runtime_artifact(artifact: Mapping[str, Any]) -> Dict[str, Any]:
    """An artifact of the store as a RuntimeArtifact (JSON): name, type, uri, metadata."""
    return {
        "name": artifact["name"],
        "type": artifact["type"],
        "uri": artifact["uri"],
        "metadata": artifact.get("metadata", {}),
    }


def build(
    parameters: Mapping[str, Any],
    inputs: Mapping[str, Sequence[Mapping[str, Any]]],
    outputs: Mapping[str, Mapping[str, Any]],
    output_file: str,
) -> pipeline_spec_pb2.ExecutorInput:
    """The ExecutorInput, parsed strictly: an input key with no artifact (an empty resolver answer) is left out."""
    message = {
        "inputs": {
            "parameterValues": dict(parameters),
            "artifacts": {
                key: {"artifacts": [runtime_artifact(artifact) for artifact in artifacts]}
                for key, artifacts in inputs.items()
                if artifacts
            },
        },
        "outputs": {
            "artifacts": {key: {"artifacts": [runtime_artifact(artifact)]} for key, artifact in outputs.items()},
            "outputFile": output_file,
        },
    }
    return json_format.ParseDict(message, pipeline_spec_pb2.ExecutorInput())


def read_output(text: str) -> pipeline_spec_pb2.ExecutorOutput:
    return json_format.Parse(text, pipeline_spec_pb2.ExecutorOutput())
