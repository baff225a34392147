"""Starts `vtx serve`: bind the port, load the production model, run uvicorn until SIGTERM, flush the log."""

import logging
import math
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Tuple, Type

import uvicorn

from pipeline import contract
from pipeline.config import PipelineConfig
from pipeline.config.container import VertexContainer
from pipeline.config.serving import ServingConfig
from pipeline.serving.app import create_app
from pipeline.serving.log_sink import DuckDbSink, Spool
from pipeline.serving.log_writer import RequestLogWriter, WriterStats
from pipeline.serving.metrics import ServerMetrics
from pipeline.serving.model_holder import ModelHolder, ModelSource
from pipeline.serving.request_log import duckdb_path


class ServeError(Exception):
    """The server cannot start (no model, port taken); the message says why."""


def spool_dir(output_root: str) -> Path:
    """Rows that could not be written to the DuckDB table yet; replayed by the next write."""
    return Path(output_root) / "request_log_spool"


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    # Listening now: a client that connects before uvicorn runs waits in the backlog instead of being refused.
    sock.listen(2048)
    return sock


def _exit_quietly(signum: int, _frame: object) -> None:
    """After uvicorn's graceful shutdown it re-raises the signal; by then all is flushed, so exit 0."""
    sys.exit(0)


def _rows(count: int) -> str:
    return f"{count} row" + ("" if count == 1 else "s")


def log_root(config: PipelineConfig) -> str:
    """Where the request log goes: output_root for production; a stage's own folder, apart from users' traffic."""
    stage = config.serving.stage
    return config.output_root if stage == "production" else str(Path(config.output_root) / "stages" / stage)


def writer_for(config: PipelineConfig) -> RequestLogWriter:
    settings = config.serving
    root = log_root(config)
    return RequestLogWriter(
        DuckDbSink(duckdb_path(root)),
        Spool(spool_dir(root)),
        flush_rows=settings.request_log.flush_rows,
        flush_seconds=settings.request_log.flush_seconds,
        retry_seconds=settings.request_log.retry_seconds,
        sampling_rate=settings.sampling_rate,
    )


@dataclass
class Server:
    """A server ready to run: uvicorn with the app, the bound socket, and its URL."""

    uvicorn: uvicorn.Server
    socket: socket.socket
    url: str
    holder: ModelHolder
    writer: RequestLogWriter

    def run(self) -> None:
        self.uvicorn.run(sockets=[self.socket])


def address(settings: ServingConfig, container: Optional[VertexContainer]) -> Tuple[str, int]:
    """Where to listen: the settings when given; else Vertex AI's (all interfaces, AIP_HTTP_PORT) or loopback:8080."""
    host = settings.host or ("0.0.0.0" if container else "127.0.0.1")
    if settings.port is not None:
        return host, settings.port
    return host, container.http_port if container else contract.CONTAINER_PORT


def as_deployed(settings: ServingConfig, container: Optional[VertexContainer]) -> ServingConfig:
    """In a Vertex AI container, rows and responses carry the deployment's ids instead of serving.*'s names."""
    if container is None:
        return settings
    return settings.model_copy(
        update={"endpoint": container.endpoint_id, "deployed_model_id": container.deployed_model_id}
    )


def _announce(
    echo: Callable[[str], None], config: PipelineConfig, model: Any, url: str, container: Optional[VertexContainer]
) -> None:
    settings = config.serving
    log = f"{duckdb_path(log_root(config))} (sampling rate {settings.sampling_rate:g})"
    if container is None:
        loaded = f"loaded in {model.load_seconds:.1f} s"
        echo(f"vtx serve: {config.pipeline_name} version {model.version} ({settings.stage}), {loaded}")
        echo(f"  model:    {model.uri}")
        echo(f"  predict:  POST {url}/predict  or  {url}/v1/projects/P/locations/L/endpoints/E:predict")
        echo(f"  health:   {url}/health  {url}/ready    metrics: {url}/metrics")
        echo(f"  log:      {log}")
        every = f"{settings.poll_seconds:g} s"
        echo(f"Listening on {url}; new {settings.stage} versions are picked up every {every}. Ctrl+C to stop.")
        return
    echo(
        f"vtx serve: {config.pipeline_name} on Vertex AI, deployed model {container.deployed_model_id} of endpoint"
        f" {container.endpoint_id}, loaded in {model.load_seconds:.1f} s"
    )
    echo(f"  model:    {container.storage_uri} (copied to {model.uri})")
    echo(f"  predict:  POST {url}{container.predict_route}    health: {url}{container.health_route}")
    echo(f"  log:      {log}")
    echo(f"Listening on {url} as a Vertex AI serving container; the model stays the one of AIP_STORAGE_URI.")


def build(
    config: PipelineConfig,
    source: ModelSource,
    source_errors: Tuple[Type[Exception], ...],
    echo: Callable[[str], None],
    container: Optional[VertexContainer] = None,
) -> Server:
    """Binds the port, then loads the production model; raises ServeError (or the source's errors) if it cannot.

    With `container` (the AIP_* variables of Vertex AI), it serves the source's one model at Vertex AI's routes
    and never asks the source again.
    """
    from pipeline.serving.model import ModelLoadError

    settings = as_deployed(config.serving, container)
    metrics = ServerMetrics()
    # A Vertex AI container serves its one model, whatever the stage.
    alias = config.serving.stage if container is None else "production"
    holder = ModelHolder(source, metrics, source_errors + (ModelLoadError,), announce=echo, alias=alias)
    # Listening first: Vertex AI's liveness probe only needs the port to take connections while the model loads.
    sock = bind(*address(settings, container))
    try:
        model = holder.load_production()
    except ModelLoadError as error:
        sock.close()
        raise ServeError(str(error)) from None
    except BaseException:
        sock.close()
        raise
    host, port = sock.getsockname()[:2]
    writer = writer_for(config)

    def stopped(stats: WriterStats) -> None:
        line = f"Stopped. Request log: {_rows(stats.written)} written to {duckdb_path(log_root(config))}"
        if stats.spooled:
            line += f"; {_rows(stats.spooled)} wait in {spool_dir(log_root(config))} for the next start"
        if stats.pending:
            line += f"; {_rows(stats.pending)} could be neither written nor spooled and are lost"
        echo(line + ".")

    # uvicorn sets should_exit on SIGTERM or Ctrl+C; the server below exists before the first request arrives.
    app = create_app(
        settings,
        holder,
        writer,
        metrics,
        config.pipeline_name,
        on_stopped=stopped,
        container=container,
        draining=lambda: server.should_exit,
    )
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    _announce(echo, config, model, url, container)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            loop="uvloop",
            http="httptools",
            lifespan="on",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=math.ceil(settings.graceful_shutdown_seconds),
        )
    )
    return Server(server, sock, url, holder, writer)


def serve(
    config: PipelineConfig,
    source: ModelSource,
    source_errors: Tuple[Type[Exception], ...],
    echo: Callable[[str], None],
    container: Optional[VertexContainer] = None,
) -> None:
    """Runs until SIGTERM or Ctrl+C (then exits 0); raises ServeError or the source's errors if it cannot start."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.WARNING)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_quietly)
    build(config, source, source_errors, echo, container).run()
