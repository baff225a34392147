"""The local registry's promotion history: one small JSON file, changed under a lock and replaced atomically.

The file holds explicit promotes and rollbacks, and `staged_since`: the first `vtx run` that pushes to
staging writes it before its Pusher runs. Pushes are the version folders themselves. A push older than
`staged_since` (made before release stages existed) made its version production, as it did then; a newer one
is a staging push, and only a promote makes a version production. Each event names the newest version that
existed when it was made (`after`), which places it between pushes without trusting clocks.
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


@dataclass(frozen=True)
class State:
    events: List[Event]
    # Versions (unix timestamps) from this one on were pushed to staging; None: every push went to production.
    staged_since: Optional[int] = None


def read(path: Path) -> List[Event]:
    """The events in the order they were made; [] when there is no file yet."""
    return read_state(path).events


def read_state(path: Path) -> State:
    """The events and `staged_since`; empty when there is no file yet."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return State([])
    except OSError as error:
        raise RegistryError(f"cannot read the alias file {path}: {error.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise _corrupted(path, f"not JSON: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("events"), list):
        raise _corrupted(path, f"expected {{'format': {FORMAT}, 'events': [...]}}")
    since = data.get("staged_since")
    if since is not None and (not isinstance(since, str) or not since.isdigit()):
        raise _corrupted(path, f"'staged_since' is not a version number: {since!r}")
    events = [_event(path, index, raw) for index, raw in enumerate(data["events"])]
    return State(events, int(since) if since is not None else None)


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


def _write(path: Path, state: State) -> None:
    body: dict = {"format": FORMAT, "events": [e.to_json() for e in state.events]}
    if state.staged_since is not None:
        body["staged_since"] = str(state.staged_since)
    write_atomically(path, json.dumps(body, indent=2) + "\n")


def append(path: Path, action: str, version: str, after: str) -> Event:
    """Adds one event to the file (read, add, atomic replace) under the lock."""
    at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    event = Event(action, version, after, at)
    try:
        with locked(path):
            state = read_state(path)
            _write(path, State(state.events + [event], state.staged_since))
    except OSError as error:
        raise RegistryError(f"cannot write the alias file {path}: {error.strerror or error}; nothing changed") from None
    return event


def mark_staged(path: Path, since: int) -> int:
    """Records that pushes from `since` on go to staging, unless an earlier mark says so already."""
    try:
        with locked(path):
            state = read_state(path)
            if state.staged_since is not None:
                return state.staged_since
            _write(path, State(state.events, since))
    except OSError as error:
        raise RegistryError(f"cannot write the alias file {path}: {error.strerror or error}") from None
    return since


def production_stack(versions: Sequence[str], events: Sequence[Event], staged_since: Optional[int] = None) -> List[str]:
    """The versions that were production in turn, the current one last; [] before the first promote.

    Replays pushes (each existing version, oldest first) and events, each event right after the push of its
    `after` version: a push made before `staged_since` or a promote puts its version on top, a rollback
    takes the top off.
    """
    existing = set(versions)
    pushes = [v for v in versions if staged_since is None or int(v) < staged_since]
    timeline = [((int(v), 0, 0), "push", v) for v in pushes]
    timeline += [((int(e.after), 1, i), e.action, e.version) for i, e in enumerate(events)]
    stack: List[str] = []
    for _, action, version in sorted(timeline):
        if action == "rollback":
            if len(stack) > 1:
                stack.pop()
        elif version in existing and (not stack or stack[-1] != version):
            stack.append(version)
    return stack


def staged(versions: Sequence[str], staged_since: Optional[int]) -> Optional[str]:
    """The staging version: the newest push to staging, if there was one."""
    pushed = [v for v in versions if staged_since is not None and int(v) >= staged_since]
    return pushed[-1] if pushed else None


def previous(stack: Sequence[str]) -> Optional[str]:
    return stack[-2] if len(stack) > 1 else None
