"""Reads a whole CSV file once, streaming, and names the first line the pipeline's CSV reader would refuse.

The pipeline reads CSV with Python's csv module (components/csv_example_gen.py), so that module has the last
word here too. Most blocks never reach it: a block without quotes is accepted when its commas and line ends
form the same pattern on every line, and any other block when Arrow's CSV reader (the same quoting rules, in
C++) finds every row the header's width (pipeline/local/csv_fast.py). A block either way cannot vouch for
goes through the csv module, which finds the line and the reason; a quoted cell still open at the end of a
block is carried over to the next one.
"""

import csv
import io
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import BinaryIO, Dict, List, Optional

from pipeline.local import csv_fast

BLOCK_BYTES = 1 << 20
# A line (or a row whose quoted cell is not closed) longer than this is not a table; stop rather than hold it all.
MAX_ROW_BYTES = 64 << 20
BOM = b"\xef\xbb\xbf"
# A cell longer than this is refused by Python's csv module, so by the pipeline's reader too.
FIELD_LIMIT = csv.field_size_limit()


class CsvFormatError(ValueError):
    """What is wrong with a CSV file, and where: 'line N: what'."""

    def __init__(self, line: Optional[int], what: str):
        super().__init__(f"line {line}: {what}" if line is not None else what)
        self.line = line


@dataclass
class CsvFacts:
    """What a whole-file check learned: the header and the number of data rows (blank lines not counted)."""

    header: List[str]
    rows: int


def _line_ends(data: bytes) -> int:
    """Line ends as the csv module sees them: \\n, \\r\\n and a bare \\r."""
    if b"\r" not in data:
        return data.count(b"\n")
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def _last_line_end(data: bytes) -> int:
    """Where the last complete line of `data` ends (0 if none); a \\r at the very end may be half of \\r\\n."""
    return max(data.rfind(b"\n"), data.rfind(b"\r", 0, len(data) - 1)) + 1


