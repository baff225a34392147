"""Vertex AI's serving-container variables: read when set, Vertex AI's own defaults, one line naming a bad one."""

import pytest

from pipeline.config import ConfigError
from pipeline.config.container import vertex_container

pytestmark = pytest.mark.unit

# What Vertex AI sets in a container of a model uploaded with our container spec (routes and port named).
DEPLOYED = {
    "AIP_MODE": "PREDICTION",
    "AIP_MODE_VERSION": "1.0.0",
    "AIP_FRAMEWORK": "CUSTOM_CONTAINER",
    "AIP_HTTP_PORT": "8080",
    "AIP_HEALTH_ROUTE": "/ready",
    "AIP_PREDICT_ROUTE": "/predict",
    "AIP_STORAGE_URI": "gs://caip-tenant-1a2b/7461503948372017152/artifact",
    "AIP_DEPLOYED_MODEL_ID": "5309581412345167872",
    "AIP_ENDPOINT_ID": "1874329085210623488",
    "AIP_MODEL_NAME": "1874329085210623488",
    "AIP_VERSION_NAME": "5309581412345167872",
    "AIP_PROJECT_NUMBER": "123456789012",
    "AIP_MACHINE_TYPE": "n1-standard-2",
}


def test_outside_vertex_ai_there_is_no_container():
    assert vertex_container({"PATH": "/usr/bin", "VTX_PROFILE": "local", "AIP_FRAMEWORK": ""}) is None


def test_the_variables_vertex_ai_sets_are_read():
    container = vertex_container(DEPLOYED)

    assert container is not None
    assert container.model_dump() == {
        "storage_uri": "gs://caip-tenant-1a2b/7461503948372017152/artifact",
        "deployed_model_id": "5309581412345167872",
        "endpoint_id": "1874329085210623488",
        "mode": "PREDICTION",
        "http_port": 8080,
        "health_route": "/ready",
        "predict_route": "/predict",
        "version_name": "5309581412345167872",
    }


def test_without_routes_and_port_in_the_spec_vertex_ais_defaults_apply():
    environ = {key: value for key, value in DEPLOYED.items() if key not in ("AIP_HEALTH_ROUTE", "AIP_PREDICT_ROUTE")}
    environ.pop("AIP_HTTP_PORT")

    container = vertex_container(environ)

    assert container is not None and container.http_port == 8080
    assert container.health_route == "/v1/endpoints/1874329085210623488/deployedModels/5309581412345167872"
    assert container.predict_route == container.health_route + ":predict"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"AIP_STORAGE_URI": None}, "AIP_STORAGE_URI is not set, though other AIP_\\* variables are: a Vertex AI"),
        ({"AIP_STORAGE_URI": ""}, "AIP_STORAGE_URI is not set"),
        ({"AIP_ENDPOINT_ID": None}, "AIP_ENDPOINT_ID is not set, though other AIP_\\* variables are: Vertex AI sets"),
        ({"AIP_STORAGE_URI": "/mnt/model"}, "AIP_STORAGE_URI='/mnt/model': must be a gs://bucket/folder URI"),
        ({"AIP_HTTP_PORT": "http"}, "AIP_HTTP_PORT='http': Input should be a valid integer"),
        ({"AIP_HTTP_PORT": "70000"}, "AIP_HTTP_PORT='70000': Input should be less than or equal to 65535"),
        ({"AIP_PREDICT_ROUTE": "predict"}, "AIP_PREDICT_ROUTE='predict': must be a path starting with /"),
        ({"AIP_MODE": "BATCH"}, "AIP_MODE='BATCH': must be PREDICTION"),
        ({"AIP_DEPLOYED_MODEL_ID": "a b"}, "AIP_DEPLOYED_MODEL_ID='a b': must be an id"),
    ],
)
def test_a_missing_or_bad_variable_is_named(change, message):
    environ = {**DEPLOYED, **change}
    environ = {key: value for key, value in environ.items() if value is not None}

    with pytest.raises(ConfigError, match=f"^{message}"):
        vertex_container(environ)
