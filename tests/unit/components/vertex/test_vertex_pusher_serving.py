"""The serving container a pushed version gets: `vtx serve` in the project's image, or a prebuilt TF container the
SDK lists; what the real aiplatform SDK sends to the loopback Vertex AI, each body parsed strictly into its proto."""

import json
from typing import Any, Dict, Union

import pytest
from google.cloud.aiplatform.constants import prediction
from google.cloud.aiplatform_v1 import types
from google.protobuf import json_format

from pipeline.config import load_config
from pipeline.dag import serving_container
from tests.builders.vertex_push import push_once

pytestmark = pytest.mark.unit

PROJECT, REGION = "test-project", "us-central1"
IMAGE = f"{REGION}-docker.pkg.dev/{PROJECT}/vtx/vertex-tfx:0123abc"
MODEL_URI = "gs://test-bucket/tfx/Trainer/model/7"
REQUIRED = [
    "data_root=gs://test-bucket/data",
    f"vertex.project={PROJECT}",
    f"vertex.region={REGION}",
    "vertex.pipeline_root=gs://test-bucket/root",
    f"vertex.image={IMAGE}",
]
# What `vtx serve` gets in the container: every serving setting that means something there, as configured here.
SERVE_ARGS = [
    *("--set", "serving.batching.enabled=true"),
    *("--set", "serving.batching.max_instances=256"),
    *("--set", "serving.batching.max_wait_ms=0.0"),
    *("--set", "serving.graceful_shutdown_seconds=30.0"),
    *("--set", "serving.max_instances=64"),
    *("--set", "serving.max_payload_bytes=1500000"),
    *("--set", "serving.request_log.flush_rows=1000"),
    *("--set", "serving.request_log.flush_seconds=1.0"),
    *("--set", "serving.request_log.retry_seconds=5.0"),
    *("--set", "serving.sampling_rate=1.0"),
]


def vertex_config(*overrides: str):
    return load_config(profile="vertex", overrides=[*REQUIRED, *overrides], environ={})


def strict(body: Dict[str, Any], message: Any) -> Any:
    """The body as the proto-plus message it must be: an unknown field or a wrong type raises."""
    parsed = message.pb(message())
    json_format.ParseDict(body, parsed, ignore_unknown_fields=False)
    return message.wrap(parsed)


def push(vertex_fake, tmp_path, spec: Union[Dict[str, Any], str]):
    parameters = dict(
        project=PROJECT,
        region=REGION,
        model_display_name="penguins",
        serving_container=spec if isinstance(spec, str) else json.dumps(spec),
        stage="staging",
        endpoint_display_name="penguins-endpoint",
        machine_type="n1-standard-2",
        min_replicas=1,
        max_replicas=2,
        traffic_percentage=100,
        request_logging=1,
        logging_sampling_rate=1.0,
        logging_bigquery_table=f"bq://{PROJECT}.serving.requests",
        labels="{}",
        pipeline_run_id="penguins-20300101",
        api_endpoint=vertex_fake.endpoint,
    )
    return push_once(tmp_path, MODEL_URI, parameters)


def test_the_default_uploads_vtx_serve_in_the_project_image_with_the_whole_container_spec(vertex_fake, tmp_path):
    spec = serving_container.container_spec(vertex_config())
    push(vertex_fake, tmp_path, spec)

    (upload,) = vertex_fake.find("POST", r"/models:upload$")
    request = strict(upload.body, types.UploadModelRequest)
    container = request.model.container_spec
    assert request.model.artifact_uri == f"{MODEL_URI}/Format-Serving"
    assert container.image_uri == IMAGE
    assert list(container.command) == ["vtx", "serve"]
    assert list(container.args) == SERVE_ARGS
    assert (container.predict_route, container.health_route) == ("/predict", "/ready")
    assert [port.container_port for port in container.ports] == [8080]
    assert list(container.env) == [] and not container.grpc_ports
    assert upload.body["model"]["containerSpec"] == spec
    strict(upload.body["model"], types.Model)


def test_deploy_and_request_logging_bodies_are_the_real_protos(vertex_fake, tmp_path):
    push(vertex_fake, tmp_path, serving_container.container_spec(vertex_config()))

    (created,) = vertex_fake.find("POST", r"/endpoints$")
    logging = strict(created.body, types.Endpoint).predict_request_response_logging_config
    assert (logging.enabled, logging.sampling_rate) == (True, 1.0)
    assert logging.bigquery_destination.output_uri == f"bq://{PROJECT}.serving.requests"
    (deploy,) = vertex_fake.find("POST", r":deployModel$")
    request = strict(deploy.body, types.DeployModelRequest)
    assert request.deployed_model.model.endswith("@1")
    assert request.deployed_model.dedicated_resources.machine_spec.machine_type == "n1-standard-2"
    assert dict(request.traffic_split) == {"0": 100}


