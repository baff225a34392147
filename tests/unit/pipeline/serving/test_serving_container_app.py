"""`vtx serve` as a Vertex AI serving container, with a stand-in model: Vertex AI's routes, its response, the
deployment's ids in every row, no registry polling, and where it listens."""

import asyncio
from types import SimpleNamespace

import httpx
import numpy as np
import pytest
from google.cloud.aiplatform_v1 import types
from google.protobuf import json_format

from pipeline.config.container import vertex_container
from pipeline.config.serving import ServingConfig
from pipeline.serving.app import create_app
from pipeline.serving.log_sink import DuckDbSink, Spool
from pipeline.serving.log_writer import RequestLogWriter
from pipeline.serving.metrics import ServerMetrics
from pipeline.serving.model import Feature
from pipeline.serving.model_holder import ModelHolder
from pipeline.serving.server import address, as_deployed
from tests.builders.serving import logged_rows

pytestmark = pytest.mark.unit

ENDPOINT, DEPLOYED = "1874329085210623488", "5309581412345167872"
# No routes in the container spec: Vertex AI's own defaults, which the server must answer too.
ENVIRON = {
    "AIP_MODE": "PREDICTION",
    "AIP_STORAGE_URI": "gs://caip-tenant-1a2b/7461503948372017152/artifact",
    "AIP_DEPLOYED_MODEL_ID": DEPLOYED,
    "AIP_ENDPOINT_ID": ENDPOINT,
}
PREDICT_ROUTE = f"/v1/endpoints/{ENDPOINT}/deployedModels/{DEPLOYED}:predict"
HEALTH_ROUTE = f"/v1/endpoints/{ENDPOINT}/deployedModels/{DEPLOYED}"


class Doubler:
    version, uri, load_seconds = DEPLOYED, "/tmp/vtx-serve-model-x", 0.0
    features = {"x": Feature("x", "number", np.float32)}

    def predict(self, columns):
        return [{"y": 2 * x} for x in columns["x"]]


def _app(tmp_path, resolved):
    container = vertex_container(ENVIRON)
    source = SimpleNamespace(resolve=lambda ref: resolved.append(ref) or SimpleNamespace(version=DEPLOYED, uri="/m"))
    metrics = ServerMetrics()
    holder = ModelHolder(source, metrics, load=lambda version, uri: Doubler())
    holder.load_production()
    writer = RequestLogWriter(DuckDbSink(tmp_path / "requests.duckdb"), Spool(tmp_path / "spool"), 1000, 3600, 5)
    settings = as_deployed(ServingConfig(poll_seconds=0.01), container)
    return create_app(settings, holder, writer, metrics, "penguins", container=container)


async def _calls(app):
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://serve") as client:
            health = await client.get(HEALTH_ROUTE)
            vertex = await client.post(PREDICT_ROUTE, json={"instances": [{"x": 1.5}], "parameters": {}})
            short = await client.post("/predict", json={"instances": [{"x": 2.0}, {"x": None}]})
            public = await client.post(
                "/v1/projects/p/locations/l/endpoints/another:predict", json={"instances": [{"x": 3.0}]}
            )
            await asyncio.sleep(0.2)  # twenty poll intervals: a registry would have been asked by now
    return health, vertex, short, public


def test_vertex_ais_routes_answer_and_the_response_is_a_predict_response(tmp_path):
    resolved = []

    health, vertex, short, public = asyncio.run(_calls(_app(tmp_path, resolved)))

    assert health.status_code == 200 and health.json()["ready"] is True
    assert vertex.status_code == 200
    # Vertex AI fills in model and modelVersionId itself; the container says which deployment answered.
    assert vertex.json() == {"predictions": [{"y": 3.0}], "deployedModelId": DEPLOYED}
    response = types.PredictResponse.pb(types.PredictResponse())
    json_format.ParseDict(vertex.json(), response, ignore_unknown_fields=False)
    assert response.deployed_model_id == DEPLOYED
    assert short.json()["deployedModelId"] == DEPLOYED and public.status_code == 200
    assert resolved == ["production"], "a Vertex AI container never asks for another model"


def test_every_row_carries_the_deployments_endpoint_and_deployed_model_ids(tmp_path):
    _, vertex, short, public = asyncio.run(_calls(_app(tmp_path, [])))

    rows = logged_rows(tmp_path)
    assert [row["request_id"] for row in rows] == [r.headers["x-request-id"] for r in (vertex, short, public)]
    assert {(row["endpoint"], row["deployed_model_id"]) for row in rows} == {(ENDPOINT, DEPLOYED)}
    assert {row["model_version"] for row in rows} == {DEPLOYED}


@pytest.mark.parametrize(
    ("host", "port", "environ", "expected"),
    [
        (None, None, {}, ("127.0.0.1", 8080)),
        (None, None, ENVIRON, ("0.0.0.0", 8080)),
        (None, None, {**ENVIRON, "AIP_HTTP_PORT": "7080"}, ("0.0.0.0", 7080)),
        ("127.0.0.1", None, {**ENVIRON, "AIP_HTTP_PORT": "7080"}, ("127.0.0.1", 7080)),
        ("127.0.0.1", 0, {**ENVIRON, "AIP_HTTP_PORT": "7080"}, ("127.0.0.1", 0)),
        ("::1", 9000, {}, ("::1", 9000)),
    ],
)
def test_where_it_listens_a_set_host_or_port_wins_over_vertex_ais(host, port, environ, expected):
    assert address(ServingConfig(host=host, port=port), vertex_container(environ)) == expected


def test_outside_vertex_ai_the_settings_names_stay():
    settings = ServingConfig(endpoint="penguins", deployed_model_id="local")

    assert as_deployed(settings, None) is settings
    assert as_deployed(settings, vertex_container(ENVIRON)).model_dump(include={"endpoint", "deployed_model_id"}) == {
        "endpoint": ENDPOINT,
        "deployed_model_id": DEPLOYED,
    }
