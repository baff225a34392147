"""CsvOutput: the rows as read, then the predictions, formatted by Arrow 8,192 rows at a time."""

import io

import numpy as np
import pyarrow as pa
import pytest
from pyarrow import csv as pa_csv

from pipeline.batch import writers
from pipeline.batch.predictor import Predictions
from pipeline.batch.rows import Chunk

pytestmark = pytest.mark.unit
NAMES = ["Adelie", "Gentoo", "Chinstrap"]


def test_csv_rows_are_formatted_8192_at_a_time_into_the_text_of_arrows_default(tmp_path, monkeypatch):
    options = []

    class Recording(pa_csv.CSVWriter):
        def __init__(self, sink, schema, write_options=None):
            options.append(write_options)
            super().__init__(sink, schema, write_options=write_options)

    monkeypatch.setattr(writers.pa_csv, "CSVWriter", Recording)
    monkeypatch.setattr(writers, "now", lambda: "2026-01-01T00:00:00.000Z")
    rng = np.random.default_rng(0)
    count = 20_000
    rows = pa.table({"island": pa.array(rng.choice(["Biscoe", "Dream, north", None], count), pa.string())})
    indices = rng.integers(0, 3, count).astype(np.int32)
    probabilities = rng.dirichlet([1, 1, 1], count).astype(np.float32)
    output = writers.CsvOutput(tmp_path / "out.csv", ["island"], NAMES, "7")
    output.write(Chunk({}, rows, count), Predictions(indices, probabilities, NAMES))
    output.close()
    assert [o.batch_size for o in options] == [writers.WRITE_BATCH_ROWS] == [8192]
    by_default = io.BytesIO()
    columns = {"island": rows.column("island"), "predicted_class": pa.array(np.asarray(NAMES)[indices])}
    columns.update({f"probability_{name}": probabilities[:, i] for i, name in enumerate(NAMES)})
    columns.update({"model_version": ["7"] * count, "predicted_at": ["2026-01-01T00:00:00.000Z"] * count})
    pa_csv.write_csv(pa.table(columns), by_default)
    assert (tmp_path / "out.csv").read_bytes() == by_default.getvalue()
