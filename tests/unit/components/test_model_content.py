"""components.model_content and the local Pusher: a model a version already holds is not pushed again."""

from pathlib import Path

import pytest
from tfx.proto import pusher_pb2
from tfx.types import standard_artifacts
from tfx.utils import proto_utils

from components import local_pusher, model_content

pytestmark = pytest.mark.unit


def saved_model(folder: Path, weights: bytes = b"w1") -> Path:
    (folder / "variables").mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(b"graph")
    (folder / "variables" / "variables.data-00000-of-00001").write_bytes(weights)
    return folder


def test_the_hash_covers_names_and_bytes(tmp_path):
    first = model_content.content_hash(str(saved_model(tmp_path / "a")))

    assert first == model_content.content_hash(str(saved_model(tmp_path / "b")))
    assert first != model_content.content_hash(str(saved_model(tmp_path / "c", weights=b"w2")))
    (tmp_path / "b" / "variables" / "variables.data-00000-of-00001").rename(tmp_path / "b" / "variables" / "other")
    assert first != model_content.content_hash(str(tmp_path / "b"))


def test_same_version_finds_the_version_that_holds_the_same_files(tmp_path):
    base = tmp_path / "serving"
    saved_model(base / "100", weights=b"old")
    saved_model(base / "200")
    (base / "notes").mkdir()

    assert model_content.same_version(str(saved_model(tmp_path / "candidate")), str(base)) == "200"
    assert model_content.same_version(str(saved_model(tmp_path / "new", weights=b"new")), str(base)) is None
    assert model_content.same_version(str(tmp_path / "candidate"), str(tmp_path / "nothing-yet")) is None


def pusher_inputs(tmp_path: Path, weights: bytes):
    model = standard_artifacts.Model()
    model.uri = str(tmp_path / "model")
    saved_model(tmp_path / "model" / "Format-Serving", weights=weights)
    blessing = standard_artifacts.ModelBlessing()
    blessing.uri = str(tmp_path / "blessing")
    blessing.set_int_custom_property("blessed", 1)
    pushed = standard_artifacts.PushedModel()
    pushed.uri = str(tmp_path / "pushed")
    destination = pusher_pb2.PushDestination(
        filesystem=pusher_pb2.PushDestination.Filesystem(base_directory=str(tmp_path / "serving"))
    )
    properties = {"push_destination": proto_utils.proto_to_json(destination)}
    return {"model": [model], "model_blessing": [blessing]}, {"pushed_model": [pushed]}, properties, pushed


def test_the_pusher_pushes_a_new_model_and_not_the_same_one_again(tmp_path):
    inputs, outputs, properties, pushed = pusher_inputs(tmp_path / "first", b"w1")
    for path in (tmp_path / "first" / "serving", tmp_path / "second"):
        path.mkdir(parents=True, exist_ok=True)
    local_pusher.PusherExecutor().Do(inputs, outputs, properties)
    assert pushed.get_int_custom_property("pushed") == 1
    version = pushed.get_string_custom_property("pushed_version")

    inputs, outputs, _, again = pusher_inputs(tmp_path / "second", b"w1")
    local_pusher.PusherExecutor().Do(inputs, outputs, properties)

    assert again.get_int_custom_property("pushed") == 0
    assert again.get_string_custom_property(local_pusher.UNCHANGED_VERSION) == version
    assert [path.name for path in (tmp_path / "first" / "serving").iterdir()] == [version]
