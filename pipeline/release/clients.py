"""How the smoke test calls a live model: over HTTP with Vertex AI's predict contract, or a Vertex AI endpoint
through the official client, so that the same checks run against `vtx serve`, any such server, and Vertex AI."""

import json
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional

from pipeline.release.checks import Answer

# No answer at all (refused connection, timeout): not an HTTP status.
NO_ANSWER = 0


class HttpClient:
    """POSTs {"instances": [...]} to `url` (a server's predict route) and reads the JSON answer."""

    def __init__(self, url: str, timeout: float):
        self.url, self.timeout = url, timeout
        self.where = url

    def predict(self, instances: List[Dict[str, Any]]) -> Answer:
        data = json.dumps({"instances": instances}).encode()
        request = urllib.request.Request(self.url, data=data, headers={"Content-Type": "application/json"})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body, status = response.read(), response.status
        except urllib.error.HTTPError as error:
            return Answer(error.code, None, _error_text(error.read()), time.perf_counter() - started)
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            return Answer(NO_ANSWER, None, f"no answer from {self.url}: {reason}", time.perf_counter() - started)
        seconds = time.perf_counter() - started
        try:
            parsed = json.loads(body)
        except ValueError:
            return Answer(status, None, "the answer is not JSON", seconds)
        predictions = parsed.get("predictions") if isinstance(parsed, dict) else None
        if not isinstance(predictions, list):
            return Answer(status, None, "the answer has no list of predictions", seconds)
        version = parsed.get("modelVersionId")
        return Answer(status, predictions, "", seconds, str(version) if version else None)


def _error_text(body: bytes) -> str:
    """Google's error shape {"error": {"message": ...}}, else the body's first line."""
    try:
        return str(json.loads(body)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return body.decode("utf-8", "replace").strip().splitlines()[0] if body.strip() else ""


class VertexClient:
    """A Vertex AI endpoint's predict call through google-cloud-aiplatform, exactly as a client application makes it."""

    def __init__(self, endpoint_name: str):
        from google.cloud import aiplatform

        self.endpoint = aiplatform.Endpoint(endpoint_name)
        self.where = endpoint_name

    def predict(self, instances: List[Dict[str, Any]]) -> Answer:
        from google.api_core import exceptions

        started = time.perf_counter()
        try:
            prediction = self.endpoint.predict(instances=instances)
        except exceptions.GoogleAPICallError as error:
            status = int(error.code) if isinstance(error.code, int) else NO_ANSWER
            return Answer(status, None, error.message or str(error), time.perf_counter() - started)
        seconds = time.perf_counter() - started
        version: Optional[str] = prediction.model_version_id or None
        return Answer(200, [_plain(p) for p in prediction.predictions], "", seconds, version)


def _plain(value: Any) -> Any:
    """The SDK's proto-backed maps and lists as plain dicts and lists; numbers from protobuf Values are floats."""
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or type(value).__name__ == "RepeatedComposite":
        return [_plain(v) for v in value]
    return value
