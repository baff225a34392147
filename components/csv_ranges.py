"""Cuts a CSV file into byte ranges at line ends, with the line each range starts on, so several workers read it.

In a file without any quote character every line end ends a row, so a scan for line ends finds the cuts: a
range starts right after a \\n, so no \\r\\n is cut in two. A quoted cell may hold a line end, and Python's csv
module reads a quote inside an unquoted cell as a plain character, so in a file with a quote only the csv
module itself can tell which line ends end rows: it reads the file once more, and a cut falls where one of its
rows ends. A file it cannot read (not UTF-8, a csv error) stays one range, whose reader names the problem.
"""

import csv
from typing import BinaryIO, Iterator, List, NamedTuple, Optional

BLOCK_BYTES = 8 << 20
# Ranges per file: enough for an even share on a few workers, few enough that each is worth a task.
RANGES_PER_FILE = 64
MIN_RANGE_BYTES = 256 << 10
QUOTE = b'"'


class CsvRange(NamedTuple):
    """Bytes [start, end) of a file (end None: to its end); `lines_before` is the count of line ends before start."""

    path: str
    start: int
    end: Optional[int]
    lines_before: int


def _line_ends(data: bytes, after_cr: bool) -> int:
    """Line ends in `data` as the csv module counts them (\\n, \\r\\n, a lone \\r); `after_cr`: \\r came before."""
    ends = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    return ends - 1 if after_cr and data.startswith(b"\n") else ends


def _blocks(handle: BinaryIO) -> Iterator[bytes]:
    while True:
        block = handle.read(BLOCK_BYTES)
        if not block:
            return
        yield block


def plan(path: str, handle: BinaryIO, size: int) -> List[CsvRange]:
    """The ranges of a file of `size` bytes read from `handle`: one whole range when it holds a quote."""
    step = max(MIN_RANGE_BYTES, -(-size // RANGES_PER_FILE))
    starts, lines_before = [0], [0]
    offset, lines, after_cr = 0, 0, False
    for block in _blocks(handle):
        if QUOTE in block:
            handle.seek(0)
            return _plan_by_rows(path, handle, step)
        # The next cut: the first \n at or after the next multiple of `step`; a \n at index i cuts at i + 1.
        while True:
            target = max(starts[-1] + step, offset + 1) - 1 - offset
            found = block.find(b"\n", target) if target < len(block) else -1
            if found < 0:
                break
            starts.append(offset + found + 1)
            lines_before.append(lines + _line_ends(block[: found + 1], after_cr))
        lines += _line_ends(block, after_cr)
        after_cr = block.endswith(b"\r")
        offset += len(block)
    if starts[-1] >= offset and len(starts) > 1:
        starts.pop(), lines_before.pop()
    ends: List[Optional[int]] = [*starts[1:], None]
    return [CsvRange(path, start, end, before) for start, end, before in zip(starts, ends, lines_before, strict=True)]


def _lines(handle: BinaryIO, fed: List[int]) -> Iterator[str]:
    """The file's lines as the pipeline's reader gets them (\\n, \\r\\n and \\r end one); `fed[0]`: their bytes."""
    rest = b""
    for block in _blocks(handle):
        lines = (rest + block).splitlines(keepends=True)
        # The last piece may go on in the next block, and a \\r at its end may be half of a \\r\\n.
        rest = lines.pop() if lines and not lines[-1].endswith(b"\n") else b""
        for line in lines:
            text = line.decode("utf-8-sig" if fed[0] == 0 else "utf-8")
            fed[0] += len(line)
            yield text
    if rest:
        text = rest.decode("utf-8-sig" if fed[0] == 0 else "utf-8")
        fed[0] += len(rest)
        yield text


def _plan_by_rows(path: str, handle: BinaryIO, step: int) -> List[CsvRange]:
    """Cuts where the csv module's rows end: it asks for lines only until a row is complete."""
    fed = [0]
    reader = csv.reader(_lines(handle, fed))
    starts, lines_before = [0], [0]
    try:
        for _ in reader:
            if fed[0] >= starts[-1] + step:
                starts.append(fed[0])
                lines_before.append(reader.line_num)
    except (UnicodeDecodeError, csv.Error):
        return [CsvRange(path, 0, None, 0)]
    if starts[-1] >= fed[0] and len(starts) > 1:
        starts.pop(), lines_before.pop()
    ends: List[Optional[int]] = [*starts[1:], None]
    return [CsvRange(path, start, end, before) for start, end, before in zip(starts, ends, lines_before, strict=True)]
