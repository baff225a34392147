"""`vtx serve`'s errors: one line on stderr and exit status 2, before any model is loaded when possible."""

import socket

import pytest

from pipeline.serving.server import ServeError, bind

pytestmark = pytest.mark.unit


def test_an_output_folder_without_a_pushed_model_is_one_line(vtx, tmp_path):
    done = vtx("serve", "--output", str(tmp_path / "empty"))

    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("Error: the registry at ")
    assert "has no model version yet" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_production_version_that_does_not_load_is_one_line(vtx, tmp_path):
    version = tmp_path / "run" / "serving_model" / "penguins" / "1700000000"
    version.mkdir(parents=True)
    (version / "saved_model.pb").write_bytes(b"not a SavedModel")

    done = vtx("serve", "--output", str(tmp_path / "run"), "--port", "0")

    assert done.returncode == 2
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith(f"Error: cannot load the SavedModel of version 1700000000 at {version}: ")
    )
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "flag, key",
    [("serving.sampling_rate=1.5", "serving.sampling_rate"), ("serving.batching.max_wait_ms=-1", "serving.batching")],
)
def test_a_bad_serving_setting_names_its_key(vtx, flag, key):
    done = vtx("serve", "--set", flag)

    assert done.returncode == 2
    assert done.stderr.startswith(f"Error: bad configuration: '{key}")
    assert "Traceback" not in done.stderr


def test_an_unknown_serving_key_is_named(vtx):
    done = vtx("serve", "--set", "serving.workers=4")

    assert done.returncode == 2
    assert done.stderr.strip() == "Error: unknown key 'serving.workers' in --set"


def test_a_port_in_use_is_a_serve_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]

        with pytest.raises(ServeError, match=f"cannot listen on 127.0.0.1:{port}: Address already in use"):
            bind("127.0.0.1", port)


def test_a_vertex_ai_container_without_its_model_variable_is_one_line(vtx, tmp_path):
    environ = {"AIP_MODE": "PREDICTION", "AIP_ENDPOINT_ID": "1874", "AIP_DEPLOYED_MODEL_ID": "5309"}

    done = vtx("serve", "--output", str(tmp_path / "out"), env=environ)

    assert done.returncode == 2
    assert done.stderr.strip() == (
        "Error: AIP_STORAGE_URI is not set, though other AIP_* variables are: a Vertex AI serving container reads"
        " its model from there (upload the model with artifact_uri)"
    )
    assert not (tmp_path / "out").exists()
