"""The FastAPI app: Vertex AI's predict route and its short alias, health, readiness and Prometheus metrics."""

import asyncio
import contextlib
import datetime
import json
import time
import uuid
from typing import Any, AsyncIterator, Callable, Dict, Optional

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.config.container import VertexContainer
from pipeline.config.serving import ServingConfig
from pipeline.serving.batcher import MicroBatcher
from pipeline.serving.errors import ErrorResponses, error_body
from pipeline.serving.instances import BadRequestError, parse
from pipeline.serving.log_sink import LogRow
from pipeline.serving.log_writer import RequestLogWriter, WriterStats
from pipeline.serving.metrics import ServerMetrics
from pipeline.serving.model import ModelInputError
from pipeline.serving.model_holder import ModelHolder
from pipeline.serving.predict_routes import PredictRoutes


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it is known to be over the limit (by its Content-Length, or while reading)."""
    declared = request.headers.get("content-length")
    too_big = f"the request body is over the limit of {limit} bytes"
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BadRequestError(too_big)
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BadRequestError(too_big)
            chunks.append(chunk)
    except ClientDisconnect:
        raise BadRequestError("the client disconnected before the whole body arrived") from None
    return b"".join(chunks)


def _content_type_problem(declared: Optional[str]) -> Optional[str]:
    """Why a declared Content-Type is not JSON in UTF-8; None when it is, or when the client declared none."""
    if declared is None:
        return None
    media, *parameters = [part.strip() for part in declared.split(";")]
    if media.lower() != "application/json":
        hint = " (curl -d sends that unless given -H 'Content-Type: application/json')" if "form" in media else ""
        return f"the body must be JSON sent as Content-Type: application/json, not {declared}{hint}"
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return f"the body must be UTF-8 JSON, not charset {value.strip()}"
    return None


class _CloseWhenDraining:
    """Once the server is shutting down, every response says `Connection: close`, so clients reconnect elsewhere."""

    def __init__(self, app: ASGIApp, draining: Callable[[], bool]):
        self.app, self.draining = app, draining

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start" and self.draining():
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, send_closing)


class PredictService:
    """One predict request: read, validate, predict (batched), answer, then queue its log row."""

    def __init__(
        self,
        settings: ServingConfig,
        holder: ModelHolder,
        batcher: MicroBatcher,
        writer: RequestLogWriter,
        metrics: ServerMetrics,
        on_vertex: bool = False,
    ):
        self.settings, self.holder, self.batcher = settings, holder, batcher
        self.writer, self.metrics, self.on_vertex = writer, metrics, on_vertex
        self.errors = ErrorResponses(metrics)
        self._answered = metrics.requests.labels(code="200")

    def _body(self, predictions: Any, model_name: str, version: str) -> Dict[str, Any]:
        """The response: PredictResponse's fields. On Vertex AI only those it leaves to the container."""
        body = {"predictions": predictions, "deployedModelId": self.settings.deployed_model_id}
        if not self.on_vertex:
            body.update(model=model_name, modelVersionId=version)
        return body

    async def __call__(self, request: Request, endpoint: str, model_name: str) -> Response:
        try:
            return await self._predict(request, endpoint, model_name)
        except Exception:  # noqa: BLE001 - a fault of ours answers this request with a 500; the server stays up
            body = error_body(500, "internal error in the server; its log has the traceback")
            return self.errors.respond(request, body, exc_info=True)

    async def _predict(self, request: Request, endpoint: str, model_name: str) -> Response:
        started = time.perf_counter()
        problem = _content_type_problem(request.headers.get("content-type"))
        if problem is not None:
            return self.errors.respond(request, error_body(415, problem))
        try:
            body = await _read_body(request, self.settings.max_payload_bytes)
            model = self.holder.current
            instances = parse(body, model.features, self.settings.max_instances)
        except BadRequestError as error:
            return self.errors.respond(request, error.body())
        try:
            predictions = await self.batcher.predict(instances, model)
        except ModelInputError as error:
            return self.errors.respond(request, error_body(400, f"the model refused this request: {error}"))
        except Exception as error:  # noqa: BLE001 - any model failure is this request's 500, and the server stays up
            first_line = (str(error).strip().splitlines() or [""])[0][:300]
            message = f"prediction failed: {type(error).__name__}: {first_line}"
            return self.errors.respond(request, error_body(500, message))
        return self._answer(endpoint, model_name, model.version, body, predictions, instances.count, started)

    def _answer(
        self, endpoint: str, model_name: str, version: str, body: bytes, predictions: Any, count: int, started: float
    ) -> Response:
        """The 200 response, its request-log row queued and its metrics counted."""
        text = json.dumps(self._body(predictions, model_name, version))
        latency = time.perf_counter() - started
        request_id = uuid.uuid4().hex
        row = LogRow(
            endpoint=endpoint,
            deployed_model_id=self.settings.deployed_model_id,
            logging_time=datetime.datetime.now(datetime.timezone.utc),
            request_id=request_id,
            request_payload=body.decode("utf-8"),
            response_payload=text,
            model_version=version,
            latency_ms=latency * 1000.0,
        )
        if self.writer.log(row):
            self.metrics.logged_rows.inc()
        self._answered.inc()
        self.metrics.instances.inc(count)
        self.metrics.request_latency.observe(latency)
        headers = {"X-Request-Id": request_id, "X-Model-Version": version}
        return Response(text, media_type="application/json", headers=headers)


