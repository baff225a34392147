"""The feature charts of the last report written, kept beside the run's reports: a re-run on the same statistics
(a no-op, a modules-only change) draws none of them again.

A chart is found by a digest of everything that draws it: its FeatureStats (plain data: every count, share and
bucket), its index (the SVG's ids), the source of the code that draws it (charts.py, and data.py's shared
histogram edges) and matplotlib's version. After a report is
written, the charts it did not use are removed, so the folder holds one report's charts.
"""

import contextlib
import functools
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Set

from pipeline.report import charts, data
from pipeline.report.data import FeatureStats

FOLDER = ".charts"  # under the reports folder


@functools.lru_cache(maxsize=1)
def _code_version() -> str:
    import matplotlib

    code = b"".join(Path(module.__file__ or "").read_bytes() for module in (charts, data))
    return hashlib.sha256(code + matplotlib.__version__.encode()).hexdigest()


class ChartCache:
    """Feature charts by digest in one folder; `feature()` draws only what it does not hold."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.used: Set[str] = set()

    def feature(self, stats: FeatureStats, index: int) -> str:
        key = hashlib.sha256(f"{_code_version()}|{index}|{stats!r}".encode()).hexdigest()[:32] + ".svg"
        self.used.add(key)
        path = self.folder / key
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
        svg = charts.feature(stats, index)
        self._store(path, svg)
        return svg

    def _store(self, path: Path, svg: str) -> None:
        """Written whole or not at all (a temp file renamed); a folder that cannot be written is no cache."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(svg)
            os.replace(temp, path)
        except OSError:
            return

    def keep_only_used(self) -> None:
        """Removes the charts (and any leftover temp file) this report did not use."""
        try:
            names = os.listdir(self.folder)
        except OSError:
            return
        for name in names:
            if name not in self.used:
                with contextlib.suppress(OSError):
                    os.remove(self.folder / name)
