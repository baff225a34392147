"""Beam's worker handler for its subprocess environment, whose own worker command becomes components/fork_client.py.

components/forked_workers.py says why and registers it (install()); it is apart because it imports Beam. Beam's
own code still starts, serves and waits for the worker process; only the command it runs is ours.
"""

import sys

from apache_beam.portability import python_urns
from apache_beam.runners.portability.fn_api_runner import worker_handlers

from components import forked_workers

# The command FnApiRunner gives its multi-processing workers (fn_runner.FnApiRunner.run_pipeline).
BEAM_COMMAND = f"{sys.executable} -m apache_beam.runners.worker.sdk_worker_main"


class ForkedSdkWorkerHandler(worker_handlers.SubprocessSdkWorkerHandler):
    """Beam's handler for its subprocess environment; Beam's own worker command asks the warm process instead."""

    def start_worker(self) -> None:
        if self._worker_command_line.decode() == BEAM_COMMAND:
            self._worker_command_line = forked_workers.warm().command.encode()
        super().start_worker()


def register() -> None:
    """Beam's FnApiRunner starts the workers of its subprocess environment with ForkedSdkWorkerHandler from now on."""
    worker_handlers.WorkerHandler.register_environment(python_urns.SUBPROCESS_SDK, bytes)(ForkedSdkWorkerHandler)
