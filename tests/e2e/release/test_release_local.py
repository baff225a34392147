"""End to end, locally: the staging version served and smoke-tested live, promoted, served as production, and rolled
back; a smoke test against a server whose probabilities are NaN fails with the outputs line."""

import json
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from pipeline.registry.local import LocalRegistry
from tests.builders.pipeline_runs import Run, serving_dir
from tests.builders.serving import VTX, free_port, isolated_output, push_copy, start_vtx_serve, stop, wait_ready

pytestmark = pytest.mark.e2e

INSTANCE = {"island": "Biscoe", "sex": "female", "bill_length_mm": 46.1, "bill_depth_mm": 13.2}
INSTANCE.update(flipper_length_mm=211, body_mass_g=4500)


def vtx(output: Path, *args: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VTX_")}
    command = [VTX, *args, "--output", str(output)]
    return subprocess.run(command, capture_output=True, text=True, env=environ, timeout=600)


@pytest.fixture(scope="module")
def upgraded(first_run: Run, tmp_path_factory) -> Path:
    """An output_root as an existing user has it after upgrading: an older push that is production, and the
    run's version, pushed after release stages began, in staging."""
    output = isolated_output(first_run.output, tmp_path_factory.mktemp("release"))
    registry = LocalRegistry(str(serving_dir(output)), str(output / "metadata.sqlite"))
    staged = registry.list()[0].version
    push_copy(output, staged, str(int(staged) - 1000))
    registry.mark_staged(int(staged))
    return output


def version_served(url: str) -> str:
    answer = httpx.post(f"{url}/predict", json={"instances": [INSTANCE]}, timeout=30)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["modelVersionId"])


def wait_for_version(url: str, version: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while version_served(url) != version:
        assert time.monotonic() < deadline, f"{url} never served version {version}"
        time.sleep(0.2)


def test_staging_smoke_promote_serve_and_rollback(upgraded: Path):
    registry = LocalRegistry(str(serving_dir(upgraded)), str(upgraded / "metadata.sqlite"))
    old, new = registry.resolve("production").version, registry.resolve("staging").version
    assert int(old) < int(new)
    refused = vtx(upgraded, "promote")
    assert (refused.returncode, refused.stderr.strip()) == (
        1,
        f"Error: version {new} has no smoke test; run `vtx smoke --stage staging` against it first",
    )

    staging_port, production_port = free_port(), free_port()
    staging = start_vtx_serve(upgraded, staging_port, "--stage", "staging")
    production = start_vtx_serve(upgraded, production_port, "--set", "serving.poll_seconds=0.2")
    try:
        production_url = f"http://127.0.0.1:{production_port}"
        wait_ready(f"http://127.0.0.1:{staging_port}", process=staging)
        wait_ready(production_url, process=production)
        assert version_served(production_url) == old

        summary = upgraded / "summary.md"
        smoke = vtx(upgraded, "smoke", "--url", f"http://127.0.0.1:{staging_port}/predict", "--summary", str(summary))
        assert smoke.returncode == 0, smoke.stdout + smoke.stderr
        lines = smoke.stdout.splitlines()
        assert lines[0].startswith(f"vtx smoke: staging version {new} at http://127.0.0.1:{staging_port}/predict")
        names = [line.split()[1] for line in lines[1:-1]]
        assert names == ["version", "responses", "outputs", "accuracy", "latency", "latency", "malformed"]
        assert all(line.startswith("PASS  ") for line in lines[1:-1]), smoke.stdout
        assert lines[-1] == "Smoke test passed (kept with the version)."
        assert "### Smoke test of staging: passed" in summary.read_text()

        promoted = vtx(upgraded, "promote", "--to", "production")
        assert (promoted.returncode, promoted.stdout.strip()) == (
            0,
            f"Promoted version {new} to production (was {old})",
        )
        wait_for_version(production_url, new)
        again = vtx(upgraded, "promote")
        assert (again.returncode, again.stdout.strip()) == (0, f"version {new} is already in production; nothing to do")

        back = vtx(upgraded, "promote", "--rollback")
        assert (back.returncode, back.stdout.strip()) == (0, f"Rolled back production to version {old} (was {new})")
        wait_for_version(production_url, old)
    finally:
        stop(staging)
        stop(production)
    # The staging server's requests are logged apart from users': `vtx monitor` reads only production's.
    assert (upgraded / "stages" / "staging" / "requests.duckdb").is_file()


class NanServer(BaseHTTPRequestHandler):
    """A stand-in with Vertex AI's predict contract whose probabilities are NaN, and which accepts anything."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        names = ["Adelie", "Chinstrap", "Gentoo"]
        nan = {"classes": "Adelie", "probabilities": [float("nan")] * 3, "class_names": names}
        answer = json.dumps({"predictions": [nan for _ in body["instances"]]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def nan_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), NanServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/predict"
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_answering_nan_fails_the_smoke_test_with_the_outputs_line(upgraded: Path, nan_server: str):
    smoke = vtx(upgraded, "smoke", "--url", nan_server)
    assert smoke.returncode == 1, smoke.stdout + smoke.stderr
    failed = [line for line in smoke.stdout.splitlines() if line.startswith("FAIL")]
    assert failed[0].startswith("FAIL  outputs      ")
    assert failed[0].endswith(" invalid; prediction 1: probability nan is not a finite number")
    assert any(line.startswith("FAIL  malformed    accepted with 200") for line in failed)
    assert smoke.stdout.splitlines()[-1].startswith("Smoke test FAILED (not kept:")
