"""The run's report, written by a worker process started before the first node (pipeline/report/worker.py).

The worker loads the report's libraries on the second core while the nodes run; at the end it draws the
report while this process records the tracked outcome and prints the summary. A worker that is not ready
by then (a run with nothing to execute is over in seconds), has died, or does not answer in time is stopped,
and the report is written in this process as before: the worker only ever saves time.
"""

import contextlib
import json
import select
import subprocess
import sys
from typing import Any, Dict, List, Optional

from pipeline.report.worker import READY

WORKER = [sys.executable, "-m", "pipeline.report.worker"]


class ReportAhead:
    """One worker: start() it, submit() one job, then result(); stop() it on every path."""

    def __init__(self, process: Optional[subprocess.Popen]):
        self._process = process
        self._submitted = False

    @classmethod
    def start(cls, command: Optional[List[str]] = None) -> "ReportAhead":
        """Starts the worker; one that cannot start is a worker that is never ready."""
        try:
            process = subprocess.Popen(
                command or WORKER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
            )
        except OSError:
            return cls(None)
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

    def submit(self, job: Dict[str, Any]) -> bool:
        """Hands the job to a ready worker; False (and the worker stopped) if it is not ready now."""
        if self._line(0) != READY or self._process is None or self._process.stdin is None:
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

    def result(self, timeout_seconds: float = 120.0) -> Optional[Dict[str, str]]:
        """The worker's answer to the submitted job; None when there is none (then write the report here)."""
        answer = self._line(timeout_seconds) if self._submitted else None
        self.stop()
        try:
            parsed = json.loads(answer) if answer else None
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None

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
