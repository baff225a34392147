"""Unit tests of components.csv_ranges: ranges of whole lines, each knowing its first line, or one range if quoted."""

import csv
import io
from typing import List, Tuple

import pytest

from components import csv_ranges

pytestmark = pytest.mark.unit


def rows_with_lines(data: bytes, start: int = 0, end=None, before: int = 0) -> List[Tuple[int, List[str]]]:
    """(line number, cells) of every row in data[start:end], as the pipeline's reader numbers them."""
    text = io.TextIOWrapper(io.BytesIO(data[start:end]), encoding="utf-8-sig" if start == 0 else "utf-8", newline="")
    reader = csv.reader(text)
    return [(before + reader.line_num, row) for row in reader]


def plan(data: bytes, monkeypatch, step: int = 8, block: int = 16) -> List[csv_ranges.CsvRange]:
    monkeypatch.setattr(csv_ranges, "MIN_RANGE_BYTES", step)
    monkeypatch.setattr(csv_ranges, "BLOCK_BYTES", block)
    return csv_ranges.plan("f.csv", io.BytesIO(data), len(data))


ENDINGS = {
    "unix": b"a,b\n1,2\n\n3,4\n5,6\n7,8\n9,10\n",
    "windows": b"a,b\r\n1,2\r\n\r\n3,4\r\n5,6\r\n7,8\r\n9,10\r\n",
    "old-mac-and-mixed": b"a,b\r1,2\r\n3,4\r5,6\n\n7,8\r9,10",
    "no-final-line-end": b"\xef\xbb\xbfa,b\n1,2\n3,4\n5,6\n7,8\n9,10",
    "long-lines": b"a,b\n" + b"".join(b"%d,%s\n" % (i, b"x" * (i % 37)) for i in range(200)),
}


@pytest.mark.parametrize("data", ENDINGS.values(), ids=ENDINGS.keys())
@pytest.mark.parametrize(("step", "block"), [(1, 3), (8, 16), (5, 7), (64, 1000)])
def test_the_ranges_read_every_row_with_the_line_number_of_the_whole_file(monkeypatch, data, step, block):
    ranges = plan(data, monkeypatch, step, block)

    read = [row for part in ranges for row in rows_with_lines(data, part.start, part.end, part.lines_before)]

    assert read == rows_with_lines(data)
    assert ranges[0].start == 0 and ranges[-1].end is None
    assert [part.end for part in ranges[:-1]] == [part.start for part in ranges[1:]]
    assert all(data[part.start - 1 : part.start] == b"\n" for part in ranges[1:])


def test_a_large_file_is_cut_into_several_ranges(monkeypatch):
    data = ENDINGS["long-lines"]

    ranges = plan(data, monkeypatch, step=64, block=100)

    assert len(ranges) > 10
    assert all(part.end - part.start >= 64 for part in ranges[:-1])


def test_a_cr_at_the_end_of_a_block_and_its_lf_in_the_next_are_one_line_end(monkeypatch):
    data = b"a,b\r\n1,2\r\n3,4\r\n"
    # Blocks of 4 bytes: "a,b\r" | "\n1,2" | ...

    ranges = plan(data, monkeypatch, step=1, block=4)

    assert [(part.start, part.lines_before) for part in ranges] == [(0, 0), (5, 1), (10, 2)]


QUOTED = {
    "quoted-line-ends": b'a,b\n1,"two\nlines"\n"3\r\n",4\n5,"six, ""7"""\n8,"\r"\n9,10\n' * 3,
    "quote-in-an-unquoted-cell": b'a,b\r\n1,2\r\n3,4\r\n5,6 inches"\r\n7,8\r\n\r\n9,"10\r\n11"\r\n' * 3,
    "no-final-line-end": b'\xef\xbb\xbfa,b\r1,"2\r3"\r4,5',
}


@pytest.mark.parametrize("data", QUOTED.values(), ids=QUOTED.keys())
@pytest.mark.parametrize(("step", "block"), [(1, 3), (8, 16), (64, 1000)])
def test_a_file_with_quotes_is_cut_where_the_csv_module_ends_a_row(monkeypatch, data, step, block):
    ranges = plan(data, monkeypatch, step, block)

    read = [row for part in ranges for row in rows_with_lines(data, part.start, part.end, part.lines_before)]

    assert read == rows_with_lines(data)
    assert len(ranges) > 1 or step > len(data) // 2
    assert [part.end for part in ranges[:-1]] == [part.start for part in ranges[1:]]


@pytest.mark.parametrize("data", [b'a,b\n1,"2\n3,4\n\xff,6\n', b'a,b\n"1"x\x00,2\n'], ids=["not-utf8", "csv-error"])
def test_a_quoted_file_the_csv_module_cannot_read_stays_one_range(monkeypatch, data):
    assert plan(data, monkeypatch, step=1, block=4) == [csv_ranges.CsvRange("f.csv", 0, None, 0)]


def test_a_small_file_is_one_range():
    data = ENDINGS["unix"]

    assert csv_ranges.plan("f.csv", io.BytesIO(data), len(data)) == [csv_ranges.CsvRange("f.csv", 0, None, 0)]


def test_an_empty_file_is_one_empty_range(monkeypatch):
    assert plan(b"", monkeypatch) == [csv_ranges.CsvRange("f.csv", 0, None, 0)]
