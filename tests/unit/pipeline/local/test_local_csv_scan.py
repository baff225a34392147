"""Unit tests of pipeline.local.csv_scan: each malformed file is named by line and problem, the same for any
block size, and the check agrees with Python's csv module read over the whole file."""

import csv
import io
import random
from typing import List, Tuple, Union

import pytest

from pipeline.local import csv_fast, csv_scan
from pipeline.local.csv_scan import CsvFormatError, scan

pytestmark = pytest.mark.unit

HEADER = b"species,island,mass\n"
# Blocks of 7 bytes cut every line and every multi-byte character; 64 cuts some rows; the default cuts none here.
BLOCKS = [7, 64, 1 << 20]


def verdict(data: bytes, block: int) -> Union[Tuple[List[str], int], str]:
    try:
        facts = scan(io.BytesIO(data), block)
    except CsvFormatError as error:
        return str(error)
    return facts.header, facts.rows


@pytest.mark.parametrize(
    "data, rows",
    [
        (HEADER + b"Adelie,Dream,3750\nGentoo,Biscoe,5000\n", 2),
        (HEADER + b"Adelie,Dream,3750\nGentoo,Biscoe,5000", 2),  # no line end after a whole last row
        (b"\xef\xbb\xbf" + HEADER + b"Adelie,Dream,3750\n", 1),
        (HEADER.replace(b"\n", b"\r\n") + b"Adelie,Dream,3750\r\n\r\nGentoo,Biscoe,5000\r\n", 2),
        (HEADER.replace(b"\n", b"\r") + b"Adelie,Dream,3750\rGentoo,Biscoe,5000\r", 2),  # old Mac line ends
        (HEADER + b'Adelie,"Dream, north",3750\n', 1),
        (HEADER + b'Adelie,"Dream\nnorth",3750\nGentoo,"say ""hi""",5000\n', 2),
        (HEADER + b"\nAdelie,Dream,3750\n\n\n", 1),
        (HEADER + "Adélie,Dréam,3750\nGentoo,Biscoe 🐧,NA\n".encode(), 2),
        (HEADER + b'Adelie,a"b,3750\n', 1),  # a quote inside an unquoted cell is a character
        (HEADER + b'Adelie,"Dream"s,3750\n', 1),  # text after a closing quote joins the cell, as the reader has it
        (HEADER, 0),
        (HEADER.rstrip(b"\n"), 0),
    ],
)
def test_good_files_pass_with_their_rows_counted(data, rows):
    for block in BLOCKS:
        assert verdict(data, block) == (["species", "island", "mass"], rows), block


@pytest.mark.parametrize(
    "data, message",
    [
        (
            HEADER + b"Adelie,Dream,3750\nGentoo,Bis",
            "line 3: the last line has 2 of 3 cells and no line end; the file is cut short",
        ),
        (HEADER + b"Adelie,Dream\nGentoo,Biscoe,5000\n", "line 2: 2 cells, but the header has 3"),
        (
            HEADER + b"Adelie,Dream,3750\nGentoo,Biscoe,5,000\n",
            "line 3: 4 cells, but the header has 3 (a comma inside a value that is not in quotes?)",
        ),
        (HEADER + b"Adelie,Dream,3750\n \n", "line 3: 1 cell, but the header has 3"),
        (
            HEADER + b'Adelie,"Dream\nnorth"\n',
            "line 2: 2 cells, but the header has 3 (the row runs over lines 2-3: a quoted cell holds line breaks)",
        ),
        (HEADER + b"Adelie,Dream,3750\r\nGentoo,Biscoe\r\n", "line 3: 2 cells, but the header has 3"),
        (
            HEADER + b'Adelie,"Dream,3750\nGentoo,Biscoe,5000\n',
            "line 2: a quoted cell in the row that starts here is never closed",
        ),
        (
            HEADER + b"Adelie,Dream,3750\n" * 3 + b"Gentoo,Tr\xf6ja,5000\n",
            "line 5: not UTF-8 (byte 0xf6 at offset 83 of the file); save it as UTF-8",
        ),
        (
            HEADER + b"Adelie,Dream,37\xe2\x82",
            "line 2: not UTF-8 (byte 0xe2 at offset 35 of the file); save it as UTF-8",
        ),
        ("species,mass\nAdelie,3750\n".encode("utf-16"), "line 1: the file is UTF-16; save it as UTF-8"),
        (HEADER + b"Adelie,Dream,3750\nGentoo,\x00,5000\n", "line 3: a NUL byte; is this a binary file?"),
        (
            HEADER + b"Adelie,Dream," + b"9" * 200_000 + b"\n",
            "line 2: a cell longer than 131072 characters, which the CSV reader refuses (a missing closing quote?)",
        ),
        (b"", "the file is empty; it needs a header line and at least one row"),
        (b"\nspecies,mass\n", "line 1: the first line is blank; it must be the header (the column names)"),
        (b"species,mass,species\nA,1,B\n", "line 1: the header names 'species' twice (columns 1 and 3)"),
        (b"species,mass,\nA,1,\n", "line 1: column 3 of the header has no name (a comma at the end of the line?)"),
        (b'species,"body\nmass"\nA,1\n', "line 1: the header runs over lines 1-2; a column name holds a line break"),
    ],
)
def test_each_malformed_file_is_named_by_line_and_problem_for_any_block_size(data, message):
    for block in BLOCKS:
        assert verdict(data, block) == message, block


