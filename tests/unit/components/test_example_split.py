"""Unit tests of components.example_split and the CSV reader's split: the ratio holds, whatever the duplicates."""

import random
from pathlib import Path

import pytest
import tensorflow as tf
from tfx.components.example_gen import utils as example_gen_utils
from tfx.proto import example_gen_pb2
from tfx.types import standard_artifacts, standard_component_specs
from tfx.utils import proto_utils

from components import csv_example_gen, example_split
from components.example_split import KeyedExample

pytestmark = pytest.mark.unit


def keyed(position: str, split_value=None) -> KeyedExample:
    return KeyedExample(position.encode(), split_value, tf.train.Example())


def test_a_rows_bucket_follows_its_place_and_rows_sharing_a_split_key_share_one():
    assert example_split.split_bucket(keyed("a.csv:2"), 5) == example_split.split_bucket(keyed("a.csv:2"), 5)
    places = {example_split.split_bucket(keyed(f"a.csv:{line}"), 5) for line in range(2, 60)}
    assert places == {0, 1, 2, 3, 4}
    shared = {example_split.split_bucket(keyed(f"a.csv:{line}", b"customer-7"), 5) for line in range(2, 60)}
    assert len(shared) == 1


def test_partition_index_maps_buckets_to_splits():
    bounds = example_split.bucket_bounds([4, 1])

    assert bounds == [4, 5]
    indexes = [example_split.partition_index(keyed(f"a.csv:{line}"), 2, bounds) for line in range(2, 2002)]
    assert set(indexes) == {0, 1}
    assert abs(indexes.count(1) / len(indexes) - 0.2) < 0.03


def run_executor(tmp_path: Path, text: str, split_key: str = "") -> dict:
    folder = tmp_path / "data"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rows.csv").write_text(text)
    examples = standard_artifacts.Examples()
    examples.uri = str(tmp_path / "examples")
    output = example_gen_pb2.Output(
        split_config=example_gen_pb2.SplitConfig(
            splits=[
                example_gen_pb2.SplitConfig.Split(name="train", hash_buckets=4),
                example_gen_pb2.SplitConfig.Split(name="eval", hash_buckets=1),
            ],
            partition_feature_name=split_key,
        )
    )
    properties = {
        standard_component_specs.INPUT_BASE_KEY: str(folder),
        standard_component_specs.INPUT_CONFIG_KEY: proto_utils.proto_to_json(
            example_gen_utils.make_default_input_config("*.csv")
        ),
        standard_component_specs.OUTPUT_CONFIG_KEY: proto_utils.proto_to_json(output),
    }
    csv_example_gen.Executor().Do({}, {standard_component_specs.EXAMPLES_KEY: [examples]}, properties)
    found = {}
    for split in ("train", "eval"):
        files = sorted(str(path) for path in Path(examples.uri, f"Split-{split}").glob("*.gz"))
        found[split] = [bytes(r.numpy()) for r in tf.data.TFRecordDataset(files, compression_type="GZIP")]
    return found


def test_a_table_of_identical_rows_still_splits_at_its_ratio(tmp_path):
    found = run_executor(tmp_path, "kind,size\n" + "a,1\n" * 900 + "b,NA\n" * 100)

    share = len(found["eval"]) / 1000
    assert len(found["train"]) + len(found["eval"]) == 1000
    assert 0.17 <= share <= 0.23, share
    missing = [r for r in found["eval"] if not tf.train.Example.FromString(r).features.feature["size"].HasField("kind")]
    assert missing, "rows with a missing value reach the eval split too"


def test_rows_sharing_a_split_key_land_in_one_split(tmp_path):
    rng = random.Random(3)
    rows = [f"c{rng.randrange(40)},{i}" for i in range(400)]

    found = run_executor(tmp_path, "customer,amount\n" + "\n".join(rows) + "\n", split_key="customer")

    def customers(records):
        return {tf.train.Example.FromString(r).features.feature["customer"].bytes_list.value[0] for r in records}

    assert customers(found["train"]).isdisjoint(customers(found["eval"]))
    assert found["eval"]


def test_the_same_rows_give_byte_identical_splits_in_the_same_order(tmp_path):
    text = "kind,size\n" + "".join(f"{'ab'[i % 2]},{i}\n" for i in range(300))

    first = run_executor(tmp_path / "one", text)
    second = run_executor(tmp_path / "two", text)

    assert first == second
    sizes = [tf.train.Example.FromString(r).features.feature["size"].int64_list.value[0] for r in first["train"]]
    assert sizes != sorted(sizes), "the order is mixed, not the file's"


def test_a_split_key_that_is_not_a_column_is_named(tmp_path):
    with pytest.raises(
        RuntimeError, match=r"The split key column 'customer' is not in .*rows\.csv \(columns: kind, size\)"
    ):
        run_executor(tmp_path, "kind,size\na,1\n", split_key="customer")
