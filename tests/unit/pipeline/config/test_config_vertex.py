"""The vertex profile's settings: required keys, refusals that name the key, Dataflow flags, secrets and paths."""

from pathlib import Path

import pytest

from pipeline.config import PROJECT_ROOT
from pipeline.config.content_address import address
from pipeline.config.loader import ConfigError, load_config

pytestmark = pytest.mark.unit

IMAGE = "europe-west4-docker.pkg.dev/my-proj-1/vtx/vertex-tfx:abc"
REQUIRED = [
    "data_root=gs://my-bucket-1/data",
    "vertex.project=my-proj-1",
    "vertex.region=europe-west4",
    "vertex.pipeline_root=gs://my-bucket-1/root/",
    f"vertex.image={IMAGE}",
]
REQUIRED_KEYS = ["data_root", "vertex.project", "vertex.region", "vertex.pipeline_root", "vertex.image"]


def vertex(*overrides: str):
    return load_config(profile="vertex", overrides=[*REQUIRED, *overrides], environ={})


def refusal(*overrides: str, required=REQUIRED) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(profile="vertex", overrides=[*required, *overrides], environ={})
    return str(caught.value)


# ---------------------------------------------------------------- required keys


def test_without_any_setting_every_required_key_is_named():
    message = refusal(required=[])

    assert all(f"missing key '{key}'" in message for key in REQUIRED_KEYS), message


@pytest.mark.parametrize("key", REQUIRED_KEYS)
def test_each_missing_key_is_named_alone(key):
    message = refusal(required=[item for item in REQUIRED if not item.startswith(f"{key}=")])

    assert f"missing key '{key}'" in message
    assert message.count("missing key") == 1


def test_the_environment_supplies_the_required_keys():
    environ = {
        "VTX_DATA_ROOT": "gs://env-bucket/data",
        "VTX_VERTEX__PROJECT": "my-proj-1",
        "VTX_VERTEX__REGION": "us-central1",
        "VTX_VERTEX__PIPELINE_ROOT": "gs://env-bucket/root",
        "VTX_VERTEX__IMAGE": IMAGE,
        "VTX_VERTEX__TRAINING__MACHINE_TYPE": "n1-highmem-8",
        "VTX_VERTEX__LABELS__TEAM": "ml",
    }

    config = load_config(profile="vertex", environ=environ)

    assert (config.vertex.project, config.vertex.region) == ("my-proj-1", "us-central1")
    assert (config.data_root, config.pipeline_root) == ("gs://env-bucket/data", "gs://env-bucket/root")
    assert config.vertex.image == IMAGE
    assert config.vertex.training.machine_type == "n1-highmem-8"
    assert config.vertex.labels == {"team": "ml"}


def test_flags_override_the_environment():
    config = load_config(
        profile="vertex",
        overrides=[*REQUIRED[1:], "data_root=gs://flag-bucket/data"],
        environ={"VTX_DATA_ROOT": "gs://env-bucket/data"},
    )

    assert config.data_root == "gs://flag-bucket/data"


# ---------------------------------------------------------------- refusals name the key


@pytest.mark.parametrize(
    "override, message",
    [
        ("vertex.pipeline_root=/tmp/root", "'vertex.pipeline_root': String should match pattern"),
        ("vertex.pipeline_root=s3://bucket/root", "'vertex.pipeline_root': String should match pattern"),
        ("vertex.modules_uri=/tmp/modules", "'vertex.modules_uri': String should match pattern"),
        ("data_root=/local/data", "data_root must be a gs:// URI on Vertex AI, not '/local/data'"),
        ("beam.runner=flink", "beam.runner flink is not offered on Vertex AI"),
        ("beam.extra_args=[--sdk_container_image=other:1]", "--sdk_container_image=other:1 is not vertex.image"),
        ("beam.extra_args=[--max_num_workers=many]", "'beam.extra_args': Value error, argument --max_num_workers"),
        ("vertex.project=My_Project", "'vertex.project': String should match pattern"),
        ("vertex.region=europe west4", "'vertex.region': String should match pattern"),
        ("vertex.training.accelerator_type=NVIDIA_TESLA_T4", "'vertex.training': Value error, accelerator_type"),
        ("vertex.training.accelerator_count=2", "'vertex.training': Value error, accelerator_type"),
        ("release.stages.production.min_replicas=5", "max_replicas (2) is below min_replicas (5)"),
        ("vertex.pusher.min_replicas=1", "unknown key 'vertex.pusher.min_replicas'"),
        ("release.stages.canary.machine_type=n1", "the stages are staging then production, in that order"),
        ("vertex.labels.Team=ml", "'vertex.labels': Value error, label Team=ml is not a valid Google Cloud label"),
        ("vertex.labels.team=Data Science", "label team=Data Science is not a valid Google Cloud label"),
        ("vertex.dataflow.max_workers=8", "unknown key 'vertex.dataflow.max_workers': it moved to beam.extra_args"),
    ],
)
def test_a_bad_value_is_refused_naming_its_key(override, message):
    assert message in refusal(override)


def test_accelerators_are_accepted_in_pairs():
    training = vertex("vertex.training.accelerator_type=NVIDIA_TESLA_T4", "vertex.training.accelerator_count=2")

    assert (training.vertex.training.accelerator_type, training.vertex.training.accelerator_count) == (
        "NVIDIA_TESLA_T4",
        2,
    )


# ---------------------------------------------------------------- Dataflow


