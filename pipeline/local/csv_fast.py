"""Fast ways to accept a block of CSV rows; each either counts the rows or says it cannot tell (None).

They only ever accept: a block either fast way cannot vouch for goes through Python's csv module, which
finds the line at fault (pipeline/local/csv_scan.py). A block is whole lines of UTF-8 without NUL bytes.
"""

import contextlib
import csv
import io
from typing import Any, Iterator, Optional

# Only commas and line ends survive this translation: a block of good rows becomes ",,,\n" (or ",,,\r\n") repeated.
_NOT_SEPARATORS = bytes(byte for byte in range(256) if byte not in b",\r\n")
# A cell longer than the csv module's limit covers at least one whole window of half that size.
_WINDOW = csv.field_size_limit() // 2
# Appended to a block for Arrow: if it does not come back as a row of its own, a quoted cell was still open.
_SENTINEL = "\x01"


def _long_cell_possible(block: bytes, quoted: bool) -> bool:
    """True when a cell may be longer than the limit: a window with no separator outside quotes, or (`quoted`)
    a window without any quote after an odd number of them, inside a quoted cell."""
    quotes = 0
    for start in range(0, len(block), _WINDOW):
        end = start + _WINDOW
        if block.find(b",", start, end) < 0 and block.find(b"\n", start, end) < 0:
            return True
        if quoted:
            inside = block.count(b'"', start, end)
            if inside == 0 and quotes % 2 == 1:
                return True
            quotes += inside
    return False


def unquoted_rows(block: bytes, width: int) -> Optional[int]:
    """Rows of a block without quotes, each with `width` cells, none blank, every line ending in \\n or every
    one in \\r\\n (so its rows are its lines)."""
    if b'"' in block or not block.endswith(b"\n") or _long_cell_possible(block, quoted=False):
        return None
    skeleton = block.translate(None, _NOT_SEPARATORS)
    unit = b"," * (width - 1) + (b"\r\n" if block.endswith(b"\r\n") else b"\n")
    rows = len(skeleton) // len(unit)
    return rows if skeleton == unit * rows else None


@contextlib.contextmanager
def _arrow_without_signal_handlers(pa: Any) -> Iterator[None]:
    """Arrow on Python 3.10 installs Ctrl+C handlers around each read, and to undo a reference cycle that only
    those handlers cause it scans the whole heap (gc.get_referrers), some 7 ms a call. One 1 MiB block takes
    less than that to read, and nothing here needs to be cancelled mid-block: both are off for the call, then
    back to Arrow's defaults (nothing else in the process changes them)."""
    workaround = pa.lib.have_signal_refcycle
    pa.lib.enable_signal_handlers(False)
    pa.lib.have_signal_refcycle = False
    try:
        yield
    finally:
        pa.lib.have_signal_refcycle = workaround
        pa.lib.enable_signal_handlers(True)


def arrow_rows(block: bytes, width: int) -> Optional[int]:
    """Rows of any block (quotes, blank lines, bare carriage returns), parsed by Arrow's CSV reader, which reads
    them as Python's csv module does; None when a row does not have `width` cells, or a quoted cell runs past the
    block's end."""
    if not block.endswith((b"\n", b"\r")) or _SENTINEL.encode() in block or _long_cell_possible(block, True):
        return None
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    names = [f"c{index}" for index in range(width)]
    sentinel = ",".join([_SENTINEL] * width).encode() + b"\n"
    try:
        with _arrow_without_signal_handlers(pa):
            table = arrow_csv.read_csv(
                io.BytesIO(block + sentinel),
                read_options=arrow_csv.ReadOptions(column_names=names, use_threads=False, block_size=len(block) + 4096),
                parse_options=arrow_csv.ParseOptions(newlines_in_values=True),
                convert_options=arrow_csv.ConvertOptions(
                    include_columns=names[:1], column_types={names[0]: pa.string()}, check_utf8=False
                ),
            )
    except pa.ArrowInvalid:
        return None
    if table.num_rows == 0 or table.column(0)[-1].as_py() != _SENTINEL:
        return None
    return table.num_rows - 1
