"""The vertex settings: required keys, validation with the key named, and what they derive."""

from pathlib import Path

import pytest

from pipeline.config import content_address
from pipeline.config.loader import ConfigError, load_config

pytestmark = pytest.mark.unit

REQUIRED = {
    "VTX_DATA_ROOT": "gs://my-bucket-1/data",
    "VTX_VERTEX__PROJECT": "my-proj-1",
    "VTX_VERTEX__REGION": "europe-west4",
    "VTX_VERTEX__PIPELINE_ROOT": "gs://my-bucket-1/root",
    "VTX_VERTEX__IMAGE": "europe-west4-docker.pkg.dev/my-proj-1/vtx/vertex-tfx:abc",
}


def vertex(*overrides: str, **environ: str):
    return load_config(profile="vertex", overrides=list(overrides), environ={**REQUIRED, **environ})


def test_the_required_settings_come_from_the_environment():
    config = vertex()

    assert config.vertex.project == "my-proj-1"
    assert config.pipeline_root == "gs://my-bucket-1/root"
    assert config.data_root == "gs://my-bucket-1/data"


@pytest.mark.parametrize(
    "override, message",
    [
        ("vertex.pipeline_root=/tmp/root", "'vertex.pipeline_root': String should match pattern"),
        ("vertex.training.accelerator_type=NVIDIA_TESLA_T4", "accelerator_type and accelerator_count go together"),
        ("release.stages.staging.max_replicas=0", "'release.stages.staging.max_replicas'"),
        ("release.stages.production.min_replicas=3", "max_replicas (2) is below min_replicas (3)"),
        ("vertex.labels.Team=x", "label Team=x is not a valid Google Cloud label"),
        ("vertex.pusher.request_logging.sampling_rate=0", "'vertex.pusher.request_logging.sampling_rate'"),
        ("vertex.service_account=someone", "'vertex.service_account'"),
        ("vertex.zone=x", "unknown key 'vertex.zone'"),
    ],
)
def test_a_bad_value_is_refused_naming_the_key(override, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        vertex(override)


def test_dataflow_flags_follow_the_settings():
    config = vertex(
        "vertex.service_account=run@my-proj-1.iam.gserviceaccount.com", "beam.extra_args=[--max_num_workers=8]"
    )

    args = config.beam_args()

    assert args[:3] == ["--runner=DataflowRunner", "--project=my-proj-1", "--region=europe-west4"]
    assert "--temp_location=gs://my-bucket-1/root/dataflow/tmp" in args
    assert "--max_num_workers=8" in args
    assert "--sdk_container_image=europe-west4-docker.pkg.dev/my-proj-1/vtx/vertex-tfx:abc" in args
    assert "--service_account_email=run@my-proj-1.iam.gserviceaccount.com" in args
    assert vertex("beam.runner=direct", "beam.extra_args=[]").beam_args() == ["--pickle_library=cloudpickle"]


@pytest.mark.parametrize(
    "secret, version",
    [
        ("neptune-token", "projects/my-proj-1/secrets/neptune-token/versions/latest"),
        ("projects/other-proj/secrets/tok", "projects/other-proj/secrets/tok/versions/latest"),
        ("projects/other-proj/secrets/tok/versions/3", "projects/other-proj/secrets/tok/versions/3"),
    ],
)
def test_the_neptune_secret_is_a_full_version_name(secret, version):
    assert vertex(f"vertex.neptune.token_secret={secret}").vertex.secret_version() == version


def test_files_of_the_checkout_map_to_the_image_or_the_modules_prefix():
    baked = vertex()
    from_gcs = vertex("vertex.modules_uri=gs://my-bucket-1/modules")

    assert baked.runtime_path(baked.schema_path) == "/pipeline/modules/schema.pbtxt"
    assert from_gcs.runtime_path(from_gcs.schema_path) == (
        f"gs://my-bucket-1/modules/{content_address.address(Path(from_gcs.schema_path))}/schema.pbtxt"
    )
    local = load_config(environ={})
    assert local.runtime_path(local.schema_path) == local.schema_path