def test_a_serving_image_of_its_own_replaces_the_pipeline_image(vertex_fake, tmp_path):
    image = f"{REGION}-docker.pkg.dev/{PROJECT}/vtx/vertex-tfx-serve:1"
    push(vertex_fake, tmp_path, serving_container.container_spec(vertex_config(f"vertex.pusher.serving_image={image}")))

    (upload,) = vertex_fake.find("POST", r"/models:upload$")
    assert upload.body["model"]["containerSpec"]["imageUri"] == image
    assert upload.body["model"]["containerSpec"]["command"] == ["vtx", "serve"]


def test_serving_settings_reach_the_container_and_local_ones_do_not():
    config = vertex_config("serving.max_instances=8", "serving.host=127.0.0.1", "serving.port=9000")

    args = serving_container.container_spec(config)["args"]

    assert "serving.max_instances=8" in args
    assert not any(arg.startswith(("serving.host", "serving.port", "serving.poll_seconds")) for arg in args)


@pytest.mark.parametrize(
    ("region", "tensorflow", "image"),
    [
        ("us-central1", "2.15", "us-docker.pkg.dev/vertex-ai/prediction/tf2-cpu.2-15:latest"),
        ("europe-west4", "2.13", "europe-docker.pkg.dev/vertex-ai/prediction/tf2-cpu.2-13:latest"),
        ("asia-east1", "2.14", "asia-docker.pkg.dev/vertex-ai/prediction/tf2-cpu.2-14:latest"),
    ],
)
def test_prebuilt_picks_the_sdks_container_for_the_tf_version_near_the_region(region, tensorflow, image):
    config = vertex_config("vertex.pusher.serving=prebuilt", f"vertex.region={region}")

    assert serving_container.container_spec(config, tensorflow=tensorflow) == {"imageUri": image}
    assert image in prediction.SERVING_CONTAINER_URIS


def test_a_prebuilt_container_is_uploaded_with_nothing_but_its_image(vertex_fake, tmp_path):
    spec = serving_container.container_spec(vertex_config("vertex.pusher.serving=prebuilt"), tensorflow="2.15")
    push(vertex_fake, tmp_path, spec)

    (upload,) = vertex_fake.find("POST", r"/models:upload$")
    container = strict(upload.body, types.UploadModelRequest).model.container_spec
    assert container == types.ModelContainerSpec(image_uri="us-docker.pkg.dev/vertex-ai/prediction/tf2-cpu.2-15:latest")


def test_prebuilt_refuses_a_tf_version_without_a_container_in_one_line():
    config = vertex_config("vertex.pusher.serving=prebuilt")

    with pytest.raises(serving_container.ServingChoiceError) as refused:
        serving_container.container_spec(config, tensorflow="2.16")

    assert str(refused.value) == (
        "vertex.pusher.serving is prebuilt, but Vertex AI has no prebuilt TensorFlow 2.16 prediction container"
        " (google-cloud-aiplatform lists TensorFlow 2.15, 2.14, 2.13, 2.12, 2.11, 2.10, 2.9, 2.8, 2.7, 2.6, 2.5,"
        " 2.4, 2.3, 2.2, 2.1, 1.15); set vertex.pusher.serving to custom"
    )


def test_the_tf_this_project_trains_with_has_no_prebuilt_container_yet():
    """TF 2.16 (the lock's) is past the SDK's list: the prebuilt option refuses, which is why custom is the default."""
    assert serving_container.installed_tensorflow() == "2.16"
    assert serving_container.installed_tensorflow() not in serving_container.prebuilt_versions()
    assert vertex_config().vertex.pusher.serving == "custom"


def test_prebuilt_with_a_serving_image_is_refused_by_the_settings():
    from pipeline.config import ConfigError

    with pytest.raises(
        ConfigError, match=r"'vertex.pusher': Value error, serving_image is the image of serving: custom"
    ):
        vertex_config("vertex.pusher.serving=prebuilt", f"vertex.pusher.serving_image={IMAGE}")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{not json", "serving_container is not a ModelContainerSpec: "),
        ('{"imageUri": "x", "healthCheck": "/h"}', 'no field named "healthCheck"'),
        ('{"ports": [{"containerPort": 8080}]}', "serving_container names no imageUri"),
        ('{"imageUri": "x", "grpcPorts": [{"containerPort": 8500}]}', "sets grpcPorts, which the pusher does not"),
    ],
)
def test_a_bad_container_spec_is_refused_before_any_call(vertex_fake, tmp_path, spec, message):
    from components.vertex import registry

    with pytest.raises(ValueError, match=message):
        registry.container_spec(spec)
    with pytest.raises(ValueError, match=message):
        push(vertex_fake, tmp_path, spec)
    assert vertex_fake.requests == []


def test_every_field_the_pusher_passes_on_reaches_the_upload(vertex_fake, tmp_path):
    spec = {
        "imageUri": IMAGE,
        "command": ["vtx", "serve"],
        "args": ["--set", "serving.max_instances=8"],
        "env": [{"name": "TF_CPP_MIN_LOG_LEVEL", "value": "3"}],
        "ports": [{"containerPort": 9000}],
        "predictRoute": "/p",
        "healthRoute": "/h",
    }
    push(vertex_fake, tmp_path, spec)

    (upload,) = vertex_fake.find("POST", r"/models:upload$")
    assert upload.body["model"]["containerSpec"] == spec
