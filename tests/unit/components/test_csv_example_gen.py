"""Unit tests of components.csv_example_gen: CSV cells become typed tf.Example features, NA and empty as missing."""

import io
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import apache_beam as beam
import pytest
import tensorflow as tf
from apache_beam.testing import test_pipeline
from tfx.components.example_gen import utils as example_gen_utils
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils, standard_artifacts, standard_component_specs
from tfx.utils import proto_utils

from components import csv_example_gen, csv_ranges, csv_rows
from components.csv_example_gen import CsvToExample, CsvToKeyedExamples

pytestmark = pytest.mark.unit

CSV = """species,island,bill_length_mm,body_mass_g,note
Adelie,Torgersen,39.1,3750,"quiet, calm"
Gentoo,NA,46.5,,plain
Chinstrap,,NA,4000,
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def csv_to_examples(input_base: Path, pattern: str = "*.csv") -> List[tf.train.Example]:
    """Runs CsvToExample in a Beam TestPipeline and reads back what it produced."""
    output = input_base.parent / f"{input_base.name}-examples"
    with test_pipeline.TestPipeline() as pipeline:
        _ = (
            pipeline
            | CsvToExample({standard_component_specs.INPUT_BASE_KEY: str(input_base)}, pattern)
            | beam.io.WriteToTFRecord(str(output / "part"), coder=beam.coders.ProtoCoder(tf.train.Example))
        )
    records = tf.data.TFRecordDataset(sorted(str(path) for path in output.glob("part*")))
    return [tf.train.Example.FromString(record.numpy()) for record in records]


def by_species(examples: List[tf.train.Example]) -> Dict[str, tf.train.Example]:
    return {example.features.feature["species"].bytes_list.value[0].decode(): example for example in examples}


@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> Dict[str, tf.train.Example]:
    folder = tmp_path_factory.mktemp("csv") / "data"
    write(folder, "penguins.csv", CSV)
    return by_species(csv_to_examples(folder))


def test_every_row_becomes_an_example_with_every_column(examples):
    assert set(examples) == {"Adelie", "Gentoo", "Chinstrap"}
    for example in examples.values():
        assert set(example.features.feature) == {"species", "island", "bill_length_mm", "body_mass_g", "note"}


def test_integer_columns_are_int64_lists(examples):
    assert list(examples["Adelie"].features.feature["body_mass_g"].int64_list.value) == [3750]
    assert list(examples["Chinstrap"].features.feature["body_mass_g"].int64_list.value) == [4000]


def test_decimal_columns_are_float_lists(examples):
    assert examples["Adelie"].features.feature["bill_length_mm"].float_list.value == pytest.approx([39.1])
    assert examples["Gentoo"].features.feature["bill_length_mm"].float_list.value == pytest.approx([46.5])


def test_text_columns_are_bytes_lists(examples):
    assert list(examples["Adelie"].features.feature["island"].bytes_list.value) == [b"Torgersen"]
    assert list(examples["Gentoo"].features.feature["note"].bytes_list.value) == [b"plain"]


def test_a_quoted_cell_keeps_its_comma(examples):
    assert list(examples["Adelie"].features.feature["note"].bytes_list.value) == [b"quiet, calm"]


@pytest.mark.parametrize(
    ("species", "column"),
    [
        ("Gentoo", "island"),  # NA in a text column
        ("Chinstrap", "island"),  # empty in a text column
        ("Chinstrap", "bill_length_mm"),  # NA in a float column
        ("Gentoo", "body_mass_g"),  # empty in an int column
        ("Chinstrap", "note"),  # empty last cell
    ],
)
def test_na_and_empty_cells_become_empty_features(examples, species, column):
    feature = examples[species].features.feature[column]

    assert feature.WhichOneof("kind") is None
    assert feature == tf.train.Feature()


def test_a_column_with_no_value_at_all_is_an_empty_feature(tmp_path):
    folder = tmp_path / "data"
    write(folder, "a.csv", "species,comment\nAdelie,NA\nGentoo,\n")

    examples = csv_to_examples(folder)

    assert len(examples) == 2
    assert all(example.features.feature["comment"] == tf.train.Feature() for example in examples)


def test_rows_of_several_files_are_all_read_and_blank_lines_skipped(tmp_path):
    folder = tmp_path / "data"
    write(folder, "a.csv", "species,mass\nAdelie,3750\n\n")
    write(folder, "b.csv", "species,mass\nGentoo,4500.5\nChinstrap,NA\n")

    examples = by_species(csv_to_examples(folder))

    assert set(examples) == {"Adelie", "Gentoo", "Chinstrap"}
    # One column, one type across files: 3750 and 4500.5 make it a float column.
    assert examples["Adelie"].features.feature["mass"].float_list.value == pytest.approx([3750.0])
    assert examples["Gentoo"].features.feature["mass"].float_list.value == pytest.approx([4500.5])


def test_different_headers_across_files_name_both_files(tmp_path):
    folder = tmp_path / "data"
    write(folder, "a.csv", "species,island\nAdelie,Dream\n")
    write(folder, "b.csv", "species,islands\nGentoo,Biscoe\n")

    with pytest.raises(RuntimeError, match=r"b\.csv has a different header from .*a\.csv"):
        csv_to_examples(folder)


def test_no_matching_file_names_the_pattern(tmp_path):
    folder = tmp_path / "data"
    write(folder, "notes.txt", "nothing\n")

    with pytest.raises(RuntimeError, match=r"No CSV file matches .*\*\.csv"):
        csv_to_examples(folder)


@pytest.mark.parametrize(
    "row, cells",
    [("Gentoo,Biscoe,46.5,4500,long,EXTRA\n", 6), ("Gentoo,Biscoe\n", 2), ("Gentoo,Biscoe,46", 3)],
    ids=["too-many-cells", "too-few-cells", "truncated-last-line"],
)
def test_a_row_with_the_wrong_number_of_cells_is_named_by_file_and_line(tmp_path, row, cells):
    folder = tmp_path / "data"
    path = write(folder, "penguins.csv", CSV + row)

    with pytest.raises(Exception) as error:  # noqa: B017 - Beam wraps the reader's ValueError
        csv_to_examples(folder)

    assert f"{path}: line 5: {cells} cells, but the header has 5" in str(error.value)


def test_a_file_that_is_not_utf8_past_its_first_rows_is_named_with_a_lower_bound_on_the_line(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "penguins.csv"
    path.write_bytes(
        (CSV + "Adelie,Dream,39.0,3800,ok\n" * 2000).encode() + "Gentoo,Tr\xf6ja,46.5,4500,x\n".encode("latin-1")
    )

    with pytest.raises(Exception) as error:  # noqa: B017 - Beam wraps the reader's ValueError
        csv_to_examples(folder)

    message = str(error.value)
    assert f"{path}: at or after line " in message and "not UTF-8 (invalid start byte)" in message
    line = int(message.split("at or after line ")[1].split(":")[0])
    assert 1 < line <= 2005


def test_a_line_separator_inside_a_cell_does_not_split_its_row(tmp_path):
    folder = tmp_path / "data"
    write(folder, "penguins.csv", "species,note\nAdelie,one\u2028two\x0cthree\n")

    (example,) = csv_to_examples(folder)

    assert list(example.features.feature["note"].bytes_list.value) == ["one\u2028two\x0cthree".encode()]


def test_to_example_refuses_a_row_that_does_not_fit_the_header():
    from tfx_bsl.coders import csv_decoder

    columns = [csv_decoder.ColumnInfo("a", csv_decoder.ColumnType.INT)]

    with pytest.raises(ValueError, match=r"CSV row has 2 cells but the header has 1: \[b'1', b'2'\]"):
        csv_rows._to_example([b"1", b"2"], columns)


def test_read_header(tmp_path):
    path = write(tmp_path, "a.csv", '"species","bill, length",mass\n1,2,3\n')

    assert csv_example_gen.read_header(str(path)) == ["species", "bill, length", "mass"]


def test_executor_writes_train_and_eval_splits_with_every_row(tmp_path):
    folder = tmp_path / "data"
    rows = [f"{'Adelie' if i % 2 else 'Gentoo'},{i},{i}.5" for i in range(40)]
    write(folder, "penguins.csv", "species,id,length\n" + "\n".join(rows) + "\n")
    examples = standard_artifacts.Examples()
    examples.uri = str(tmp_path / "CsvExampleGen" / "examples" / "1")
    output_config = example_gen_pb2.Output(
        split_config=example_gen_pb2.SplitConfig(
            splits=[
                example_gen_pb2.SplitConfig.Split(name="train", hash_buckets=4),
                example_gen_pb2.SplitConfig.Split(name="eval", hash_buckets=1),
            ]
        )
    )
    exec_properties = {
        standard_component_specs.INPUT_BASE_KEY: str(folder),
        standard_component_specs.INPUT_CONFIG_KEY: proto_utils.proto_to_json(
            example_gen_utils.make_default_input_config("*.csv")
        ),
        standard_component_specs.OUTPUT_CONFIG_KEY: proto_utils.proto_to_json(output_config),
        standard_component_specs.OUTPUT_DATA_FORMAT_KEY: example_gen_pb2.FORMAT_TF_EXAMPLE,
        standard_component_specs.OUTPUT_FILE_FORMAT_KEY: example_gen_pb2.FORMAT_TFRECORDS_GZIP,
    }

    csv_example_gen.Executor().Do({}, {standard_component_specs.EXAMPLES_KEY: [examples]}, exec_properties)

    assert artifact_utils.decode_split_names(examples.split_names) == ["train", "eval"]
    ids = {}
    for split in ("train", "eval"):
        files = sorted(str(path) for path in Path(examples.uri, f"Split-{split}").glob("*.gz"))
        records = tf.data.TFRecordDataset(files, compression_type="GZIP")
        ids[split] = [
            tf.train.Example.FromString(r.numpy()).features.feature["id"].int64_list.value[0] for r in records
        ]
    assert sorted(ids["train"] + ids["eval"]) == list(range(40))
    assert ids["train"] and ids["eval"]


def test_windows_line_endings_are_read_like_unix_ones(tmp_path):
    folder = tmp_path / "data"
    write(folder, "penguins.csv", "")
    (folder / "penguins.csv").write_bytes(CSV.replace("\n", "\r\n").encode())

    examples = by_species(csv_to_examples(folder))

    assert set(examples) == {"Adelie", "Gentoo", "Chinstrap"}
    assert list(examples["Adelie"].features.feature["note"].bytes_list.value) == [b"quiet, calm"]
    assert examples["Chinstrap"].features.feature["note"] == tf.train.Feature()


def test_a_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path):
    folder = tmp_path / "data"
    write(folder, "penguins.csv", "")
    (folder / "penguins.csv").write_bytes(b"\xef\xbb\xbf" + CSV.encode())

    assert csv_example_gen.read_header(str(folder / "penguins.csv"))[0] == "species"
    examples = csv_to_examples(folder)
    assert {key for example in examples for key in example.features.feature} >= {"species", "island"}


def keyed_positions(input_base: Path) -> List[Tuple[bytes, bytes]]:
    """(position, serialized example) of every row CsvToKeyedExamples reads, sorted."""
    output = input_base.parent / f"{input_base.name}-keyed"
    with test_pipeline.TestPipeline() as pipeline:
        _ = (
            pipeline
            | CsvToKeyedExamples({standard_component_specs.INPUT_BASE_KEY: str(input_base)}, "*.csv")
            | beam.Map(lambda keyed: keyed.position + b"\t" + keyed.example.SerializeToString(deterministic=True))
            | beam.io.WriteToTFRecord(str(output / "part"))
        )
    records = tf.data.TFRecordDataset(sorted(str(path) for path in output.glob("part*")))
    return sorted(tuple(record.numpy().split(b"\t", 1)) for record in records)


def test_a_file_read_in_ranges_gives_the_rows_and_places_of_one_read(tmp_path, monkeypatch):
    lines = [f"{'Adelie' if i % 3 else 'Gentoo'},{i},{i}.5" for i in range(300)]
    lines[120:120] = ["", ""]  # blank lines count as lines, as the csv module counts them
    text = "species,id,length\r\n" + "\r\n".join(lines) + "\r\n"
    write(tmp_path / "whole", "penguins.csv", "").write_bytes(text.encode())
    write(tmp_path / "cut", "penguins.csv", "").write_bytes(text.encode())
    whole = keyed_positions(tmp_path / "whole")
    monkeypatch.setattr(csv_ranges, "MIN_RANGE_BYTES", 100)

    cut = keyed_positions(tmp_path / "cut")

    assert len(csv_ranges.plan("p", io.BytesIO(text.encode()), len(text))) > 10
    assert cut == whole
    assert len(cut) == 300
    positions = {position for position, _ in cut}
    assert {b"penguins.csv:2", b"penguins.csv:121", b"penguins.csv:124", b"penguins.csv:303"} <= positions
    assert not {b"penguins.csv:122", b"penguins.csv:123"} & positions


def test_a_bad_row_in_a_later_range_is_named_by_its_line_in_the_file(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    rows = [f"Adelie,Dream,{i}.5,3800,ok" for i in range(400)]
    rows[350] = "Adelie,Dream"
    path = write(folder, "penguins.csv", "species,island,bill_length_mm,body_mass_g,note\n" + "\n".join(rows) + "\n")
    monkeypatch.setattr(csv_ranges, "MIN_RANGE_BYTES", 256)

    with pytest.raises(Exception) as error:  # noqa: B017 - Beam wraps the reader's ValueError
        csv_to_examples(folder)

    assert f"{path}: line 352: 2 cells, but the header has 5" in str(error.value)


def test_the_workers_module_imports_no_tfx_component_and_no_tfma():
    """Each Beam worker imports csv_rows to run its functions; tfx.components would cost every worker ~1.5 s, and
    TFX's component specs, through TFMA, ~0.8 s."""
    heavy = ("tfx.components", "tfx.types.standard_component_specs", "tensorflow_model_analysis")
    check = f"import sys, components.csv_rows; print(sorted(m for m in sys.modules if m.startswith({heavy!r})))"

    found = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)

    assert found.stdout.strip() == "[]"
