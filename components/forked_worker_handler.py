"""Beam's worker handler for its subprocess environment, whose own worker command is a fork of the warm process.

components/forked_workers.py says why and registers it (install()); it is apart because it imports Beam.
"""

import logging
import os
import sys
import threading

from apache_beam.portability import python_urns
from apache_beam.runners.portability import local_job_service
from apache_beam.runners.portability.fn_api_runner import worker_handlers

from components import forked_workers

# The command FnApiRunner gives its multi-processing workers (fn_runner.FnApiRunner.run_pipeline).
BEAM_COMMAND = f"{sys.executable} -m apache_beam.runners.worker.sdk_worker_main"
_LOGGER = logging.getLogger(__name__)


class ForkedSdkWorker(local_job_service.SubprocessSdkWorker):
    """Beam's SubprocessSdkWorker with a fork of the warm process as the worker.

    Like Beam's, it serves the worker's logs (on loopback here) and raises if the worker exits non-zero. If
    the warm process gives no worker, this one starts as Beam starts it (a warning says why): Beam's runner
    would otherwise wait for ever for a worker that never connects.
    """

    def run(self) -> None:
        import grpc
        from apache_beam.portability.api import beam_fn_api_pb2_grpc, endpoints_pb2
        from apache_beam.utils import thread_pool_executor
        from google.protobuf import json_format, text_format

        logging_server = grpc.server(thread_pool_executor.shared_unbounded_instance())
        logging_port = logging_server.add_insecure_port("127.0.0.1:0")
        beam_fn_api_pb2_grpc.add_BeamFnLoggingServicer_to_server(
            local_job_service.BeamFnLoggingServicer(), logging_server
        )
        logging_server.start()
        try:
            environ = dict(
                os.environ,
                CONTROL_API_SERVICE_DESCRIPTOR=text_format.MessageToString(
                    endpoints_pb2.ApiServiceDescriptor(url=self._control_address)
                ),
                LOGGING_API_SERVICE_DESCRIPTOR=text_format.MessageToString(
                    endpoints_pb2.ApiServiceDescriptor(url=f"127.0.0.1:{logging_port}")
                ),
                PIPELINE_OPTIONS=json_format.MessageToJson(self._provision_info.provision_info.pipeline_options),
            )
            if self._worker_id:
                environ["WORKER_ID"] = self._worker_id
            try:
                code = forked_workers.warm().run_worker(environ)
            except forked_workers.NotForkedError as error:
                _LOGGER.warning("%s; this Beam worker starts afresh instead", error)
                super().run()
                return
            if code:
                raise RuntimeError(f"Worker subprocess exited with return code {code}")
        finally:
            logging_server.stop(0)


class ForkedSdkWorkerHandler(worker_handlers.SubprocessSdkWorkerHandler):
    """Beam's handler for its subprocess environment, whose own worker command is a fork of the warm process."""

    def start_worker(self) -> None:
        if self._worker_command_line.decode() != BEAM_COMMAND:
            super().start_worker()
            return
        self.worker = ForkedSdkWorker(
            self._worker_command_line, self.control_address, self.provision_info, self.worker_id
        )
        self.worker_thread = threading.Thread(name="run_worker", target=self.worker.run)
        self.worker_thread.start()


def register() -> None:
    """Beam's FnApiRunner starts the workers of its subprocess environment with ForkedSdkWorkerHandler from now on."""
    worker_handlers.WorkerHandler.register_environment(python_urns.SUBPROCESS_SDK, bytes)(ForkedSdkWorkerHandler)
