"""Penguin-like CSVs of any size: rows of data/ resampled with noise on the measurements, written to a folder."""

import csv
from pathlib import Path

import numpy as np
from harness import PROJECT_ROOT

SOURCE = PROJECT_ROOT / "data" / "penguins.csv"
FLOATS = ("bill_length_mm", "bill_depth_mm")
INTS = ("flipper_length_mm", "body_mass_g")
# Noise as a share of each column's standard deviation: new values, same distribution and class structure.
NOISE = 0.05


def generate(folder: Path, rows: int, seed: int = 7) -> Path:
    """Writes <folder>/penguins.csv with `rows` rows; missing cells stay missing, values stay in range."""
    with SOURCE.open(newline="") as handle:
        source = list(csv.DictReader(handle))
    header = list(source[0])
    random = np.random.default_rng(seed)
    picks = random.integers(0, len(source), size=rows)
    columns = {name: np.array([row[name] for row in source], dtype=object)[picks] for name in header}
    for name in FLOATS + INTS:
        present = np.array([float(row[name]) for row in source if row[name] not in ("", "NA")])
        values = columns[name]
        missing = (values == "") | (values == "NA")
        numbers = np.where(missing, "nan", values).astype(float)
        numbers += random.normal(0.0, NOISE * present.std(), size=rows)
        numbers = np.clip(numbers, present.min(), present.max())
        text = np.char.mod("%.0f", numbers) if name in INTS else np.char.mod("%.1f", numbers)
        columns[name] = np.where(missing, values, text.astype(object))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "penguins.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(zip(*(columns[name] for name in header), strict=True))
    return path
