"""Unit tests of pipeline.local.progress: LocalDagRunner's node messages become one line per node."""

import io
import logging

import pytest

from pipeline.local.progress import NodeProgress

pytestmark = pytest.mark.unit


def _record(message: str, node: str) -> logging.LogRecord:
    return logging.LogRecord("absl", logging.INFO, __file__, 1, message, (node,), None)


def test_each_node_is_printed_as_it_finishes_and_other_messages_are_ignored():
    console = io.StringIO()
    progress = NodeProgress(console, lambda node: "executed")
    progress.emit(_record("Component %s is running.", "Transform"))
    assert console.getvalue() == "" and progress.current == "Transform"
    progress.emit(_record("Component %s is finished.", "Transform"))
    progress.emit(_record("Some other message about %s.", "Tuner"))
    assert console.getvalue().split() == ["Transform", "executed", "0.0", "s"] and progress.current is None


def test_the_node_running_when_the_run_stops_is_printed_as_failed():
    console = io.StringIO()
    progress = NodeProgress(console, lambda node: "executed")
    progress.emit(_record("Component %s is running.", "Trainer"))
    progress.failed()
    assert console.getvalue().split()[:2] == ["Trainer", "FAILED"]
