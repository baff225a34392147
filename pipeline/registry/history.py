"""The local registry's promotion history: one small JSON file, changed under a lock and replaced atomically.

The file holds only explicit promotes and rollbacks. Pushes are the version folders themselves, so the
pipeline never writes here. Each event names the newest version that existed when it was made (`after`),
which places it between pushes without trusting clocks: a push newer than an event overrides it.
"""

import contextlib
import fcntl
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, List, Optional, Sequence

from pipeline.registry.model import RegistryError

FORMAT = 1
ACTIONS = ("promote", "rollback")


@dataclass(frozen=True)
class Event:
    """A promote of `version`, or a rollback to it; `after` is the newest version there was at the time."""

    action: str
    version: str
    after: str
    at: str

    def to_json(self) -> dict:
        return {"action": self.action, "version": self.version, "after": self.after, "at": self.at}


def _corrupted(path: Path, reason: str) -> RegistryError:
    return RegistryError(
        f"the alias file {path} is corrupted ({reason}); restore it, or move it away to make the newest push production"
    )


def _event(path: Path, index: int, raw: object) -> Event:
    if not isinstance(raw, dict):
        raise _corrupted(path, f"event {index} is not an object")
    values = {key: raw.get(key) for key in ("action", "version", "after", "at")}
    missing = [key for key, value in values.items() if not isinstance(value, str) or not value]
    if missing:
        raise _corrupted(path, f"event {index} has no valid '{missing[0]}'")
    if values["action"] not in ACTIONS:
        raise _corrupted(path, f"event {index} has an unknown action {values['action']!r}")
    if not str(values["after"]).isdigit():
        raise _corrupted(path, f"event {index} has a non-numeric 'after' {values['after']!r}")
    return Event(**values)  # type: ignore[arg-type]


def read(path: Path) -> List[Event]:
    """The events in the order they were made; [] when there is no file yet."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    except OSError as error:
        raise RegistryError(f"cannot read the alias file {path}: {error.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise _corrupted(path, f"not JSON: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("events"), list):
        raise _corrupted(path, f"expected {{'format': {FORMAT}, 'events': [...]}}")
    return [_event(path, index, raw) for index, raw in enumerate(data["events"])]


def write_atomically(path: Path, text: str) -> None:
    """Writes a temp file beside `path`, flushes it to disk, then renames it over `path`: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, 0o644)
        with os.fdopen(handle, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock beside the history file, so two promotes never lose one another."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f"{path.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def append(path: Path, action: str, version: str, after: str) -> Event:
    """Adds one event to the file (read, add, atomic replace) under the lock."""
    at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    event = Event(action, version, after, at)
    with locked(path):
        events = read(path) + [event]
        body = {"format": FORMAT, "events": [e.to_json() for e in events]}
        write_atomically(path, json.dumps(body, indent=2) + "\n")
    return event


def production_stack(versions: Sequence[str], events: Sequence[Event]) -> List[str]:
    """The versions that were production in turn, the current one last.

    Replays pushes (each existing version, oldest first) and events, each event right after the push of its
    `after` version: a push or promote puts its version on top, a rollback takes the top off.
    """
    existing = set(versions)
    timeline = [((int(v), 0, 0), "push", v) for v in versions]
    timeline += [((int(e.after), 1, i), e.action, e.version) for i, e in enumerate(events)]
    stack: List[str] = []
    for _, action, version in sorted(timeline):
        if action == "rollback":
            if len(stack) > 1:
                stack.pop()
        elif version in existing and (not stack or stack[-1] != version):
            stack.append(version)
    return stack


def previous(stack: Sequence[str]) -> Optional[str]:
    return stack[-2] if len(stack) > 1 else None
