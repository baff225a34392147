"""Hot reload through the model registry: a new push is served without a failed request, a rollback goes back,
and a version that does not load leaves the current one serving."""

import threading
import time
from pathlib import Path
from typing import List, Tuple

import httpx
import pytest

from pipeline.registry import open_registry
from tests.builders.serving import isolated_output, penguins, push_copy, pushed_versions, running, serving_config

pytestmark = pytest.mark.e2e


class Traffic:
    """One client posting in a loop, recording each response's status and model version."""

    def __init__(self, url: str):
        self.url = url
        self.seen: List[Tuple[int, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._body = {"instances": [instance for instance, _ in penguins(every=100)]}

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._stop.is_set():
                response = client.post("/predict", json=self._body)
                version = response.json().get("modelVersionId", "") if response.status_code == 200 else ""
                self.seen.append((response.status_code, version))

    def __enter__(self) -> "Traffic":
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join(60)

    def wait_for(self, version: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.seen and self.seen[-1][1] == version:
                return
            time.sleep(0.05)
        raise AssertionError(f"version {version} was not served within {timeout} s; last: {self.seen[-3:]}")

    def versions_in_order(self) -> List[str]:
        order: List[str] = []
        for _, version in self.seen:
            if not order or order[-1] != version:
                order.append(version)
        return order


@pytest.fixture
def output(served_run, tmp_path) -> Path:
    return isolated_output(served_run, tmp_path / "out")


def test_a_new_push_is_served_without_a_failed_request_and_a_rollback_goes_back(output):
    (v1,) = pushed_versions(output)
    v2 = str(int(v1) + 60)
    config = serving_config(output, "serving.poll_seconds=0.2")

    with running(config) as server, Traffic(server.url) as traffic:
        traffic.wait_for(v1)
        push_copy(output, v1, v2)
        traffic.wait_for(v2)
        assert open_registry(config).rollback().version == v1
        traffic.wait_for(v1)

    assert {status for status, _ in traffic.seen} == {200}
    assert traffic.versions_in_order() == [v1, v2, v1]
    assert f"Serving version {v2} (was {v1})" in " ".join(server.lines)
    assert f"Serving version {v1} (was {v2})" in " ".join(server.lines)


def test_a_version_that_does_not_load_leaves_the_current_one_serving(output):
    (v1,) = pushed_versions(output)
    broken = output / "serving_model" / "penguins" / str(int(v1) + 60)
    broken.mkdir()
    config = serving_config(output, "serving.poll_seconds=0.2")

    with running(config) as server, Traffic(server.url) as traffic:
        (broken / "saved_model.pb").write_bytes(b"not a SavedModel")  # now the registry's newest push
        deadline = time.monotonic() + 60
        while not any("Not serving version" in line for line in server.lines) and time.monotonic() < deadline:
            time.sleep(0.05)
        traffic.wait_for(v1)

    assert {status for status, _ in traffic.seen} == {200}
    assert traffic.versions_in_order() == [v1]
    refused = [line for line in server.lines if line.startswith("Not serving version")]
    assert len(refused) == 1, "a broken version is tried once, not at every poll"
    assert refused[0].startswith(f"Not serving version {broken.name}: cannot load the SavedModel")
    assert refused[0].endswith(f"still serving {v1}")