def create_app(
    settings: ServingConfig,
    holder: ModelHolder,
    writer: RequestLogWriter,
    metrics: ServerMetrics,
    model_name: str,
    on_stopped: Optional[Callable[[WriterStats], None]] = None,
    container: Optional[VertexContainer] = None,
    draining: Callable[[], bool] = lambda: False,
) -> FastAPI:
    """The app; the holder has a model loaded. The writer and the registry watch run for the app's lifetime.

    With `container` (on Vertex AI) it also answers AIP_PREDICT_ROUTE and AIP_HEALTH_ROUTE, and watches nothing.
    `draining` says whether the server has begun to shut down: from then on /ready is a 503 and every
    response carries `Connection: close`.
    """
    batcher = MicroBatcher(metrics, **settings.batching.model_dump())
    service = PredictService(settings, holder, batcher, writer, metrics, on_vertex=container is not None)
    state = {"stopping": False}

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        writer.start()
        batcher.start()
        # A Vertex AI container serves the one model it was started with; a new version is a new deployment.
        watches = [] if container else [asyncio.get_running_loop().create_task(holder.watch(settings.poll_seconds))]
        yield
        # uvicorn has stopped accepting requests and answered those in flight; now write every logged row.
        state["stopping"] = True
        for watch in watches:
            watch.cancel()
        await asyncio.gather(*watches, return_exceptions=True)
        await batcher.stop()
        stats = await asyncio.to_thread(writer.close)
        if on_stopped is not None:
            on_stopped(stats)

    app = FastAPI(title="vtx serve", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.add_exception_handler(HTTPException, service.errors.http_exception)

    async def ready() -> JSONResponse:
        if state["stopping"] or draining() or not holder.ready:
            return JSONResponse({"ready": False}, status_code=503)
        return JSONResponse({"ready": True, "model": model_name, "modelVersionId": holder.current.version})

    if container is not None:
        app.add_api_route(container.health_route, ready, methods=["GET"])
    # The predict paths: a Vertex AI container's AIP_PREDICT_ROUTE first, so that it wins when it names a path below.
    exact = {container.predict_route: (settings.endpoint, model_name)} if container else {}
    exact.setdefault("/predict", (settings.endpoint, model_name))
    app.add_middleware(
        PredictRoutes,
        service=service,
        errors=service.errors,
        exact=exact,
        model_name=model_name,
        vertex_endpoint=settings.endpoint if container else None,
        app_paths={container.health_route} if container else set(),
    )
    # Added last, so outermost: it also closes the connections of predict responses.
    app.add_middleware(_CloseWhenDraining, draining=draining)

    @app.get("/health")
    async def health() -> Dict[str, str]:
        return {"status": "ok"}

    app.add_api_route("/ready", ready, methods=["GET"])

    @app.get("/metrics")
    async def prometheus() -> Response:
        metrics.log_pending.set(writer.pending())
        metrics.log_spooled.set(writer.stats.spooled)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
