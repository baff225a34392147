"""Unit tests of benchmarks/scale_data.py: penguin-like CSVs of any size that pass the curated schema's ranges."""

import csv
from collections import Counter

import pytest

pytestmark = pytest.mark.unit


def test_generated_rows_are_new_values_in_range_with_missing_cells_kept(bench_modules, tmp_path):
    import scale_data

    path = scale_data.generate(tmp_path / "data", 5000)
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    with scale_data.SOURCE.open(newline="") as handle:
        source = list(csv.DictReader(handle))
    assert len(rows) == 5000
    assert list(rows[0]) == list(source[0])
    assert {r["species"] for r in rows} == {r["species"] for r in source}
    for name in scale_data.FLOATS + scale_data.INTS:
        present = [float(r[name]) for r in source if r[name] not in ("", "NA")]
        values = [r[name] for r in rows if r[name] not in ("", "NA")]
        assert all(min(present) <= float(v) <= max(present) for v in values)
        if name in scale_data.INTS:
            assert all(v.isdigit() for v in values)
        # Noise makes values the source never had.
        assert set(values) - {r[name] for r in source}
    missing = Counter(r["sex"] == "NA" or r["sex"] == "" for r in rows)[True] / len(rows)
    source_missing = Counter(r["sex"] in ("", "NA") for r in source)[True] / len(source)
    assert abs(missing - source_missing) < 0.02


def test_the_same_seed_gives_the_same_file(bench_modules, tmp_path):
    import scale_data

    first = scale_data.generate(tmp_path / "a", 300).read_bytes()
    assert scale_data.generate(tmp_path / "b", 300).read_bytes() == first
    assert scale_data.generate(tmp_path / "c", 300, seed=8).read_bytes() != first
