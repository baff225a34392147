"""Prometheus counters and latency histograms of one server, in a registry of its own."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Sub-millisecond to seconds: a single-instance call takes about 1 ms, a reload-time batch far more.
_LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "vtx_serve_requests",
            "Predict requests by response status code, and requests refused for their path (404) or method (405).",
            ["code"],
            registry=self.registry,
        )
        self.instances = Counter("vtx_serve_instances", "Instances predicted.", registry=self.registry)
        self.request_latency = Histogram(
            "vtx_serve_request_latency_seconds",
            "Time from a predict request's arrival to its response, in the server.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.model_latency = Histogram(
            "vtx_serve_model_latency_seconds",
            "Time of one model call.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_instances = Histogram(
            "vtx_serve_batch_instances",
            "Instances per model call (requests batched together).",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
            registry=self.registry,
        )
        self.batch_retries = Counter(
            "vtx_serve_batch_retries",
            "Batched model calls that failed and were retried request by request.",
            registry=self.registry,
        )
        self.model_info = Gauge(
            "vtx_serve_model_info", "1 for the model version being served.", ["version"], registry=self.registry
        )
        self.reloads = Counter(
            "vtx_serve_model_reloads", "Model loads after start, by outcome.", ["outcome"], registry=self.registry
        )
        self.logged_rows = Counter("vtx_serve_logged_rows", "Rows queued for the request log.", registry=self.registry)
        self.log_pending = Gauge(
            "vtx_serve_log_pending_rows", "Rows waiting in memory for the request log.", registry=self.registry
        )
        self.log_spooled = Gauge(
            "vtx_serve_log_spooled_rows", "Rows on disk waiting for the request log table.", registry=self.registry
        )

    def serving(self, version: str) -> None:
        self.model_info.clear()
        self.model_info.labels(version=version).set(1)
