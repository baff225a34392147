"""Splits keyed examples into train and eval by a hash of each row's key, and writes each split in a fixed order.

TFX's ExampleGen hashes the whole serialized record, so identical rows all land in the same split (a table
with many duplicates drifts far from its ratio), and it writes each split after a random shuffle, so the
same data gives a differently ordered training set, and a different model, on every run. Here a row's key
is its split key column's value when the dataset names one, else its place (file name and line number);
its split and its place in the output follow from hashes of those, on any runner.
"""

import bisect
import hashlib
import os
from typing import Iterable, List, NamedTuple, Optional, Sequence, Tuple

import apache_beam as beam
import tensorflow as tf

# Files per split. Each is written by one worker, rows sorted by their order hash: enough to write a large
# split in parallel, few enough that a small one is not a heap of tiny files.
SHARDS = 8
FILE_NAME = "data_tfrecord"


class KeyedExample(NamedTuple):
    """One CSV row as an example, with what decides its split and its place in the output."""

    position: bytes  # b"<file name>:<line>": unique, and the same on every run over the same files
    split_value: Optional[bytes]  # the split key column's cell, when the dataset names one and it is present
    example: tf.train.Example


def _digest(*parts: bytes) -> bytes:
    return hashlib.sha256(b"\0".join(parts)).digest()


def split_bucket(row: KeyedExample, total_buckets: int) -> int:
    """The row's hash bucket: rows sharing a split key share a bucket; without one, each row's place decides."""
    key = b"key\0" + row.split_value if row.split_value else b"row\0" + row.position
    return int.from_bytes(_digest(key)[:8], "big") % total_buckets


def partition_index(row: KeyedExample, num_partitions: int, bounds: Sequence[int]) -> int:
    """The split of a row, for beam.Partition: bounds are the cumulative hash buckets of the splits."""
    del num_partitions
    return bisect.bisect(bounds, split_bucket(row, bounds[-1]))


def ordered(row: KeyedExample) -> Tuple[int, Tuple[bytes, bytes]]:
    """(shard, (order hash, serialized example)); the order hash looks random but is fixed by the row's place."""
    order = _digest(b"order", row.position)
    return int.from_bytes(order[:4], "big") % SHARDS, (order, row.example.SerializeToString(deterministic=True))


def write_shard(element: Tuple[int, Iterable[Tuple[bytes, bytes]]], split_uri: str) -> str:
    """Writes one shard's records in order-hash order, atomically; a retried write makes the same file."""
    shard, records = element
    path = os.path.join(split_uri, f"{FILE_NAME}-{shard:05d}-of-{SHARDS:05d}.gz")
    temporary = path + ".tmp"
    tf.io.gfile.makedirs(split_uri)
    with tf.io.TFRecordWriter(temporary, options="GZIP") as writer:
        for _, record in sorted(records):
            writer.write(record)
    tf.io.gfile.rename(temporary, path, overwrite=True)
    return path


@beam.ptransform_fn
def WriteInOrder(rows: beam.PCollection, split_uri: str) -> beam.PCollection:  # noqa: N802 - Beam's naming
    """Writes a split's rows as SHARDS gzipped TFRecord files whose content depends on the rows alone."""
    return (
        rows | "Order" >> beam.Map(ordered) | "Shard" >> beam.GroupByKey() | "Write" >> beam.Map(write_shard, split_uri)
    )


def bucket_bounds(hash_buckets: List[int]) -> List[int]:
    """Cumulative bucket counts: [4, 1] -> [4, 5], rows in bucket 0-3 train, 4 eval."""
    bounds, total = [], 0
    for count in hash_buckets:
        total += count
        bounds.append(total)
    return bounds
