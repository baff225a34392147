"""`vtx serve` as Vertex AI runs it: the container command the pusher uploads, exactly the AIP_* environment Vertex AI
sets, the first run's model under AIP_STORAGE_URI in the GCS emulator, and the official client's predict call."""

import json
import os
import subprocess
from pathlib import Path
from typing import Dict, List

import httpx
import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud.aiplatform_v1 import PredictionServiceClient
from google.protobuf import json_format, struct_pb2

from pipeline.config import load_config
from pipeline.dag.serving_container import container_spec
from tests.builders.pipeline_runs import serving_dir
from tests.builders.serving import PROJECT_ROOT, VTX, free_port, logged_rows, penguins, stop, wait_ready

pytestmark = pytest.mark.e2e

PROJECT_NUMBER, REGION = "123456789012", "europe-west4"
ENDPOINT, DEPLOYED = "1874329085210623488", "5309581412345167872"
BUCKET, PREFIX = "caip-tenant-1a2b", "7461503948372017152/artifact"
VERTEX = [
    "data_root=gs://my-bucket-1/data",
    "vertex.project=my-project",
    f"vertex.region={REGION}",
    "vertex.pipeline_root=gs://my-bucket-1/root",
    f"vertex.image={REGION}-docker.pkg.dev/my-project/vtx/vertex-tfx:abc",
]


def upload_model(emulator, model_dir: Path) -> str:
    """The SavedModel's files under Vertex AI's copy of the artifact_uri; returns that gs:// URI."""
    client = emulator.client()
    bucket = client.create_bucket(BUCKET)
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        bucket.blob(f"{PREFIX}/{path.relative_to(model_dir).as_posix()}").upload_from_filename(str(path))
    return f"gs://{BUCKET}/{PREFIX}"


def vertex_environment(spec: Dict, storage_uri: str, port: int) -> Dict[str, str]:
    """What Vertex AI sets in the container of a model uploaded with `spec`, on an n1-standard-2."""
    return {
        "AIP_MODE": "PREDICTION",
        "AIP_MODE_VERSION": "1.0.0",
        "AIP_FRAMEWORK": "CUSTOM_CONTAINER",
        "AIP_HTTP_PORT": str(port),
        "AIP_HEALTH_ROUTE": spec["healthRoute"],
        "AIP_PREDICT_ROUTE": spec["predictRoute"],
        "AIP_STORAGE_URI": storage_uri,
        "AIP_DEPLOYED_MODEL_ID": DEPLOYED,
        "AIP_ENDPOINT_ID": ENDPOINT,
        "AIP_MODEL_NAME": ENDPOINT,
        "AIP_VERSION_NAME": DEPLOYED,
        "AIP_PROJECT_NUMBER": PROJECT_NUMBER,
        "AIP_MACHINE_TYPE": "n1-standard-2",
    }


def start(spec: Dict, aip: Dict[str, str], emulator_host: str, output: Path) -> subprocess.Popen:
    """The container's command and args, with loopback for the host (tests bind 127.0.0.1) and our output folder;
    the image's environment (PATH with `vtx`, TF_USE_LEGACY_KERAS) plus Vertex AI's, and the emulator."""
    image = {"PATH": f"{Path(VTX).parent}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root")}
    image.update(TF_USE_LEGACY_KERAS="1", PYTHONUNBUFFERED="1", STORAGE_EMULATOR_HOST=emulator_host)
    command = [*spec["command"], *spec["args"], "--host", "127.0.0.1", "--output", str(output)]
    return subprocess.Popen(
        command, cwd=PROJECT_ROOT, env={**image, **aip}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def official_predict(port: int, instances: List[Dict]):
    client = PredictionServiceClient(
        transport="rest",
        client_options=ClientOptions(api_endpoint=f"http://127.0.0.1:{port}"),
        credentials=AnonymousCredentials(),
    )
    values = [json_format.ParseDict(instance, struct_pb2.Value()) for instance in instances]
    endpoint = f"projects/{PROJECT_NUMBER}/locations/{REGION}/endpoints/{ENDPOINT}"
    return client.predict(endpoint=endpoint, instances=values)


def test_the_official_clients_predict_is_answered_and_logged_with_the_deployment_ids(
    served_run, storage_emulator, tmp_path
):
    (version,) = [p for p in serving_dir(served_run).iterdir() if p.name.isdigit()]
    spec = container_spec(load_config(profile="vertex", overrides=VERTEX, environ={}))
    port = free_port()
    aip = vertex_environment(spec, upload_model(storage_emulator, version), port)
    process = start(spec, aip, storage_emulator.host, tmp_path / "out")
    try:
        assert wait_ready(f"http://127.0.0.1:{port}", process=process)["ready"] is True
        pairs = penguins(every=43)  # 8 penguins of the three species, some with missing values (null)
        response = official_predict(port, [instance for instance, _ in pairs])
        health = httpx.get(f"http://127.0.0.1:{port}{aip['AIP_HEALTH_ROUTE']}", timeout=10)
        direct = httpx.post(f"http://127.0.0.1:{port}{aip['AIP_PREDICT_ROUTE']}", json={"instances": [pairs[0][0]]})
    finally:
        done = stop(process)

    assert done.returncode == 0, done.stderr
    assert response.deployed_model_id == DEPLOYED
    predictions = json_format.MessageToDict(response._pb)["predictions"]
    assert len(predictions) == len(pairs)
    assert all(sorted(p["class_names"]) == ["Adelie", "Chinstrap", "Gentoo"] for p in predictions)
    named = sum(p["classes"] == species for p, (_, species) in zip(predictions, pairs, strict=True))
    assert named >= 7, [(p["classes"], species) for p, (_, species) in zip(predictions, pairs, strict=True)]
    assert health.status_code == 200
    assert direct.json()["predictions"][0]["classes"] == predictions[0]["classes"]
    assert f"  model:    gs://{BUCKET}/{PREFIX} (copied to " in done.stdout
    rows = logged_rows(tmp_path / "out")
    assert len(rows) == 2
    assert {(row["endpoint"], row["deployed_model_id"], row["model_version"]) for row in rows} == {
        (ENDPOINT, DEPLOYED, DEPLOYED)
    }
    assert json.loads(rows[0]["request_payload"])["instances"] == [instance for instance, _ in pairs]
    assert json.loads(rows[0]["response_payload"]) == {"predictions": predictions, "deployedModelId": DEPLOYED}
    assert not (tmp_path / "out" / "serving_model").exists(), "a Vertex AI container reads no registry"


def test_a_storage_uri_without_a_model_is_one_line_and_exit_status_2(storage_emulator, tmp_path):
    storage_emulator.client().create_bucket(BUCKET)
    spec = container_spec(load_config(profile="vertex", overrides=VERTEX, environ={}))
    aip = vertex_environment(spec, f"gs://{BUCKET}/{PREFIX}", free_port())

    process = start(spec, aip, storage_emulator.host, tmp_path / "out")
    stdout, stderr = process.communicate(timeout=120)

    assert process.returncode == 2, stdout + stderr
    assert stderr.strip().splitlines()[-1] == (
        f"Error: gs://{BUCKET}/{PREFIX} holds no files: it is not a SavedModel folder"
    )
    assert "Traceback" not in stderr
