"""The model of a Vertex AI serving container, downloaded from AIP_STORAGE_URI through google-cloud-storage
pointed at the GCS emulator: every file once, and one line when there is no SavedModel or no bucket."""

from pathlib import Path

import pytest

from pipeline.serving.storage_source import StorageError, StorageModelSource

pytestmark = pytest.mark.unit

BUCKET = "caip-tenant-1a2b"
FILES = {
    "saved_model.pb": b"graph",
    "variables/variables.index": b"index",
    "variables/variables.data-00000-of-00001": b"weights" * 1000,
    "assets/island_vocab": b"Biscoe\nDream\nTorgersen\n",
}


def upload(emulator, prefix: str, files) -> None:
    client = emulator.client()
    bucket = client.bucket(BUCKET)
    if not bucket.exists():
        client.create_bucket(BUCKET)
    for name, data in files.items():
        bucket.blob(f"{prefix}/{name}").upload_from_string(data)


def test_every_file_under_the_uri_is_copied_once_and_every_alias_is_that_model(storage_emulator, tmp_path: Path):
    upload(storage_emulator, "7461503948372017152/artifact", FILES)
    upload(storage_emulator, "7461503948372017152/artifact-other", {"saved_model.pb": b"another model"})
    upload(storage_emulator, "7461503948372017152/artifact", {"empty-folder/": b""})
    source = StorageModelSource(f"gs://{BUCKET}/7461503948372017152/artifact/", "5309", tmp_path / "model")

    found = source.resolve("production")

    assert (found.version, found.uri) == ("5309", str(tmp_path / "model"))
    files = [path for path in (tmp_path / "model").rglob("*") if path.is_file()]
    assert {str(path.relative_to(tmp_path / "model")): path.read_bytes() for path in files} == FILES
    storage_emulator.wipe()
    assert source.resolve("latest") == found, "the model is downloaded once, at start"


def test_a_folder_without_a_saved_model_is_one_line(storage_emulator, tmp_path: Path):
    upload(storage_emulator, "m", {"variables/variables.index": b"index"})
    source = StorageModelSource(f"gs://{BUCKET}/m", "1", tmp_path / "model")

    with pytest.raises(StorageError, match=rf"^gs://{BUCKET}/m holds 1 files but no saved_model.pb: it is not a Saved"):
        source.resolve("production")


def test_an_empty_folder_is_one_line(storage_emulator, tmp_path: Path):
    upload(storage_emulator, "m", {})
    source = StorageModelSource(f"gs://{BUCKET}/nothing-here", "1", tmp_path / "model")

    with pytest.raises(StorageError, match=rf"^gs://{BUCKET}/nothing-here holds no files: it is not a SavedModel"):
        source.resolve("production")


def test_a_missing_bucket_is_one_line_with_the_services_reason(storage_emulator, tmp_path: Path):
    source = StorageModelSource("gs://no-such-bucket-9/m", "1", tmp_path / "model")

    with pytest.raises(StorageError, match=r"^cannot download the model from gs://no-such-bucket-9/m: 404 "):
        source.resolve("production")
