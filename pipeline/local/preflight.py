"""Checks the input data before any heavy import, so bad input gets one clear message."""

import csv
import itertools
from pathlib import Path
from typing import Any, Callable, List

from pipeline.config import PipelineConfig
from pipeline.local import columns


class InputDataError(ValueError):
    """The data folder or a CSV in it cannot be used; the message says why."""


def _header_and_first_row(path: Path) -> List[List[str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            return list(itertools.islice(reader, 2))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputDataError(f"cannot read {path}: {error}") from None


def check_data(config: PipelineConfig) -> List[Path]:
    """Returns the CSV files under data_root, or raises InputDataError naming the problem."""
    if "://" in config.data_root:
        return []
    root = Path(config.data_root)
    if not root.is_dir():
        raise InputDataError(f"data folder {root} does not exist; point data_root at a folder of CSV files")
    files = sorted(root.glob("*.csv"))
    if not files:
        raise InputDataError(f"data folder {root} has no .csv file")
    header: List[str] = []
    for path in files:
        rows = _header_and_first_row(path)
        if not rows or not any(cell.strip() for cell in rows[0]):
            raise InputDataError(f"{path} is empty; it needs a header line and at least one row")
        if len(rows) < 2:
            raise InputDataError(f"{path} has a header but no data rows")
        if header and rows[0] != header:
            raise InputDataError(f"{path} has a different header from {files[0]}")
        header = rows[0]
    _check(columns.check_header, config, header, files[0])
    _check(columns.check_numbers, config, files)
    return files


def _check(check: Callable[..., None], *args: Any) -> None:
    try:
        check(*args)
    except columns.ColumnError as error:
        raise InputDataError(str(error)) from None
