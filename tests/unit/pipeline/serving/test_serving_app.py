"""The app with a stand-in model: a failing model call is that request's 500 and the server goes on; only
answered requests are logged; the lifespan's end writes the log."""

import asyncio
from types import SimpleNamespace

import httpx
import numpy as np
import pytest

from pipeline.config.serving import ServingConfig
from pipeline.serving.app import create_app
from pipeline.serving.log_sink import DuckDbSink, Spool
from pipeline.serving.log_writer import RequestLogWriter
from pipeline.serving.metrics import ServerMetrics
from pipeline.serving.model import Feature
from pipeline.serving.model_holder import ModelHolder
from tests.builders.serving import logged_rows

pytestmark = pytest.mark.unit


class Doubler:
    """Doubles `x`; a negative `x` breaks the whole call, as a model error would."""

    version, uri, load_seconds = "7", "/models/7", 0.0
    features = {"x": Feature("x", "number", np.float32)}

    def predict(self, columns):
        if any(x < 0 for x in columns["x"]):
            raise RuntimeError("negative input\nwith a second line")
        if any(x == 0 for x in columns["x"]):
            raise ZeroDivisionError()
        return [{"y": 2 * x} for x in columns["x"]]


def _app(tmp_path, stopped):
    source = SimpleNamespace(resolve=lambda ref: SimpleNamespace(version="7", uri="/models/7"))
    metrics = ServerMetrics()
    holder = ModelHolder(source, metrics, load=lambda version, uri: Doubler())
    holder.load_production()
    writer = RequestLogWriter(DuckDbSink(tmp_path / "requests.duckdb"), Spool(tmp_path / "spool"), 1000, 3600, 5)
    return create_app(ServingConfig(), holder, writer, metrics, "penguins", on_stopped=stopped.append)


async def _requests(app):
    """The app's lifespan around four requests, through httpx's ASGI transport."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://serve") as client:
            bad = await client.post("/predict", json={"instances": [{"x": -1.0}]})
            silent = await client.post("/predict", json={"instances": [{"x": 0.0}]})
            good = await client.post("/predict", json={"instances": [{"x": 1.5}, {"x": None}]})
            health = await client.get("/health")
    return bad, silent, good, health


def test_a_failing_model_call_is_a_500_for_that_request_only(tmp_path):
    stopped = []

    bad, silent, good, health = asyncio.run(_requests(_app(tmp_path, stopped)))

    assert health.status_code == 200
    assert bad.status_code == 500
    assert bad.json() == {
        "error": {"code": 500, "status": "INTERNAL", "message": "prediction failed: RuntimeError: negative input"}
    }
    assert silent.json()["error"]["message"] == "prediction failed: ZeroDivisionError: "
    assert good.status_code == 200
    assert good.json()["predictions"][0] == {"y": 3.0}
    assert good.json()["modelVersionId"] == "7"
    rows = logged_rows(tmp_path)
    assert [row["request_id"] for row in rows] == [good.headers["x-request-id"]]
    assert stopped[0].written == 1
