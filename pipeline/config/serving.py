"""Typed settings of `vtx serve`: address, request limits, registry polling, micro-batching, request logging."""

from typing import Literal, Optional

from pydantic import Field

from pipeline.config.base import Section


class BatchingConfig(Section):
    """Concurrent requests share one model call: whatever is queued when the model is free goes in together."""

    enabled: bool = True
    # The most instances one model call takes; a request is never split across calls.
    max_instances: int = Field(default=256, ge=1, le=100_000)
    # How long the first request of a batch may wait for company; 0 adds no latency at low load.
    max_wait_ms: float = Field(default=0.0, ge=0.0, le=1000.0)


class RequestLogConfig(Section):
    """The writer that moves logged rows off the request path into the DuckDB table."""

    # Write when this many rows are waiting, or every flush_seconds, whichever comes first.
    flush_rows: int = Field(default=1000, ge=1, le=1_000_000)
    flush_seconds: float = Field(default=1.0, gt=0.0, le=3600.0)
    # After a failed write (e.g. `vtx monitor` holds the file), rows wait on disk this long before a retry.
    retry_seconds: float = Field(default=5.0, gt=0.0, le=3600.0)


class ServingConfig(Section):
    """The local prediction server with Vertex AI's predict contract."""

    # Unset: 127.0.0.1, or 0.0.0.0 in a Vertex AI serving container (AIP_* variables set); a set host wins.
    host: Optional[str] = Field(default=None, min_length=1)
    # Unset: 8080, or AIP_HTTP_PORT in a Vertex AI serving container; 0 picks a free port and prints it.
    port: Optional[int] = Field(default=None, ge=0, le=65535)
    # The names a logged row and the response carry, as a Vertex endpoint's would.
    endpoint: str = Field(default="local", pattern=r"^[\w.-]{1,128}$")
    deployed_model_id: str = Field(default="local", pattern=r"^[\w.-]{1,128}$")
    # The share of served requests written to the request-response log.
    sampling_rate: float = Field(default=1.0, ge=0.0, le=1.0)
    # Vertex AI's online prediction limit is 1.5 MB per request.
    max_payload_bytes: int = Field(default=1_500_000, ge=1024, le=100_000_000)
    max_instances: int = Field(default=64, ge=1, le=100_000)
    # The registry alias served: production, or staging for `vtx smoke` (whose requests are logged apart,
    # under <output_root>/stages/<stage>/, so that `vtx monitor` sees users' traffic only).
    stage: Literal["production", "staging"] = "production"
    # How often the registry is asked which version holds the stage.
    poll_seconds: float = Field(default=5.0, gt=0.0, le=3600.0)
    # How long a shutdown waits for in-flight requests before closing connections.
    graceful_shutdown_seconds: float = Field(default=30.0, gt=0.0, le=3600.0)
    batching: BatchingConfig = BatchingConfig()
    request_log: RequestLogConfig = RequestLogConfig()
