"""A reviewed-schema draft for new data: TFDV's inference over the rows as the pipeline reads them, with a header.

The rows are typed the way CsvExampleGen types them (tfx_bsl's column type inference, NA and empty cells
missing), so the draft's types are the ones ExampleValidator will compare the data with.
"""

import csv
from pathlib import Path
from typing import Dict, List, Tuple

from components.csv_cells import MISSING_TOKENS
from pipeline.init.columns import Column

HEADER = """\
# DRAFT of the reviewed schema of dataset '{name}': TFDV inferred it from {rows} rows of {files} (`vtx init`).
# ExampleValidator holds every run's data to this file (setting schema_path), so review it, then commit it:
# - ranges: add what you expect of each numeric column, e.g. float_domain {{ min: 0 max: 120 }} in 'age';
#   this data had:
{ranges}
# - presence: a column missing more often than min_fraction stops a run; set it from what you expect;
# - string domains: the values seen here; a new value stops a run unless distribution_constraints allows
#   a share of them (min_domain_mass: 0.95 lets 5% through);
# - the label ('{label}') must be present in every row, with one of the classes listed for it.
"""


def _rows(files: List[Path]) -> Tuple[List[str], List[List[bytes]]]:
    header: List[str] = []
    rows: List[List[bytes]] = []
    for path in files:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            for row in reader:
                if row:
                    rows.append([b"" if cell.encode() in MISSING_TOKENS else cell.encode() for cell in row])
    # The pipeline's reader leaves a column without a name out, so the schema has none either.
    named = [index for index, name in enumerate(header) if name.strip()]
    return [header[i] for i in named], [[row[i] if i < len(row) else b"" for i in named] for row in rows]


def _record_batch(header: List[str], rows: List[List[bytes]]):
    """The rows as the Arrow RecordBatch TFDV computes statistics over, one typed list column per CSV column."""
    import pyarrow as pa
    from tfx_bsl.coders import csv_decoder

    inferrer = csv_decoder.ColumnTypeInferrer(header, skip_blank_lines=True)
    accumulator = inferrer.create_accumulator()
    for row in rows:
        accumulator = inferrer.add_input(accumulator, row)
    kinds = {info.name: info.type for info in inferrer.extract_output(accumulator)}
    casts = {
        csv_decoder.ColumnType.INT: (int, pa.int64()),
        csv_decoder.ColumnType.FLOAT: (float, pa.float32()),
    }
    arrays = []
    for index, name in enumerate(header):
        cast, kind = casts.get(kinds[name], (bytes, pa.large_binary()))
        cells = [row[index] if index < len(row) else b"" for row in rows]
        arrays.append(pa.array([[cast(cell)] if cell else None for cell in cells], type=pa.large_list(kind)))
    return pa.RecordBatch.from_arrays(arrays, header)


def infer(files: List[Path], dataset: Dict, columns: Dict[str, Column]) -> str:
    """The draft schema as text proto, with a header that says what to review."""
    import tensorflow_data_validation as tfdv
    from google.protobuf import text_format
    from tensorflow_data_validation.statistics import stats_impl

    header, rows = _rows(files)
    statistics = stats_impl.generate_statistics_in_memory(_record_batch(header, rows), tfdv.StatsOptions())
    schema = tfdv.infer_schema(statistics, infer_feature_shape=False)
    schema.dataset_constraints.min_examples_count = 10
    categorical = set(dataset["features"]["categorical"])
    keep_domains = categorical | {dataset["label"]}
    for feature in schema.feature:
        if feature.name not in keep_domains and feature.HasField("domain"):
            feature.ClearField("domain")
        if feature.name in categorical and feature.HasField("domain"):
            feature.distribution_constraints.min_domain_mass = 0.95
    used = {feature.domain for feature in schema.feature if feature.HasField("domain")}
    kept = [domain for domain in schema.string_domain if domain.name in used]
    del schema.string_domain[:]
    schema.string_domain.extend(kept)
    text = HEADER.format(
        name=dataset["name"],
        rows=len(rows),
        files=", ".join(path.name for path in files),
        ranges=_ranges(dataset["features"]["numeric"], columns),
        label=dataset["label"],
    )
    return text + text_format.MessageToString(schema)


def _ranges(numeric: List[str], columns: Dict[str, Column]) -> str:
    lines = []
    for name in numeric:
        numbers = [float(value) for value in columns[name].values if _number(value)]
        if numbers:
            present = columns[name].present / max(1, columns[name].rows)
            lines.append(f"#     {name}: {min(numbers):g} to {max(numbers):g}, present in {100 * present:.0f}% of rows")
    return "\n".join(lines) or "#     (no numeric column)"


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
