"""How the Cloud Scheduler and Cloud Run clients are made and retried: Google's endpoints, or a loopback fake."""

from typing import Any, Dict, Optional


def retry_policy():
    """Retries of idempotent calls on transient errors, as `vtx submit` retries them (read at call time)."""
    from google.api_core import retry

    from pipeline.vertex import submit as vertex_submit

    return retry.Retry(
        predicate=retry.if_exception_type(*vertex_submit.TRANSIENT),
        initial=vertex_submit.RETRY_INITIAL_SECONDS,
        maximum=30.0,
        timeout=vertex_submit.RETRY_DEADLINE_SECONDS,
    )


def client_arguments(endpoint: Optional[str]) -> Dict[str, Any]:
    """Client arguments: Google's default endpoints, or another one over REST (http:// only for a fake)."""
    if not endpoint:
        return {}
    from google.auth.credentials import AnonymousCredentials

    kwargs: Dict[str, Any] = {"transport": "rest", "client_options": {"api_endpoint": endpoint}}
    if endpoint.startswith("http://"):
        kwargs["credentials"] = AnonymousCredentials()
    return kwargs
