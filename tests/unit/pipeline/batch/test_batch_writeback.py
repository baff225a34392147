"""Writeback: each chunk written asks the kernel to start writing exactly the bytes added since the last one."""

import os

import pytest

from pipeline.batch.writeback import Writeback

pytestmark = pytest.mark.unit


def test_each_advance_covers_the_bytes_added_since_the_last_once(tmp_path, monkeypatch):
    asked = []
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, offset, length, advice: asked.append((offset, length, advice)))
    path = tmp_path / "out.csv"
    with open(path, "wb") as stream:
        writeback = Writeback(path)
        for size in (100, 0, 250, 7):
            stream.write(b"x" * size)
            stream.flush()
            writeback.advance()
        writeback.close()
    assert asked == [(offset, length, os.POSIX_FADV_DONTNEED) for offset, length in [(0, 100), (100, 250), (350, 7)]]
    assert path.read_bytes() == b"x" * 357