def test_a_row_longer_than_the_limit_stops_the_check_without_holding_it_all(monkeypatch):
    monkeypatch.setattr(csv_scan, "MAX_ROW_BYTES", 4 << 20)

    class Endless(io.RawIOBase):
        """A first line that never ends."""

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            buffer[:] = b"x" * len(buffer)
            return len(buffer)

    with pytest.raises(CsvFormatError, match=r"^line 1: a row longer than 4 MB; is this a CSV file\?$"):
        scan(io.BufferedReader(Endless()), 1 << 16)


def reference(data: bytes) -> Union[Tuple[List[str], int], int]:
    """The pipeline reader's view of a whole file: its header and row count, or the first line of a row that does
    not fit the header."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), strict=True)
    header, rows, line = next(reader), 0, 1
    for record in reader:
        start, line = line + 1, reader.line_num
        if record and len(record) != len(header):
            return start
        rows += bool(record)
    return header, rows


def random_csv(chooser: random.Random) -> bytes:
    cells = ["Adelie", "", "NA", "3750", '"a, b"', '"x\ny"', '"say ""hi"""', '"\r\n"', "é🐧", 'a"b']
    end = chooser.choice(["\n", "\r\n", "\r"])
    lines = ["species,island,mass"]
    for _ in range(chooser.randint(1, 40)):
        width = 3 if chooser.random() > 0.03 else chooser.choice([2, 4])
        lines.append("" if chooser.random() < 0.05 else ",".join(chooser.choice(cells) for _ in range(width)))
    return (end.join(lines) + (end if chooser.random() < 0.9 else "")).encode()


def test_the_check_agrees_with_the_csv_module_on_500_random_files():
    chooser = random.Random(16)
    for _ in range(500):
        data = random_csv(chooser)
        expected = reference(data)
        # Small blocks go through the fast paths and carry quoted cells over; one big block, the csv module alone.
        for block in (5, 31, 200, 1 << 20):
            found = verdict(data, block)
            if isinstance(expected, int):
                assert isinstance(found, str) and found.startswith(f"line {expected}: "), (data, block, found)
            else:
                assert found == expected, (data, block)


@pytest.mark.parametrize(
    "row, end",
    [("Adelie,Dream,3750", "\n"), ("Adelie,Dream,3750", "\r\n"), ('"Adelie","Dream, north",3750', "\n")],
    ids=["plain", "crlf", "quoted"],
)
def test_good_blocks_after_the_first_never_reach_the_csv_module(monkeypatch, row, end):
    calls = []
    slow = csv_scan._Scanner._with_csv_module
    monkeypatch.setattr(csv_scan._Scanner, "_with_csv_module", lambda *args: calls.append(1) or slow(*args))
    data = ("species,island,mass" + end + (row + end) * 2000).encode()

    assert verdict(data, 4096) == (["species", "island", "mass"], 2000)
    assert calls == [1], "only the block with the header goes through the csv module"


def test_arrow_gets_its_signal_settings_back():
    import pyarrow as pa

    before = pa.lib.have_signal_refcycle
    assert csv_fast.arrow_rows(b'Adelie,"Dream, north",3750\n\n', 3) == 1
    assert pa.lib.have_signal_refcycle == before


def test_an_unnamed_column_before_the_last_passes_as_r_writes_row_names():
    data = b',species,mass\n"1",Adelie,3750\n"2",Gentoo,5000\n'

    for block in BLOCKS:
        assert verdict(data, block) == (["", "species", "mass"], 2), block
