"""Checks the input data before any heavy import, so bad input gets one clear message naming file and line."""

from pathlib import Path
from typing import Any, Callable, List

from pipeline.config import PipelineConfig
from pipeline.local import columns
from pipeline.local.csv_scan import CsvFacts, CsvFormatError, scan_file


class InputDataError(ValueError):
    """The data folder or a CSV in it cannot be used; the message says why."""


def _scanned(path: Path) -> CsvFacts:
    """The whole file read once: every line as the pipeline's CSV reader would take it."""
    if not path.is_file():
        raise InputDataError(f"{path} is not a file; the data folder's *.csv must be CSV files")
    try:
        facts = scan_file(path)
    except CsvFormatError as error:
        raise InputDataError(f"{path}: {error}") from None
    except OSError as error:
        raise InputDataError(f"cannot read {path}: {error.strerror or error}") from None
    return facts


def check_data(config: PipelineConfig, note: Callable[[str], None] = lambda _: None) -> List[Path]:
    """Returns the CSV files under data_root, or raises InputDataError naming the file, line and problem.

    `note` is told what the run will leave out of the data (columns without a name).
    """
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
        facts = _scanned(path)
        if facts.rows == 0:
            raise InputDataError(f"{path} has a header but no data rows")
        if header and facts.header != header:
            raise InputDataError(f"{path} has a different header from {files[0]}: {_difference(header, facts.header)}")
        header = facts.header
    for line in columns.notes(header):
        note(f"{files[0]}: {line}")
    _check(columns.check_header, config, header, files[0])
    _check(columns.check_cells, config, files)
    return files


def _check(check: Callable[..., None], *args: Any) -> None:
    try:
        check(*args)
    except columns.ColumnError as error:
        raise InputDataError(str(error)) from None


def _difference(first: List[str], other: List[str]) -> str:
    missing = [name for name in first if name not in other]
    extra = [name for name in other if name not in first]
    parts = [f"no {', '.join(missing)}"] if missing else []
    parts += [f"also {', '.join(extra)}"] if extra else []
    return "; ".join(parts) or "the same columns in another order"
