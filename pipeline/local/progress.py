"""Prints one line per pipeline node as it finishes: name, executed or cached, duration."""

import logging
import time
from typing import Callable, Dict, Optional, TextIO

# LocalDagRunner announces each node with these absl messages.
_STARTED = "Component %s is running."
_FINISHED = "Component %s is finished."


class NodeProgress(logging.Handler):
    """A logging handler that turns LocalDagRunner's node messages into progress lines."""

    def __init__(self, console: TextIO, status_of: Callable[[str], str]):
        super().__init__(level=logging.INFO)
        self._console = console
        self._status_of = status_of
        self._started: Dict[str, float] = {}
        self.current: Optional[str] = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg not in (_STARTED, _FINISHED) or not record.args:
            return
        node = str(record.args[0] if isinstance(record.args, tuple) else record.args)
        if record.msg == _STARTED:
            self._started[node] = time.monotonic()
            self.current = node
            return
        seconds = time.monotonic() - self._started.get(node, time.monotonic())
        self.current = None
        self._console.write(f"  {node:<18} {self._status_of(node):<9} {seconds:6.1f} s\n")
        self._console.flush()

    def failed(self) -> None:
        """Prints the line of the node that was running when the run stopped."""
        if self.current:
            seconds = time.monotonic() - self._started.get(self.current, time.monotonic())
            self._console.write(f"  {self.current:<18} {'FAILED':<9} {seconds:6.1f} s\n")
            self._console.flush()