def test_beam_args_by_default_send_the_beam_steps_to_dataflow_on_the_image():
    assert vertex().beam_args() == [
        "--runner=DataflowRunner",
        "--project=my-proj-1",
        "--region=europe-west4",
        "--temp_location=gs://my-bucket-1/root/dataflow/tmp",
        f"--sdk_container_image={IMAGE}",
        "--machine_type=n1-standard-4",
        "--max_num_workers=4",
        "--experiments=use_runner_v2",
    ]


def test_extra_args_replace_the_profiles_and_win_over_the_derived_flags():
    args = vertex(
        "beam.extra_args=[--machine_type=n2-standard-8, --max_num_workers=20, --temp_location=gs://scratch-bucket/tmp]"
    ).beam_args()

    from apache_beam.options.pipeline_options import GoogleCloudOptions, PipelineOptions, WorkerOptions

    options = PipelineOptions(args)
    assert options.view_as(GoogleCloudOptions).temp_location == "gs://scratch-bucket/tmp"
    assert options.view_as(WorkerOptions).machine_type == "n2-standard-8"
    assert options.view_as(WorkerOptions).max_num_workers == 20
    assert "--experiments=use_runner_v2" not in args


@pytest.mark.parametrize(
    "overrides, account",
    [
        ([], None),
        (["vertex.service_account=run@my-proj-1.iam.gserviceaccount.com"], "run@my-proj-1.iam.gserviceaccount.com"),
    ],
)
def test_dataflow_workers_run_as_the_pipeline_account(overrides, account):
    args = vertex(*overrides).beam_args()

    accounts = [arg.split("=", 1)[1] for arg in args if arg.startswith("--service_account_email=")]
    assert accounts == ([account] if account else [])


def test_the_direct_runner_runs_the_beam_steps_in_the_task():
    assert vertex("beam.runner=direct", "beam.extra_args=[]").beam_args() == ["--pickle_library=cloudpickle"]
    assert vertex(
        "beam.runner=direct",
        "beam.extra_args=[]",
        "beam.direct_num_workers=0",
        "beam.direct_running_mode=multi_processing",
    ).beam_args() == [
        "--pickle_library=cloudpickle",
        "--direct_num_workers=0",
        "--direct_running_mode=multi_processing",
        "--beam_plugins=components.beam_worker",
    ]


@pytest.mark.parametrize(
    "old, new",
    [
        ("vertex.dataflow.machine_type", "--machine_type"),
        ("vertex.dataflow.use_pipeline_image", "Dataflow's workers always run vertex.image"),
        ("vertex.dataflow.enabled", "beam.runner"),
    ],
)
def test_the_old_dataflow_keys_say_where_they_went(tmp_path, old, new):
    key = old.rsplit(".", 1)[1]
    config = tmp_path / "vertex.yaml"
    config.write_text(f"vertex:\n  dataflow:\n    {key}: x\n")
    with pytest.raises(ConfigError) as caught:
        load_config(profile="vertex", config_file=str(config), overrides=REQUIRED, environ={})
    assert f"unknown key '{old}': it moved to" in str(caught.value)
    assert new in str(caught.value)


# ---------------------------------------------------------------- roots, secrets and paths


def test_the_pipeline_root_is_the_gcs_root_not_the_local_output_root():
    config = vertex()

    assert config.pipeline_root == "gs://my-bucket-1/root/"
    assert "--temp_location=gs://my-bucket-1/root/dataflow/tmp" in config.beam_args()
    assert config.output_root == str(PROJECT_ROOT / "outputs" / "vertex")


@pytest.mark.parametrize(
    "secret, version",
    [
        (None, None),
        ("neptune-token", "projects/my-proj-1/secrets/neptune-token/versions/latest"),
        ("projects/shared-proj/secrets/token", "projects/shared-proj/secrets/token/versions/latest"),
        ("projects/shared-proj/secrets/token/versions/7", "projects/shared-proj/secrets/token/versions/7"),
    ],
)
def test_the_neptune_secret_becomes_a_full_version_name(secret, version):
    config = vertex(f"vertex.neptune.token_secret={secret}") if secret else vertex()

    assert config.vertex.secret_version() == version


def test_checkout_files_map_to_the_image_when_the_modules_are_baked_in():
    config = vertex()

    assert config.runtime_path(config.schema_path) == "/pipeline/modules/schema.pbtxt"
    assert config.runtime_path(str(PROJECT_ROOT / "data" / "penguins.csv")) == "/pipeline/data/penguins.csv"
    assert vertex("vertex.code_root=/app/").runtime_path(config.schema_path) == "/app/modules/schema.pbtxt"


def test_module_files_map_to_their_content_address_under_the_modules_uri_and_other_files_to_the_image():
    config = vertex("vertex.modules_uri=gs://my-bucket-1/modules/")
    schema, modules = Path(config.schema_path), Path(config.modules.package_dir)

    assert config.runtime_path(config.schema_path) == f"gs://my-bucket-1/modules/{address(schema)}/schema.pbtxt"
    assert config.modules_location() == f"gs://my-bucket-1/modules/{address(modules)}/"
    assert address(schema) != address(modules)
    assert config.runtime_path(str(PROJECT_ROOT / "pipeline" / "config.py")) == "/pipeline/pipeline/config.py"
    assert vertex().modules_location() is None


def test_a_file_outside_the_project_cannot_be_mapped(tmp_path):
    with pytest.raises(ValueError, match=f"{tmp_path / 'schema.pbtxt'} is outside the project"):
        vertex().runtime_path(str(tmp_path / "schema.pbtxt"))
