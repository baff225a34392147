"""Every refusal of the app in Google's error shape, counted and logged: bad bodies, a model that refuses one
request's values, wrong content types, unknown paths and methods, a fault of the server's own; and what
responses say once the server drains."""

import asyncio
import logging
from types import SimpleNamespace
from typing import Dict, List

import httpx
import numpy as np
import pytest

from pipeline.config.serving import ServingConfig
from pipeline.serving.app import create_app
from pipeline.serving.log_sink import DuckDbSink, Spool
from pipeline.serving.log_writer import RequestLogWriter
from pipeline.serving.metrics import ServerMetrics
from pipeline.serving.model import Feature, ModelInputError
from pipeline.serving.model_holder import ModelHolder
from tests.builders.serving import logged_rows

pytestmark = pytest.mark.unit


class Picky:
    """Echoes `x` and `s`; refuses a batch holding the string "refuse", as an op rejects a value; for `s` "bug"
    it answers what JSON cannot hold, a fault on the server's side."""

    version, uri, load_seconds = "3", "/models/3", 0.0
    features = {"x": Feature("x", "number", np.float32), "s": Feature("s", "string", object)}

    def __init__(self):
        self.calls: List[int] = []

    def predict(self, columns):
        self.calls.append(len(columns["x"]))
        if "refuse" in columns["s"]:
            raise ModelInputError("the model refused the values: lookup failed for 'refuse'")
        if "bug" in columns["s"]:
            return [{"y": object()}]
        return [{"y": x, "s": s} for x, s in zip(columns["x"], columns["s"], strict=True)]


def _app(tmp_path, draining=lambda: False, **settings):
    model = Picky()
    source = SimpleNamespace(resolve=lambda ref: SimpleNamespace(version="3", uri="/models/3"))
    metrics = ServerMetrics()
    holder = ModelHolder(source, metrics, load=lambda version, uri: model)
    holder.load_production()
    writer = RequestLogWriter(DuckDbSink(tmp_path / "requests.duckdb"), Spool(tmp_path / "spool"), 1000, 3600, 5)
    config = ServingConfig(**settings)
    app = create_app(config, holder, writer, metrics, "penguins", draining=draining)
    return app, model, metrics, holder


