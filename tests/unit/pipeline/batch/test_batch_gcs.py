"""Batch prediction on gs:// prefixes, against gcp-storage-emulator through google-cloud-storage."""

import csv
import io

import pytest

from pipeline.batch import run
from pipeline.batch.gcs import GcsPrefix
from pipeline.batch.locations import LocalFolder, LocationError
from pipeline.batch.predictor import Predictor
from pipeline.batch.progress import Progress
from pipeline.registry.local import LocalRegistry
from tests.unit.pipeline.batch.conftest import CLASSES, expected

pytestmark = pytest.mark.unit

CSV = "island,bill_length_mm\nBiscoe,46.1\nDream,39.1\nDream,long\n"


@pytest.fixture
def bucket(storage_emulator):
    client = storage_emulator.client()
    return client.create_bucket("drops")


@pytest.fixture
def predictor(output_root) -> Predictor:
    registry = LocalRegistry(str(output_root / "serving_model" / "penguins"), str(output_root / "metadata.sqlite"))
    return Predictor(registry.resolve("latest"), batch_size=64)


def batch(predictor, source: str, dest: str, after: str = "move"):
    runner = run.BatchRun(run.Job(source, dest, after, 1 << 20), predictor, lambda n: Progress(n, io.StringIO(), False))
    with run.workdir() as work:
        return runner.run(runner.inputs(), work)


def names(bucket):
    return sorted(blob.name for blob in bucket.list_blobs())


def test_gcs_inputs_are_predicted_into_gcs_outputs_and_moved_after(bucket, predictor):
    bucket.blob("in/a.csv").upload_from_string(CSV)
    bucket.blob("in/day/b.jsonl").upload_from_string('{"island": "Biscoe", "bill_length_mm": 40}\n')
    bucket.blob("in/notes.txt").upload_from_string("not an input")
    results = batch(predictor, "gs://drops/in", "gs://drops/out")
    assert [(r.name, r.status, r.rows, r.errors) for r in results] == [
        ("a.csv", "predicted", 2, 1),
        ("day/b.jsonl", "predicted", 1, 0),
    ]
    crc_a = results[0].output.rsplit(".", 2)[1]
    crc_b = results[1].output.rsplit(".", 2)[1]
    assert names(bucket) == [
        "in/notes.txt",
        f"in/processed/a.{crc_a}.csv",
        f"in/processed/day/b.{crc_b}.jsonl",
        f"out/a.{crc_a}.csv",
        f"out/day/b.{crc_b}.jsonl",
        f"out/errors/a.{crc_a}.errors.jsonl",
    ]
    rows = list(csv.DictReader(io.StringIO(bucket.blob(f"out/a.{crc_a}.csv").download_as_text())))
    assert [float(rows[0][f"probability_{c}"]) for c in CLASSES] == pytest.approx(expected(46.1, "Biscoe"), abs=1e-6)
    assert "line" in bucket.blob(f"out/errors/a.{crc_a}.errors.jsonl").download_as_text()
    # Run again: nothing left to predict, nothing written twice.
    assert batch(predictor, "gs://drops/in", "gs://drops/out") == []


def test_the_checksum_of_an_object_is_the_checksum_of_the_same_local_file(bucket, tmp_path):
    data = CSV.encode() * 50
    bucket.blob("in/a.csv").upload_from_string(data)
    (tmp_path / "a.csv").write_bytes(data)
    assert GcsPrefix("gs://drops/in").describe("a.csv").crc32c == LocalFolder(tmp_path).describe("a.csv").crc32c


def test_a_local_folder_into_a_bucket_with_delete(bucket, predictor, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text(CSV)
    [result] = batch(predictor, str(tmp_path / "in"), "gs://drops/predictions", after="delete")
    assert result.status == "predicted" and result.disposal == "input deleted"
    assert [n for n in names(bucket) if not n.startswith("predictions/errors/")] == [
        result.output[len("gs://drops/") :]
    ]
    assert list((tmp_path / "in").iterdir()) == []


def test_an_input_whose_output_exists_is_only_moved(bucket, predictor):
    bucket.blob("in/a.csv").upload_from_string(CSV)
    [first] = batch(predictor, "gs://drops/in", "gs://drops/out")
    processed = next(n for n in names(bucket) if n.startswith("in/processed/"))
    bucket.copy_blob(bucket.blob(processed), bucket, "in/a.csv")
    bucket.delete_blob(processed)
    output = bucket.get_blob(first.output[len("gs://drops/") :])
    [again] = batch(predictor, "gs://drops/in", "gs://drops/out")
    assert again.status == "done before" and again.disposal == "input moved to processed/"
    assert bucket.get_blob(output.name).generation == output.generation
    assert "in/a.csv" not in names(bucket)


def test_a_missing_bucket_is_a_clear_error(storage_emulator, predictor):
    runner = run.BatchRun(run.Job("gs://nope/in", "gs://nope/out", "move", 1 << 20), predictor, None)
    with pytest.raises(LocationError, match="bucket nope does not exist"):
        runner.inputs()


def test_gcs_inputs_are_moved_only_after_their_outputs_are_uploaded(bucket, predictor, monkeypatch):
    for i in range(3):
        bucket.blob(f"in/f{i}.csv").upload_from_string(CSV)
    events = []
    publish, move = GcsPrefix.publish, GcsPrefix.move

    def published(self, staged, name):
        publish(self, staged, name)
        events.append(("published", name, bucket.blob(f"out/{name}").exists()))

    def moved(self, item, name):
        events.append(("move", item.name, None))
        return move(self, item, name)

    monkeypatch.setattr(GcsPrefix, "publish", published)
    monkeypatch.setattr(GcsPrefix, "move", moved)
    batch(predictor, "gs://drops/in", "gs://drops/out")
    for i in range(3):
        uploads = [
            k for k, (what, name, there) in enumerate(events) if what == "published" and name.startswith(f"f{i}.")
        ]
        assert uploads and all(events[k][2] for k in uploads)
        assert uploads[-1] < events.index(("move", f"f{i}.csv", None))
