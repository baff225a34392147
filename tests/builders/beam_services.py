"""Beam's Python job service, or an EXTERNAL worker pool whose workers install staged packages as Beam's boot does.

Run by the worker environment's interpreter, which holds uv.lock's packages but not this project:

    python beam_services.py job-service --port-file F
    python beam_services.py worker-pool --port-file F --work-dir D [--image-code DIR]

Both serve on 127.0.0.1 only. A worker starts as Dataflow's container boot starts one: it asks the provision
service for the job's staged files, fetches them from the artifact service, pip-installs every package named in
extra_packages.txt over what the environment has (`--force-reinstall --no-deps`, into a folder ahead of
site-packages, so that this shared environment stays as it was), then runs Beam's SDK harness. `--image-code`
stands for an image that carries a copy of the project (installed behind what pip installs at start).
"""

import argparse
import hashlib
import importlib.util
import json
import logging
import os
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Dict, List

import grpc
from apache_beam.portability.api import (
    beam_artifact_api_pb2,
    beam_artifact_api_pb2_grpc,
    beam_fn_api_pb2,
    beam_provision_api_pb2,
    beam_provision_api_pb2_grpc,
    beam_runner_api_pb2,
)
from apache_beam.runners.worker.worker_pool_main import BeamFnExternalWorkerPoolServicer
from google.protobuf import json_format, text_format

EXTRA_PACKAGES_FILE = "extra_packages.txt"
STAGING_TO = "beam:artifact:role:staging_to:v1"


def _load_loopback():
    """pipeline/local/loopback.py by its path: the worker environment must not have the project importable."""
    path = Path(__file__).resolve().parents[2] / "pipeline" / "local" / "loopback.py"
    spec = importlib.util.spec_from_file_location("vtx_loopback", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _provision(request: beam_fn_api_pb2.StartWorkerRequest) -> beam_provision_api_pb2.ProvisionInfo:
    with grpc.insecure_channel(request.provision_endpoint.url) as channel:
        stub = beam_provision_api_pb2_grpc.ProvisionServiceStub(channel)
        answer = stub.GetProvisionInfo(
            beam_provision_api_pb2.GetProvisionInfoRequest(), metadata=[("worker_id", request.worker_id)]
        )
    return answer.info


def _materialize(endpoint: str, dependencies, folder: Path) -> List[str]:
    """Fetches each staged file to `folder` under its staged name, as boot's artifact.Materialize does."""
    names = []
    folder.mkdir(parents=True, exist_ok=True)
    with grpc.insecure_channel(endpoint) as channel:
        stub = beam_artifact_api_pb2_grpc.ArtifactRetrievalServiceStub(channel)
        for dependency in dependencies:
            if dependency.role_urn != STAGING_TO:
                continue
            payload = beam_runner_api_pb2.ArtifactStagingToRolePayload.FromString(dependency.role_payload)
            chunks = stub.GetArtifact(beam_artifact_api_pb2.GetArtifactRequest(artifact=dependency))
            (folder / payload.staged_name).write_bytes(b"".join(chunk.data for chunk in chunks))
            names.append(payload.staged_name)
    return names


def _install(staged: Path, names: List[str], site: Path) -> None:
    """pip-installs the packages of extra_packages.txt into `site`, replacing any installed copy."""
    if EXTRA_PACKAGES_FILE not in names:
        return
    packages = [line.strip() for line in (staged / EXTRA_PACKAGES_FILE).read_text().splitlines() if line.strip()]
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index"]
    command += ["--force-reinstall", "--no-deps", "--target", str(site), *(str(staged / p) for p in packages)]
    subprocess.run(command, check=True, capture_output=True, text=True)


class BootingWorkerPool(BeamFnExternalWorkerPoolServicer):
    """Starts each requested SDK worker as a subprocess, after installing the job's staged packages."""

    def __init__(self, work_dir: Path, image_code: str):
        super().__init__(use_process=True)
        self._work_dir = work_dir
        self._image_code = image_code
        self._lock = threading.Lock()
        self.started: Dict[str, List[str]] = {}

    def _prepare(self, request) -> Dict[str, str]:
        info = _provision(request)
        worker_dir = self._work_dir / f"worker-{request.worker_id}-{time.monotonic_ns()}"
        staged = worker_dir / "staged"
        names = _materialize(request.artifact_endpoint.url, info.dependencies, staged)
        key = hashlib.sha256(b"".join((staged / n).read_bytes() for n in sorted(names))).hexdigest()[:16]
        site = self._work_dir / f"site-{key}"
        with self._lock:
            if not site.is_dir():
                _install(staged, names, site.with_suffix(".partial"))
                site.with_suffix(".partial").mkdir(exist_ok=True)
                site.with_suffix(".partial").rename(site)
        path = [str(site)] + ([self._image_code] if self._image_code else [])
        options = json_format.MessageToJson(info.pipeline_options)
        descriptor = text_format.MessageToString
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(path), PIPELINE_OPTIONS=options, WORKER_ID=request.worker_id)
        env["CONTROL_API_SERVICE_DESCRIPTOR"] = descriptor(request.control_endpoint)
        env["LOGGING_API_SERVICE_DESCRIPTOR"] = descriptor(request.logging_endpoint)
        env["SEMI_PERSISTENT_DIRECTORY"] = str(worker_dir)
        record = self._work_dir / "started.jsonl"
        with self._lock, record.open("a") as out:
            out.write(json.dumps({"worker_id": request.worker_id, "staged": sorted(names), "site": str(site)}) + "\n")
        return env

    def StartWorker(self, request, unused_context):  # noqa: N802 # the gRPC method's name
        try:
            env = self._prepare(request)
            # A neutral working directory: `python -m` puts it first on sys.path.
            command = [sys.executable, "-m", "apache_beam.runners.worker.sdk_worker_main"]
            process = subprocess.Popen(command, env=env, cwd=env["SEMI_PERSISTENT_DIRECTORY"])
            self._worker_processes[request.worker_id] = process
            return beam_fn_api_pb2.StartWorkerResponse()
        except Exception:  # noqa: BLE001 # the job service shows the worker's error to the driver
            return beam_fn_api_pb2.StartWorkerResponse(error=traceback.format_exc())


def _serve_pool(args) -> grpc.Server:
    from apache_beam.portability.api import beam_fn_api_pb2_grpc
    from apache_beam.utils import thread_pool_executor

    server = grpc.server(thread_pool_executor.shared_unbounded_instance())
    port = server.add_insecure_port("127.0.0.1:0")
    pool = BootingWorkerPool(Path(args.work_dir), args.image_code)
    beam_fn_api_pb2_grpc.add_BeamFnExternalWorkerPoolServicer_to_server(pool, server)
    server.start()
    Path(args.port_file).write_text(str(port))
    return server


def _serve_jobs(args):
    from apache_beam.runners.portability import local_job_service

    class LoopbackJobServicer(local_job_service.LocalJobServicer):
        def get_service_address(self):
            return "127.0.0.1"

    servicer = LoopbackJobServicer(args.staging_dir)
    port = servicer.start_grpc_server(0)
    Path(args.port_file).write_text(str(port))
    return servicer


def main(argv: List[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("service", choices=["job-service", "worker-pool"])
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--staging-dir")
    parser.add_argument("--work-dir")
    parser.add_argument("--image-code", default="")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    _load_loopback().bind_grpc_to_loopback()
    # Held until the process ends: a server that is collected stops serving.
    service = _serve_jobs(args) if args.service == "job-service" else _serve_pool(args)
    threading.Event().wait()
    del service


if __name__ == "__main__":
    main(sys.argv[1:])