async def _send(app, requests: List[Dict]) -> List[httpx.Response]:
    """The requests all at once, inside the app's lifespan, through httpx's ASGI transport."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://serve") as client:
            return await asyncio.gather(*(client.request(**request) for request in requests))


def _predict(x, s="a", **extra) -> Dict:
    return {"method": "POST", "url": "/predict", "json": {"instances": [{"x": x, "s": s}]}, **extra}


def _count(metrics: ServerMetrics, code: int) -> float:
    return metrics.registry.get_sample_value("vtx_serve_requests_total", {"code": str(code)}) or 0.0


def test_a_request_the_model_refuses_in_a_batch_is_a_400_and_its_neighbours_are_answered(tmp_path):
    app, model, metrics, _ = _app(tmp_path, **{"batching": {"max_wait_ms": 50}})

    responses = asyncio.run(_send(app, [_predict(1.0), _predict(2.0, "refuse"), _predict(3.0)]))

    assert [r.status_code for r in responses] == [200, 400, 200]
    assert [r.json()["predictions"][0]["y"] for r in (responses[0], responses[2])] == [1.0, 3.0]
    assert responses[1].json() == {
        "error": {
            "code": 400,
            "status": "INVALID_ARGUMENT",
            "message": "the model refused this request: the model refused the values: lookup failed for 'refuse'",
        }
    }
    assert model.calls == [3, 1, 1, 1]
    assert (_count(metrics, 200), _count(metrics, 400)) == (2.0, 1.0)
    assert len(logged_rows(tmp_path)) == 2


@pytest.mark.parametrize(
    "content, message",
    [
        (b'{"instances": [{"x": 1e39, "s": "a"}]}', "instance 0, field 'x': float 1e+39 is not finite as float32"),
        (b'{"instances": [{"x": ' + b"9" * 400 + b', "s": "a"}]}', "instance 0, field 'x': int 999"),
        (b'{"instances": [{"x": 1, "s": "\\udc00"}]}', "instance 0, field 's': must be valid Unicode text"),
        (b'{"instances": [{"x": 1, "s": "a", "\\ud800": 1}]}', "instance 0, field '\ud800': unknown feature"),
        (b"[" * 100_000, "the body is not valid JSON: its arrays or objects are nested too deeply"),
    ],
    ids=["1e39", "400-digit-integer", "lone-surrogate-value", "lone-surrogate-key", "nested-100000-deep"],
)
def test_each_malformed_body_is_a_json_400_counted_and_logged_as_refused(tmp_path, caplog, content, message):
    app, model, metrics, _ = _app(tmp_path)

    with caplog.at_level(logging.WARNING, logger="pipeline.serving.errors"):
        (response,) = asyncio.run(_send(app, [{"method": "POST", "url": "/predict", "content": content}]))

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["message"].startswith(message)
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert model.calls == []
    assert _count(metrics, 400) == 1.0
    (record,) = caplog.records
    assert record.getMessage().startswith("refused POST /predict: 400 INVALID_ARGUMENT: ")
    assert "\ud800" not in record.getMessage() and "\udc00" not in record.getMessage()


@pytest.mark.parametrize(
    "content_type, message",
    [
        ("text/plain", "the body must be JSON sent as Content-Type: application/json, not text/plain"),
        ("application/x-www-form-urlencoded", "unless given -H 'Content-Type: application/json'"),
        ("application/json; charset=latin-1", "the body must be UTF-8 JSON, not charset latin-1"),
    ],
)
def test_a_wrong_content_type_is_a_415_in_googles_shape(tmp_path, content_type, message):
    app, model, metrics, _ = _app(tmp_path)
    request = {"method": "POST", "url": "/predict", "content": b'{"instances": [{"x": 1, "s": "a"}]}'}

    (response,) = asyncio.run(_send(app, [{**request, "headers": {"content-type": content_type}}]))

    assert response.status_code == 415
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert message in response.json()["error"]["message"]
    assert model.calls == [] and _count(metrics, 415) == 1.0


def test_json_with_a_utf8_charset_or_no_content_type_is_served(tmp_path):
    app, _, _, _ = _app(tmp_path)
    body = b'{"instances": [{"x": 1, "s": "a"}]}'
    requests = [
        {"method": "POST", "url": "/predict", "content": body, "headers": {"content-type": ct}}
        for ct in ("application/json; charset=UTF-8", "Application/JSON")
    ]

    responses = asyncio.run(_send(app, [*requests, {"method": "POST", "url": "/predict", "content": body}]))

    assert [r.status_code for r in responses] == [200, 200, 200]


def test_unknown_paths_and_wrong_methods_answer_in_googles_shape(tmp_path):
    app, _, metrics, _ = _app(tmp_path)

    missing, wrong = asyncio.run(_send(app, [_predict(1.0, url="/predictions"), {"method": "GET", "url": "/predict"}]))

    assert missing.status_code == 404
    assert missing.json() == {
        "error": {
            "code": 404,
            "status": "NOT_FOUND",
            "message": "no route /predictions; POST predictions to /predict or to a Vertex AI predict path",
        }
    }
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "POST"
    assert wrong.json() == {
        "error": {"code": 405, "status": "UNIMPLEMENTED", "message": "GET is not allowed here; use POST"}
    }
    assert (_count(metrics, 404), _count(metrics, 405)) == (1.0, 1.0)


def test_a_fault_of_the_server_is_a_json_500_logged_with_its_traceback(tmp_path, caplog):
    app, _, metrics, _ = _app(tmp_path)

    with caplog.at_level(logging.ERROR, logger="pipeline.serving.errors"):
        (response,) = asyncio.run(_send(app, [_predict(1.0, "bug")]))

    assert response.status_code == 500
    assert response.json()["error"] == {
        "code": 500,
        "status": "INTERNAL",
        "message": "internal error in the server; its log has the traceback",
    }
    assert _count(metrics, 500) == 1.0
    (record,) = caplog.records
    assert record.getMessage().startswith("failed POST /predict: 500 INTERNAL")
    assert record.exc_info is not None and record.exc_info[0] is TypeError


def test_once_draining_every_response_says_connection_close_and_ready_is_503(tmp_path):
    draining = {"now": False}
    app, _, _, _ = _app(tmp_path, draining=lambda: draining["now"])

    async def before_and_after():
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://serve") as client:
                before = [await client.request(**_predict(1.0)), await client.get("/ready")]
                draining["now"] = True
                after = [await client.request(**_predict(1.0)), await client.get("/ready"), await client.get("/x")]
        return before, after

    before, after = asyncio.run(before_and_after())

    assert [r.status_code for r in before] == [200, 200]
    assert all("connection" not in r.headers for r in before)
    assert [r.status_code for r in after] == [200, 503, 404]
    assert all(r.headers["connection"] == "close" for r in after)
