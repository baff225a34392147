"""Where inputs are read and outputs written: a local folder or a gs:// prefix, behind one small interface.

Outputs are published atomically: a local file is written under a temporary name beside its final one,
flushed to disk and renamed; a Cloud Storage object appears only when its upload completes. Inputs are
deleted or moved only if they are still the object that was predicted (same size and time, or generation).
"""

import base64
import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Protocol, Tuple

import google_crc32c

SUFFIXES = (".csv", ".jsonl")
_TEMP = re.compile(r"^\..+\.vtx-(?P<pid>\d+)\.tmp$")


class LocationError(Exception):
    """A folder or bucket that cannot be used; the message is what the user reads."""


@dataclass(frozen=True)
class Item:
    """One input file: its name under the input, its content's CRC32C (hex), and what identifies this copy."""

    name: str
    crc32c: str
    identity: Tuple


class Location(Protocol):
    uri: str

    def inputs(self, skip: str) -> List[str]: ...
    def describe(self, name: str) -> Item: ...
    def exists(self, name: str) -> bool: ...
    def local_copy(self, item: Item, workdir: Path) -> contextlib.AbstractContextManager: ...
    def staging(self, name: str, workdir: Path) -> Path: ...
    def publish(self, staged: Path, name: str) -> None: ...
    def remove(self, item: Item) -> bool: ...
    def move(self, item: Item, name: str) -> bool: ...
    def clean_stale(self) -> int: ...


def is_input(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return not base.startswith(".") and base.lower().endswith(SUFFIXES)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _crc32c_hex(path: Path) -> str:
    checksum = google_crc32c.Checksum()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            checksum.update(block)
    return checksum.hexdigest().decode()


def _fsync_dir(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


class LocalFolder:
    """A folder on this machine (or a mounted volume)."""

    def __init__(self, root: Path):
        self.root = root
        self.uri = str(root)

    def inputs(self, skip: str) -> List[str]:
        if not self.root.is_dir():
            raise LocationError(f"input {self.root} is not a folder (or does not exist)")
        names = []
        for folder, dirs, files in os.walk(self.root):
            relative = Path(folder).relative_to(self.root)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (relative / d).as_posix() != skip)
            names += [(relative / f).as_posix() for f in files if is_input(f)]
        return sorted(names)

    def describe(self, name: str) -> Item:
        path = self.root / name
        before = path.stat()
        crc = _crc32c_hex(path)
        return Item(name, crc, (before.st_ino, before.st_size, before.st_mtime_ns))

    def exists(self, name: str) -> bool:
        return (self.root / name).is_file()

    @contextlib.contextmanager
    def local_copy(self, item: Item, workdir: Path) -> Iterator[Path]:
        yield self.root / item.name

    def staging(self, name: str, workdir: Path) -> Path:
        final = self.root / name
        return final.parent / f".{final.name}.vtx-{os.getpid()}.tmp"

    def publish(self, staged: Path, name: str) -> None:
        final = self.root / name
        with open(staged, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(staged, final)
        _fsync_dir(final.parent)

    def _unchanged(self, item: Item) -> bool:
        try:
            now = (self.root / item.name).stat()
        except FileNotFoundError:
            return False
        return (now.st_ino, now.st_size, now.st_mtime_ns) == item.identity

    def remove(self, item: Item) -> bool:
        if not self._unchanged(item):
            return False
        (self.root / item.name).unlink()
        _fsync_dir((self.root / item.name).parent)
        return True

    def move(self, item: Item, name: str) -> bool:
        if not self._unchanged(item):
            return False
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.root / item.name, target)
        _fsync_dir(target.parent)
        _fsync_dir((self.root / item.name).parent)
        return True

    def clean_stale(self) -> int:
        """Removes temporary files that killed runs left behind (their process is gone); returns how many."""
        removed = 0
        if not self.root.is_dir():
            return 0
        for folder, _, files in os.walk(self.root):
            for name in files:
                found = _TEMP.match(name)
                if found and not pid_alive(int(found["pid"])):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(os.path.join(folder, name))
                        removed += 1
        return removed


def crc32c_hex_of_base64(value: str) -> str:
    """Cloud Storage gives CRC32C as base64 of 4 big-endian bytes; local files get the same hex."""
    return base64.b64decode(value).hex()
