"""Runs a task's command with Vertex AI Training's job client replaced by a local run of worker pool 0's command.

Usage: python -m pipeline.rehearse.local_training -m MODULE [ARGS...]: the task's own `python -m MODULE ARGS`.
"""

import runpy
import subprocess
import sys
from typing import Any, Dict, List, Optional

# Printed by the job client; the rehearsal reads it back to say what ran in place of the job.
MARK = "vtx-rehearse: Vertex AI Training job run here:"


def worker_pool_0(training_job: Dict[str, Any]) -> List[str]:
    """Worker pool 0's container command and args: what its primary replica runs."""
    pools = training_job["job_spec"]["worker_pool_specs"]
    container = pools[0]["container_spec"]
    command = [*container.get("command", []), *container.get("args", [])]
    if command and command[0] in ("python", "python3"):
        command[0] = sys.executable
    return command


def _install() -> None:
    from google.cloud.aiplatform_v1.types.custom_job import CustomJob
    from google.cloud.aiplatform_v1.types.job_state import JobState
    from tfx.extensions.google_cloud_ai_platform import training_clients

    class LocalJobClient(training_clients.VertexJobClient):
        """A Vertex job client whose job is worker pool 0's command, run here, to the end."""

        _state: Optional[int] = None

        def create_client(self) -> None:
            self._client = None  # type: ignore[assignment] # no job service: the job runs here

        def launch_job(self, project: str, training_job: Dict[str, Any]) -> None:
            pools = training_job["job_spec"]["worker_pool_specs"]
            others = sum(int(pool.get("replica_count", 1)) for pool in pools[1:])
            print(
                f"{MARK} worker pool 0 of {training_job['display_name']} ({others} more replicas not run)", flush=True
            )
            done = subprocess.run(worker_pool_0(training_job), check=False)
            self._job_name = f"projects/{project}/locations/{self._region}/customJobs/{training_job['display_name']}"
            self._state = JobState.JOB_STATE_SUCCEEDED if done.returncode == 0 else JobState.JOB_STATE_FAILED

        def get_job(self) -> CustomJob:
            return CustomJob(name=self._job_name, state=self._state)

    training_clients.VertexJobClient = LocalJobClient  # type: ignore[misc]


def main(argv: List[str]) -> None:
    if len(argv) < 2 or argv[0] != "-m":
        raise SystemExit("usage: python -m pipeline.rehearse.local_training -m MODULE [ARGS...]")
    _install()
    sys.argv = [argv[1], *argv[2:]]
    runpy.run_module(argv[1], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
