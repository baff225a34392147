"""The CSV and JSONL readers: clean chunks through pyarrow, bad lines named with their line number and reason."""

import io
import json
import math

import numpy as np
import pytest

from pipeline.batch import csv_rows, jsonl_rows, rows
from pipeline.batch.rows import FIRST_READ_PARTS, UnreadableError, line_chunks

pytestmark = pytest.mark.unit

KINDS = {"bill_length_mm": "float", "island": "string"}
HEADER = "species,island,bill_length_mm,year"


def read_csv(text: str, chunk_bytes: int = 1 << 20):
    stream = io.BytesIO(text.encode())
    names = csv_rows.read_header(stream, KINDS, ["predicted_class"])
    return names, list(csv_rows.chunks(stream, KINDS, names, chunk_bytes))


def rows_of(chunks):
    return [row for chunk in chunks for row in chunk.rows.to_pylist()]


def test_a_clean_csv_is_read_in_one_chunk_with_missing_cells_as_nan_and_empty():
    names, chunks = read_csv(f"{HEADER}\nAdelie,Torgersen,39.1,2007\nGentoo,NA,,2008\nChinstrap,,NA,\n")
    assert names == ["species", "island", "bill_length_mm", "year"]
    [chunk] = chunks
    assert chunk.count == 3 and chunk.errors == []
    lengths = chunk.features["bill_length_mm"]
    assert lengths.dtype == np.float32 and lengths[0] == np.float32(39.1) and np.isnan(lengths[1:]).all()
    assert list(chunk.features["island"]) == ["Torgersen", "", ""]
    # The rows as read are written back unchanged, "NA" included; an empty cell stays empty.
    assert chunk.rows.to_pylist()[1] == {"species": "Gentoo", "island": "NA", "bill_length_mm": None, "year": "2008"}


def test_bad_lines_are_named_by_line_number_and_the_rest_is_kept():
    text = (
        f"{HEADER}\n"
        "Adelie,Torgersen,39.1,2007\n"
        "Adelie,Torgersen,long,2007\n"  # line 3
        "\n"
        "x,y\n"  # line 5
        'Gentoo,"Biscoe, north",46.1,2008\r\n'
    )
    _, chunks = read_csv(text)
    [chunk] = chunks
    assert [(e.line, e.reason, e.text) for e in chunk.errors] == [
        (3, "bill_length_mm: 'long' is not a number", "Adelie,Torgersen,long,2007"),
        (5, "2 fields where the header has 4", "x,y"),
    ]
    assert chunk.count == 2
    assert [r["island"] for r in chunk.rows.to_pylist()] == ["Torgersen", "Biscoe, north"]
    assert chunk.features["bill_length_mm"].tolist() == pytest.approx([39.1, 46.1])


def test_non_utf8_lines_are_errors_not_a_crash():
    stream = io.BytesIO(f"{HEADER}\n".encode() + b"Adelie,Tor\xffgersen,39.1,2007\nAdelie,Dream,40,2007\n")
    names = csv_rows.read_header(stream, KINDS, [])
    [chunk] = list(csv_rows.chunks(stream, KINDS, names, 1 << 20))
    assert [(e.line, e.reason) for e in chunk.errors] == [(2, "not UTF-8 text")]
    assert chunk.count == 1


def test_small_chunks_give_the_same_rows_and_line_numbers_as_one_chunk():
    lines = [f"Adelie,Torgersen,{30 + i % 20}.5,2007" for i in range(500)]
    lines[123] = "Adelie,Torgersen,oops,2007"
    lines[400] = "a,b"
    text = HEADER + "\n" + "\n".join(lines)  # no newline at the end
    _, whole = read_csv(text)
    _, pieces = read_csv(text, chunk_bytes=256)
    assert len(pieces) > 20
    assert rows_of(pieces) == rows_of(whole) and len(rows_of(whole)) == 498
    assert [e.line for c in pieces for e in c.errors] == [e.line for c in whole for e in c.errors] == [125, 402]
    assert np.concatenate([c.features["bill_length_mm"] for c in pieces]).tolist() == pytest.approx(
        [30 + i % 20 + 0.5 for i in range(500) if i not in (123, 400)]
    )


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "it is empty"),
        ("species,year\nAdelie,2007\n", "its header has no column bill_length_mm, island"),
        ("island,island,bill_length_mm\n", "its header names a column twice: island"),
        ("island,bill_length_mm,predicted_class\n", "it already has the output column predicted_class"),
    ],
)
def test_a_file_without_a_usable_header_is_unreadable(text, reason):
    with pytest.raises(UnreadableError, match=reason):
        csv_rows.read_header(io.BytesIO(text.encode()), KINDS, ["predicted_class"])


