"""Broken and quirky copies of data/penguins.csv for the fault corpus: each a data folder a user could pass."""

import csv
import io
from pathlib import Path
from typing import Callable, Dict, List, Tuple

from tests.builders.pipeline_runs import PROJECT_ROOT

SOURCE = PROJECT_ROOT / "data" / "penguins.csv"


def source_rows() -> List[Dict[str, str]]:
    with SOURCE.open(newline="") as handle:
        return list(csv.DictReader(handle))


def source_bytes() -> bytes:
    return SOURCE.read_bytes()


def to_csv(rows: List[Dict[str, str]], columns: List[str], line_end: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator=line_end, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def lines() -> List[bytes]:
    """The bundled file's lines, each with its line end."""
    return source_bytes().splitlines(keepends=True)


# Each takes an empty data folder and writes what a user might have there.
Writer = Callable[[Path], None]


def _write(name: str, content: bytes) -> Writer:
    return lambda folder: (folder / name).write_bytes(content)


def _lines_with(number: int, replacement: bytes) -> bytes:
    """The bundled file with line `number` (1-based) replaced."""
    found = lines()
    found[number - 1] = replacement
    return b"".join(found)


def truncated_last_line() -> bytes:
    data = source_bytes()
    return data[: data.rstrip(b"\n").rfind(b"\n") + 1] + b"Chinstrap,Dream,50.2,18"


def latin1_at(number: int) -> bytes:
    return _lines_with(number, "Gentoo,Biscoe,46.1,13.2,211,4500,fémale,2008\n".encode("latin-1"))


def two_files(first: str, first_content: bytes, second: str, second_content: bytes) -> Writer:
    def write(folder: Path) -> None:
        (folder / first).write_bytes(first_content)
        (folder / second).write_bytes(second_content)

    return write


def header_changed(old: bytes, new: bytes) -> bytes:
    data = source_bytes()
    header, rest = data.split(b"\n", 1)
    return header.replace(old, new) + b"\n" + rest


def without_column(name: str) -> bytes:
    rows = source_rows()
    return to_csv(rows, [column for column in rows[0] if column != name]).encode()


PREFLIGHT: Dict[str, Writer] = {
    "truncated-last-line": _write("penguins.csv", truncated_last_line()),
    "not-utf8-after-8kb": _write("penguins.csv", latin1_at(300)),
    "not-utf8-in-first-8kb": _write("penguins.csv", latin1_at(3)),
    "utf16": _write("penguins.csv", source_bytes().decode().encode("utf-16")),
    "too-many-cells": _write("penguins.csv", _lines_with(120, b"Gentoo,Biscoe,46.1,13.2,211,4,500,female,2008\n")),
    "too-few-cells": _write("penguins.csv", _lines_with(200, b"Gentoo,Biscoe,46.1\n")),
    "unclosed-quote": _write("penguins.csv", _lines_with(50, b'Adelie,"Dream,39.2,18.1,190,3800,male,2008\n')),
    "nul-byte": _write("penguins.csv", _lines_with(77, b"Adelie,Dream,39.2,18.1,190,3800,\x00male,2008\n")),
    "empty-file": _write("penguins.csv", b""),
    "header-only": _write("penguins.csv", lines()[0]),
    "mismatched-headers": two_files("a.csv", source_bytes(), "b.csv", header_changed(b"year", b"yr")),
    "no-label-column": _write("penguins.csv", header_changed(b"species", b"kind")),
    "repeated-column": _write("penguins.csv", header_changed(b"year", b"island")),
    "unnamed-column": _write("penguins.csv", header_changed(b",year", b",")),
    "blank-first-line": _write("penguins.csv", b"\n" + source_bytes()),
    "dropped-column": _write("penguins.csv", without_column("bill_depth_mm")),
}


def quirks_and_breaks() -> Tuple[bytes, List[Dict[str, str]]]:
    """One file with every quirk a reader must take (byte order mark, CRLF, columns reordered, a quoted comma,
    NA and empty cells, one unseen island) and one schema break per feature: unseen labels, a feature that is
    all NA, strings in a numeric column, out-of-range values and an extra column."""
    rows = source_rows()
    for index, row in enumerate(rows):
        row["note"] = "quiet, calm" if index % 3 == 0 else ""
        row["sex"] = "NA"
        if index % 10 == 0:
            row["species"] = "Emperor"
        if index % 10 == 5:
            row["bill_length_mm"] = "long"
        if index % 10 == 7:
            row["flipper_length_mm"] = "999"
    rows[100]["island"] = "Atlantis"
    # Reordered. The first and last columns are clean ones, where a byte order mark or a
    # carriage return read as data would show.
    columns = ["body_mass_g", "sex", "island", "note", "species", "bill_depth_mm", "flipper_length_mm"]
    columns += ["bill_length_mm", "year"]
    return b"\xef\xbb\xbf" + to_csv(rows, columns, line_end="\r\n").encode(), rows