class _Scanner:
    """Fed a file block by block; `line` is the number of lines fully checked so far."""

    def __init__(self) -> None:
        self.header: Optional[List[str]] = None
        self.rows = 0
        self.line = 0
        self.offset = 0  # bytes of the file before `rest`
        self.rest = b""  # an unfinished line, or a row whose quoted cell is not closed yet
        self.held: List[bytes] = []  # blocks read after `rest` that hold no line end
        self.held_bytes = 0

    def feed(self, block: bytes, final: bool) -> None:
        if not final and b"\n" not in block and b"\r" not in block:
            # No line ends yet: keep the pieces, and join them once (a long line read by joining block after
            # block would copy it over and over).
            self.held.append(block)
            self.held_bytes += len(block)
            if len(self.rest) + self.held_bytes > MAX_ROW_BYTES:
                raise CsvFormatError(self.line + 1, f"a row longer than {MAX_ROW_BYTES >> 20} MB; is this a CSV file?")
            return
        data = b"".join([self.rest, *self.held, block])
        self.held, self.held_bytes = [], 0
        if self.offset == 0 and data.startswith(BOM):
            data, self.offset = data[len(BOM) :], len(BOM)
        cut = len(data) if final else _last_line_end(data)
        chunk, self.rest = data[:cut], data[cut:]
        if len(self.rest) > MAX_ROW_BYTES:
            raise CsvFormatError(self.line + 1, f"a row longer than {MAX_ROW_BYTES >> 20} MB; is this a CSV file?")
        if not chunk:
            return
        text = self._decoded(chunk)
        if b"\x00" in chunk:
            raise CsvFormatError(self._line_at(chunk, chunk.index(b"\x00")), "a NUL byte; is this a binary file?")
        done = self._fast(chunk) if self.header is not None else 0
        if not done:
            done = self._with_csv_module(text, final)
        self.offset += done
        self.rest = chunk[done:] + self.rest

    def _fast(self, chunk: bytes) -> int:
        """The bytes accepted without the csv module: all of the chunk, or none."""
        assert self.header is not None
        rows = csv_fast.unquoted_rows(chunk, len(self.header))
        if rows is not None:
            self.rows += rows
            self.line += rows
            return len(chunk)
        rows = csv_fast.arrow_rows(chunk, len(self.header))
        if rows is not None:
            self.rows += rows
            self.line += _line_ends(chunk)
            return len(chunk)
        return 0

    def _decoded(self, chunk: bytes) -> str:
        try:
            return chunk.decode("utf-8")
        except UnicodeDecodeError as error:
            if self.offset == 0 and chunk[:2] in (b"\xff\xfe", b"\xfe\xff"):
                raise CsvFormatError(1, "the file is UTF-16; save it as UTF-8") from None
            where = f"byte 0x{chunk[error.start]:02x} at offset {self.offset + error.start} of the file"
            raise CsvFormatError(self._line_at(chunk, error.start), f"not UTF-8 ({where}); save it as UTF-8") from None

    def _line_at(self, chunk: bytes, index: int) -> int:
        return self.line + _line_ends(chunk[:index]) + 1

    def _with_csv_module(self, text: str, final: bool) -> int:
        """Rows through the csv module as the pipeline reads them. Returns the bytes checked: all of the text but
        a row whose quoted cell is still open at its end."""
        lines = list(io.StringIO(text, newline=""))
        # One blank line after the block: it comes back as a row of its own unless a quoted cell swallows it.
        reader = csv.reader(chain(lines, ["\n"]))
        done = 0
        try:
            for record in reader:
                start, end = done + 1, reader.line_num
                if end > len(lines):
                    break
                done = end
                last = final and end == len(lines) and not lines[-1].endswith(("\n", "\r"))
                self._record(record, self.line + start, self.line + end, last)
        except csv.Error as error:
            raise CsvFormatError(self.line + reader.line_num, _reason(str(error))) from None
        if done < len(lines):
            if final:
                what = "a quoted cell in the row that starts here is never closed"
                raise CsvFormatError(self.line + done + 1, what)
            # The quoted cell goes on in the next block: check its row again from its first line.
            self.line += done
            return len("".join(lines[:done]).encode("utf-8"))
        self.line += len(lines)
        return len(text.encode("utf-8"))

    def _record(self, record: List[str], start: int, end: int, last: bool) -> None:
        if self.header is None:
            self._check_header(record, end)
            return
        if not record:
            return
        if len(record) != len(self.header):
            self._wrong_width(start, end, len(record), last)
        self.rows += 1

    def _check_header(self, record: List[str], end: int) -> None:
        if not record or not any(cell.strip() for cell in record):
            raise CsvFormatError(1, "the first line is blank; it must be the header (the column names)")
        if end != 1:
            raise CsvFormatError(1, f"the header runs over lines 1-{end}; a column name holds a line break")
        seen: Dict[str, int] = {}
        for index, name in enumerate(record, start=1):
            # An unnamed column before the last (row names, as R's write.csv leaves them) is left out of the
            # examples by the pipeline's reader; an unnamed last one is more likely a stray comma.
            if not name.strip() and index == len(record):
                raise CsvFormatError(1, f"column {index} of the header has no name (a comma at the end of the line?)")
            if not name.strip():
                continue
            if name in seen:
                raise CsvFormatError(1, f"the header names '{name}' twice (columns {seen[name]} and {index})")
            seen[name] = index
        self.header = record

    def _wrong_width(self, start: int, end: int, cells: int, last: bool) -> None:
        assert self.header is not None
        width = len(self.header)
        if last and cells < width:
            what = f"the last line has {cells} of {width} cells and no line end; the file is cut short"
            raise CsvFormatError(start, what)
        what = f"{cells} cell{'' if cells == 1 else 's'}, but the header has {width}"
        if end != start:
            what += f" (the row runs over lines {start}-{end}: a quoted cell holds line breaks)"
        elif cells > width:
            what += " (a comma inside a value that is not in quotes?)"
        raise CsvFormatError(start, what)


def _reason(message: str) -> str:
    """The csv module's error in the words of someone fixing the file."""
    if message.startswith("field larger than field limit"):
        return f"a cell longer than {FIELD_LIMIT} characters, which the CSV reader refuses (a missing closing quote?)"
    return message


def scan(handle: BinaryIO, block_bytes: int = BLOCK_BYTES) -> CsvFacts:
    """Checks a whole CSV file read from `handle`; raises CsvFormatError at the first line the reader would refuse."""
    scanner = _Scanner()
    while True:
        block = handle.read(block_bytes)
        scanner.feed(block, final=not block)
        if not block:
            break
    if scanner.header is None:
        raise CsvFormatError(None, "the file is empty; it needs a header line and at least one row")
    return CsvFacts(scanner.header, scanner.rows)


def scan_file(path: Path, block_bytes: int = BLOCK_BYTES) -> CsvFacts:
    """`scan` of a file on disk."""
    with path.open("rb") as handle:
        return scan(handle, block_bytes)