def test_line_chunks_start_small_and_double_up_to_chunk_bytes():
    data = b"".join(f"{i:07d}\n".encode() for i in range(4096))  # 8 bytes a line
    pieces = [p for _, p in line_chunks(io.BytesIO(data), 4096, first_line=1)]
    assert b"".join(pieces) == data
    assert [len(p) for p in pieces[:6]] == [4096 // FIRST_READ_PARTS, 512, 1024, 2048, 4096, 4096]


def test_line_chunks_of_a_file_also_end_small(tmp_path):
    data = b"".join(f"{i:07d}\n".encode() for i in range(4096))  # 8 bytes a line, 8 chunks of 4096
    (tmp_path / "rows.csv").write_bytes(data)
    with open(tmp_path / "rows.csv", "rb") as stream:
        pieces = [p for _, p in line_chunks(stream, 4096, first_line=1)]
    assert b"".join(pieces) == data
    # Up from 4096 / 16, then half of what is left once that is under two chunks, never under 4096 / 16.
    assert [len(p) for p in pieces] == [256, 512, 1024, 2048] + [4096] * 6 + [2176, 1088, 544, 272, 256, 16]


def test_line_chunks_cut_only_at_line_ends_and_count_lines():
    data = b"".join(f"line {i}\n".encode() for i in range(1, 101))
    pieces = list(line_chunks(io.BytesIO(data), 64, first_line=1))
    assert b"".join(p for _, p in pieces) == data
    assert all(p.endswith(b"\n") for _, p in pieces)
    assert [first for first, _ in pieces] == [int(p.split(b"\n")[0].split()[1]) for _, p in pieces]


def test_float_columns_are_cast_as_read_and_searched_for_missing_cells_only_when_one_does_not_cast(monkeypatch):
    searched = []
    cells = csv_rows._cells
    monkeypatch.setattr(csv_rows, "_cells", lambda column: searched.append(column.to_pylist()) or cells(column))
    [clean] = read_csv(f"{HEADER}\nAdelie,Torgersen,39.1,2007\nGentoo,Biscoe,,2008\n")[1]
    assert searched == [["Torgersen", "Biscoe"]]  # the string input only
    assert clean.features["bill_length_mm"][0] == np.float32(39.1) and math.isnan(clean.features["bill_length_mm"][1])
    searched.clear()
    [with_na] = read_csv(f"{HEADER}\nAdelie,Torgersen,NA,2007\nGentoo,Biscoe,46.1,2008\n")[1]
    assert searched == [["NA", "46.1"], ["Torgersen", "Biscoe"]]
    lengths = with_na.features["bill_length_mm"]
    assert math.isnan(lengths[0]) and lengths[1] == np.float32(46.1)


def test_newlines_are_counted_by_numpy_for_the_chunks_and_the_fast_path(monkeypatch):
    for data in (b"", b"a", b"a\n", b"\n\n", b"a,b\r\nc\n" * 1000, memoryview(b"x\ny\n")):
        assert rows.newlines(data) == bytes(data).count(b"\n")
    counted = []
    count = rows.newlines
    monkeypatch.setattr(rows, "newlines", lambda data: counted.append("chunks") or count(data))
    monkeypatch.setattr(csv_rows, "newlines", lambda data: counted.append("fast") or count(data))
    read_csv(f"{HEADER}\nAdelie,Torgersen,39.1,2007\n")
    assert counted == ["fast", "chunks"]


def test_jsonl_rows_keep_every_field_and_name_bad_lines():
    records = [
        {"island": "Biscoe", "bill_length_mm": 46.1, "id": 7, "nested": {"a": 1}},
        {"island": None, "bill_length_mm": "NA"},
        {"island": "Dream"},
    ]
    lines = [json.dumps(r) for r in records[:2]] + ["{broken", "[1, 2]", '{"island": 3}'] + [json.dumps(records[2])]
    stream = io.BytesIO(("\n".join(lines) + "\n").encode())
    [chunk] = list(jsonl_rows.chunks(stream, KINDS, ["predicted_class"], 1 << 20))
    assert chunk.rows == records and chunk.count == 3
    assert chunk.features["bill_length_mm"][0] == np.float32(46.1)
    assert all(math.isnan(v) for v in chunk.features["bill_length_mm"][1:])
    assert list(chunk.features["island"]) == ["Biscoe", "", "Dream"]
    assert [(e.line, e.reason) for e in chunk.errors] == [
        (3, "not JSON (Expecting property name enclosed in double quotes)"),
        (4, "a JSON list, not an object"),
        (5, "island: 3 is not a string"),
    ]


def test_a_jsonl_output_fed_back_as_input_is_refused():
    stream = io.BytesIO(b'{"island": "Dream", "predicted_class": "Adelie"}\n')
    with pytest.raises(UnreadableError, match="line 1 already has the output field predicted_class"):
        list(jsonl_rows.chunks(stream, KINDS, ["predicted_class"], 1 << 20))


DATE_KINDS = {"distance": "float", "departed": "date"}


def test_a_date_that_is_not_one_is_a_row_error_naming_the_field_and_the_format():
    text = ",distance,departed\n1,5,2013-01-01 05:00\n2,6,NA\n3,7,01/02/2013\n4,8,2013-01-02T06:00:00\n"
    stream = io.BytesIO(text.encode())
    names = csv_rows.read_header(stream, DATE_KINDS, ["predicted_class"])

    [chunk] = list(csv_rows.chunks(stream, DATE_KINDS, names, 1 << 20))

    assert chunk.features["departed"].tolist() == ["2013-01-01 05:00", "", "2013-01-02T06:00:00"]
    assert [(error.line, error.reason) for error in chunk.errors] == [
        (4, "departed: '01/02/2013' is not a date; a date is written YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS] "
         "(a T may stand for the space)")
    ]  # fmt: skip


def test_jsonl_dates_must_be_date_strings():
    lines = [{"distance": 1, "departed": "2013-01-01"}, {"distance": 2, "departed": 20130101}, {"distance": 3}]
    stream = io.BytesIO("\n".join(json.dumps(line) for line in lines).encode() + b"\n")

    [chunk] = list(jsonl_rows.chunks(stream, DATE_KINDS, ["predicted_class"], 1 << 20))

    assert chunk.features["departed"].tolist() == ["2013-01-01", ""]
    assert [error.line for error in chunk.errors] == [2]
    assert chunk.errors[0].reason.startswith("departed: 20130101 is not a date")
