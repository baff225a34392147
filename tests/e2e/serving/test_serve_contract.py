"""vtx serve over real HTTP on loopback: Vertex AI's predict contract, every bad input as a 400 naming the
instance and field, health, readiness and metrics, with the first run's pushed model."""

import json

import httpx
import pytest

from tests.builders.serving import penguins, pushed_versions

pytestmark = pytest.mark.e2e

VERTEX_PATH = "/v1/projects/my-project/locations/europe-west4/endpoints/penguins-1:predict"
GOOD = {
    "island": "Biscoe",
    "sex": "female",
    "bill_length_mm": 46.1,
    "bill_depth_mm": 13.2,
    "flipper_length_mm": 211.0,
    "body_mass_g": 4500.0,
}


def _post(server, body, path="/predict") -> httpx.Response:
    """POSTs a JSON-encoded value, or bytes as they are, or a generator's chunks (without Content-Length)."""
    content = body if isinstance(body, bytes) or hasattr(body, "__next__") else json.dumps(body)
    return httpx.post(server.url + path, content=content, timeout=30)


def test_one_instance_gets_a_class_and_probabilities_in_vertex_shape(server, served_run):
    response = _post(server, {"instances": [GOOD]})

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"predictions", "deployedModelId", "model", "modelVersionId"}
    assert body["modelVersionId"] == pushed_versions(served_run)[-1]
    assert body["deployedModelId"] == "local" and body["model"] == "vertex-tfx-penguins"
    (prediction,) = body["predictions"]
    assert prediction["classes"] == "Gentoo"
    assert sorted(prediction["class_names"]) == ["Adelie", "Chinstrap", "Gentoo"]
    assert prediction["probabilities"][prediction["class_names"].index("Gentoo")] > 0.9
    assert sum(prediction["probabilities"]) == pytest.approx(1.0, abs=1e-4)
    assert response.headers["x-model-version"] == body["modelVersionId"]


def test_a_batch_answers_each_instance_in_order_like_single_requests_and_names_most_penguins(server):
    pairs = penguins(every=43)  # 8 rows across the three species, some with missing values
    instances = [instance for instance, _ in pairs]

    batch = _post(server, {"instances": instances}).json()["predictions"]
    singles = [_post(server, {"instances": [instance]}).json()["predictions"][0] for instance in instances]

    assert len(batch) == len(instances) == 8
    assert [p["classes"] for p in batch] == [p["classes"] for p in singles]
    for together, alone in zip(batch, singles, strict=True):
        assert together["probabilities"] == pytest.approx(alone["probabilities"], abs=1e-5)
    named = sum(p["classes"] == species for p, (_, species) in zip(batch, pairs, strict=True))
    assert named >= 7, [(p["classes"], species) for p, (_, species) in zip(batch, pairs, strict=True)]


def test_missing_values_are_sent_as_null(server):
    sparse = {**GOOD, "sex": None, "bill_length_mm": None, "body_mass_g": None}

    response = _post(server, {"instances": [sparse]})

    assert response.status_code == 200, response.text
    assert response.json()["predictions"][0]["classes"] in {"Adelie", "Chinstrap", "Gentoo"}


def test_the_vertex_route_answers_for_its_project_location_and_endpoint(server):
    response = _post(server, {"instances": [GOOD]}, path=VERTEX_PATH)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == "projects/my-project/locations/europe-west4/models/vertex-tfx-penguins"
    assert body["predictions"][0]["classes"] == "Gentoo"


def _chunks(size: int):
    yield b'{"instances": [' + json.dumps(GOOD).encode()
    for _ in range(size // 100):
        yield b"," + b" " * 99
    yield b"]}"


@pytest.mark.parametrize(
    "body, instance, field, message",
    [
        (b'{"instances": [', None, None, "the body is not valid JSON"),
        ({"inputs": [GOOD]}, None, None, 'the body has no "instances"'),
        ({"instances": [GOOD, {**GOOD, "beak": 1.0}]}, 1, "beak", "instance 1, field 'beak': unknown feature"),
        ({"instances": [{k: v for k, v in GOOD.items() if k != "island"}]}, 0, "island", "missing feature"),
        ({"instances": [GOOD, GOOD, {**GOOD, "body_mass_g": "heavy"}]}, 2, "body_mass_g", "must be a number"),
        ({"instances": [{**GOOD, "island": 7}]}, 0, "island", "must be a string or null"),
        ({"instances": [GOOD] * 9}, None, None, "9 instances is more than the limit of 8 per request"),
        (b" " * 5000, None, None, "the request body is over the limit of 4096 bytes"),
        ("chunked", None, None, "the request body is over the limit of 4096 bytes"),
    ],
)
def test_bad_input_is_a_400_naming_instance_and_field_and_the_server_stays_up(server, body, instance, field, message):
    # "chunked": no Content-Length, so the limit is enforced while reading.
    response = _post(server, _chunks(5000) if body == "chunked" else body)

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert message in error["message"]
    assert (error.get("instance"), error.get("field")) == (instance, field)
    assert error["status"] == "INVALID_ARGUMENT"
    assert httpx.get(server.url + "/health").status_code == 200
    assert _post(server, {"instances": [GOOD]}).status_code == 200


def test_health_readiness_and_metrics(server, served_run):
    before = _metric(server, 'vtx_serve_requests_total{code="200"}')
    bad_before = _metric(server, 'vtx_serve_requests_total{code="400"}')
    _post(server, {"instances": [GOOD, GOOD]})
    _post(server, {"instances": "nope"})

    assert httpx.get(server.url + "/health").json() == {"status": "ok"}
    ready = httpx.get(server.url + "/ready").json()
    assert ready == {
        "ready": True,
        "model": "vertex-tfx-penguins",
        "modelVersionId": pushed_versions(served_run)[-1],
    }
    assert _metric(server, 'vtx_serve_requests_total{code="200"}') == before + 1
    assert _metric(server, 'vtx_serve_requests_total{code="400"}') == bad_before + 1
    assert _metric(server, "vtx_serve_request_latency_seconds_count") >= 1
    assert _metric(server, "vtx_serve_model_latency_seconds_count") >= 1
    version = ready["modelVersionId"]
    assert _metric(server, f'vtx_serve_model_info{{version="{version}"}}') == 1


def _metric(server, name: str) -> float:
    for line in httpx.get(server.url + "/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0
