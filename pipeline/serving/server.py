"""Starts `vtx serve`: load the production model, bind the port, run uvicorn until SIGTERM, flush the log."""

import logging
import math
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Tuple, Type

import uvicorn

from pipeline.config import PipelineConfig
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


def writer_for(config: PipelineConfig) -> RequestLogWriter:
    settings = config.serving
    return RequestLogWriter(
        DuckDbSink(duckdb_path(config.output_root)),
        Spool(spool_dir(config.output_root)),
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


def build(
    config: PipelineConfig,
    source: ModelSource,
    source_errors: Tuple[Type[Exception], ...],
    echo: Callable[[str], None],
) -> Server:
    """Loads the production model and binds the port; raises ServeError (or the source's errors) if it cannot."""
    from pipeline.serving.model import ModelLoadError

    settings = config.serving
    metrics = ServerMetrics()
    holder = ModelHolder(source, metrics, source_errors + (ModelLoadError,), announce=echo)
    try:
        model = holder.load_production()
    except ModelLoadError as error:
        raise ServeError(str(error)) from None
    sock = bind(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    writer = writer_for(config)

    def stopped(stats: WriterStats) -> None:
        line = f"Stopped. Request log: {_rows(stats.written)} written to {duckdb_path(config.output_root)}"
        if stats.spooled:
            line += f"; {_rows(stats.spooled)} wait in {spool_dir(config.output_root)} for the next start"
        if stats.pending:
            line += f"; {_rows(stats.pending)} could be neither written nor spooled and are lost"
        echo(line + ".")

    # uvicorn sets should_exit on SIGTERM or Ctrl+C; the server below exists before the first request arrives.
    app = create_app(
        settings, holder, writer, metrics, config.pipeline_name, on_stopped=stopped, draining=lambda: server.should_exit
    )
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    echo(
        f"vtx serve: {config.pipeline_name} version {model.version} (production), loaded in {model.load_seconds:.1f} s"
    )
    echo(f"  model:    {model.uri}")
    echo(f"  predict:  POST {url}/predict  or  {url}/v1/projects/P/locations/L/endpoints/E:predict")
    echo(f"  health:   {url}/health  {url}/ready    metrics: {url}/metrics")
    echo(f"  log:      {duckdb_path(config.output_root)} (sampling rate {settings.sampling_rate:g})")
    echo(
        f"Listening on {url}; new production versions are picked up every {settings.poll_seconds:g} s. Ctrl+C to stop."
    )
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
) -> None:
    """Runs until SIGTERM or Ctrl+C (then exits 0); raises ServeError or the source's errors if it cannot start."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.WARNING)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_quietly)
    build(config, source, source_errors, echo).run()
