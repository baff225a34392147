"""Fixtures for the fakes' own tests: the real Cloud Scheduler and Cloud Run clients, and raw HTTP requests."""

import json
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Tuple

import pytest
from google.cloud import run_v2, scheduler_v1

Send = Callable[..., Tuple[int, Dict[str, Any]]]


@pytest.fixture
def scheduler(cloud_run_fake) -> scheduler_v1.CloudSchedulerClient:
    return scheduler_v1.CloudSchedulerClient(
        transport="rest", client_options=cloud_run_fake.client_options, credentials=cloud_run_fake.credentials
    )


@pytest.fixture
def jobs(cloud_run_fake) -> run_v2.JobsClient:
    return run_v2.JobsClient(
        transport="rest", client_options=cloud_run_fake.client_options, credentials=cloud_run_fake.credentials
    )


def _send(fake, method: str, path: str, body: Any = None) -> Tuple[int, Dict[str, Any]]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(fake.endpoint + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def send() -> Send:
    """send(fake, method, path, body) -> (HTTP status, JSON answer): a raw request no client library would send."""
    return _send
