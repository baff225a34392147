"""What Vertex AI checks beyond the request's proto: prebuilt containers (the SDK's list), machine types, job specs."""

import re
from typing import Any, Dict

from tests.fakes.errors import invalid_argument

# Where Vertex AI's prebuilt prediction containers live; every image there must be on the SDK's list.
_PREBUILT = re.compile(r"^(?:us|europe|asia)-docker\.pkg\.dev/vertex-ai(?:-restricted)?/prediction/")
# Compute Engine machine type names: series, then type, then the vCPU count (n1-standard-4, a2-highgpu-1g).
_MACHINE_TYPE = re.compile(r"^[a-z][a-z0-9]*-[a-z]+-\d+[a-z]?$")


def prebuilt_prediction_images() -> frozenset:
    """The prebuilt prediction container URIs the installed google-cloud-aiplatform knows."""
    from google.cloud.aiplatform.constants import prediction

    return frozenset(prediction.SERVING_CONTAINER_URIS)


def check_serving_image(uri: str, field: str) -> None:
    """A 400 naming `uri` when it claims to be a prebuilt prediction container that the SDK does not list.

    Any other image (e.g. the project's own in Artifact Registry) is a custom container and is accepted.
    """
    if _PREBUILT.match(uri) and uri not in prebuilt_prediction_images():
        raise invalid_argument(
            [(field, f"Image {uri} is not a Vertex AI prebuilt prediction container.")],
            f"Image {uri} does not exist: it is not one of Vertex AI's prebuilt prediction containers "
            "(google.cloud.aiplatform.constants.prediction.SERVING_CONTAINER_URIS).",
        )


def check_upload(model: Dict[str, Any]) -> None:
    """A model of our own (not AutoML) needs a serving container, and a prebuilt one must exist."""
    image = (model.get("containerSpec") or {}).get("imageUri")
    if not image:
        raise invalid_argument([("model.container_spec.image_uri", "A custom-trained model needs a container image.")])
    check_serving_image(image, "model.container_spec.image_uri")
    # Vertex AI reads a model's artifacts from Cloud Storage only; the SDK stages a local folder there first.
    artifact_uri = model.get("artifactUri")
    if artifact_uri and not artifact_uri.startswith("gs://"):
        raise invalid_argument([("model.artifact_uri", f"{artifact_uri!r} is not a Cloud Storage (gs://) URI.")])


def check_machine_spec(spec: Dict[str, Any], field: str) -> None:
    """Dedicated resources name a machine type; the SDK has no list of them, so its form is checked."""
    machine_type = spec.get("machineType", "")
    if not _MACHINE_TYPE.match(machine_type):
        raise invalid_argument([(f"{field}.machine_type", f"Machine type {machine_type!r} is not supported.")])


def check_pipeline_job(job: Dict[str, Any], field: str) -> None:
    """A pipeline job needs its spec, and the spec must be a kfp PipelineSpec (its deploymentSpec a
    PipelineDeploymentConfig), parsed as strictly as the request: PipelineJob only types it as a Struct."""
    from google.protobuf import json_format
    from kfp.pipeline_spec import pipeline_spec_pb2

    spec = job.get("pipelineSpec")
    if not spec and not job.get("templateUri"):
        raise invalid_argument([(f"{field}.pipeline_spec", "A pipeline job needs a pipeline_spec or a template_uri.")])
    parts = [(spec or {}, pipeline_spec_pb2.PipelineSpec, "pipeline_spec")]
    parts.append(
        ((spec or {}).get("deploymentSpec", {}), pipeline_spec_pb2.PipelineDeploymentConfig, "deployment_spec")
    )
    for value, message, name in parts:
        try:
            json_format.ParseDict(value, message(), ignore_unknown_fields=False)
        except json_format.ParseError as error:
            text = f"Invalid {name}: {str(error).splitlines()[0]}"
            raise invalid_argument([(f"{field}.pipeline_spec", text)], text) from None
