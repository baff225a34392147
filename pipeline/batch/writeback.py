"""Starts the disk write of a staged output as it grows, so the fsync that publishes it finds little left to do."""

import os
from pathlib import Path


class Writeback:
    """After each chunk, asks the kernel to start writing the bytes added since the last call (it does not wait).

    Without it the whole output is still in the page cache when the file is published, and its fsync writes it
    all at the end, with nothing else left to overlap: about 0.1 s per 1M rows here. POSIX_FADV_DONTNEED starts
    the write-back of those pages on Linux (and lets the kernel drop them once written); elsewhere it is a no-op.
    """

    def __init__(self, path: Path):
        self._fd = os.open(path, os.O_RDONLY)
        self._done = 0

    def advance(self) -> None:
        size = os.fstat(self._fd).st_size
        if size > self._done and hasattr(os, "posix_fadvise"):
            os.posix_fadvise(self._fd, self._done, size - self._done, os.POSIX_FADV_DONTNEED)
        self._done = size

    def close(self) -> None:
        os.close(self._fd)
