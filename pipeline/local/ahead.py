"""A worker process started before `vtx run` needs it: it loads its libraries on the second core, then one job.

`vtx run` has two (pipeline/local/tracker_ahead.py and the report's, pipeline/report/worker.py), both started at
low priority before the run's own imports, so they use the second core without slowing the run. Protocol, one
line each way: the worker prints `ready`; it reads one JSON job (an empty line or end of input: stop); it prints
one JSON answer. A worker that is not ready when asked, has died, answers garbage or does not answer in time is
stopped, and the caller does the job itself as before: a worker only ever saves time.
"""

import contextlib
import json
import os
import select
import subprocess
from typing import Any, Dict, List, Optional

from pipeline.workers import READY

NICENESS = 10  # a worker yields to the run, whose own imports and nodes are the critical path


class Ahead:
    """One worker: start() it, wait until ready() if need be, submit() one job, then result(); stop() it always."""

    def __init__(self, process: Optional[subprocess.Popen]):
        self._process = process
        self._ready = False
        self._submitted = False

    @classmethod
    def start(cls, command: List[str]) -> "Ahead":
        """Starts the worker at low priority; one that cannot start is a worker that is never ready."""
        try:
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        except OSError:
            return cls(None)
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, process.pid, NICENESS)
        return cls(process)

    def _line(self, timeout_seconds: float) -> Optional[str]:
        """The worker's next line within the timeout; None if there is none (or it ended)."""
        process = self._process
        if process is None or process.stdout is None:
            return None
        readable, _, _ = select.select([process.stdout], [], [], timeout_seconds)
        if not readable:
            return None
        line = process.stdout.readline()
        return line.strip() if line else None

    def ready(self, timeout_seconds: float = 0.0) -> bool:
        """Whether the worker has said it is ready, waiting up to the timeout; anything else said stops it."""
        if not self._ready and self._process is not None:
            line = self._line(timeout_seconds)
            self._ready = line == READY
            if line is not None and not self._ready:
                self.stop()
        return self._ready

    def submit(self, job: Dict[str, Any]) -> bool:
        """Hands the job to a ready worker; False (and the worker stopped) if it is not ready now."""
        if not self.ready() or self._process is None or self._process.stdin is None:
            self.stop()
            return False
        try:
            self._process.stdin.write(json.dumps(job) + "\n")
            self._process.stdin.flush()
        except OSError:
            self.stop()
            return False
        self._submitted = True
        return True

    def result(self, timeout_seconds: float = 120.0) -> Optional[Dict[str, Any]]:
        """The worker's answer to the submitted job; None when there is none (then do the job here)."""
        answer = self._line(timeout_seconds) if self._submitted else None
        self.stop()
        try:
            parsed = json.loads(answer) if answer else None
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None

    def ask(self, job: Dict[str, Any], timeout_seconds: float) -> Optional[Dict[str, Any]]:
        """submit() then result(): the answer of a worker ready now, else None."""
        return self.result(timeout_seconds) if self.submit(job) else None

    def stop(self) -> None:
        """Ends the worker, whatever it is doing. Never raises."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
