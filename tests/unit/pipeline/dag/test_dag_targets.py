"""What differs between a local and a Vertex run: the Vertex job specs and the custom_config of user code."""

import json
from pathlib import Path

import pytest
from google.cloud.aiplatform_v1.types import CustomJob
from tfx.extensions.google_cloud_ai_platform import training_clients

from pipeline.config import content_address
from pipeline.config.loader import load_config
from pipeline.dag import fingerprint, targets

pytestmark = pytest.mark.unit

IMAGE = "europe-west4-docker.pkg.dev/my-proj-1/vtx/vertex-tfx:abc"
ACCOUNT = "pipelines@my-proj-1.iam.gserviceaccount.com"
REQUIRED = [
    "data_root=gs://my-bucket-1/data",
    "vertex.project=my-proj-1",
    "vertex.region=europe-west4",
    "vertex.pipeline_root=gs://my-bucket-1/root/",
    f"vertex.image={IMAGE}",
]
TOKEN = "neptune-token-value-that-must-not-be-compiled"


def vertex(*overrides: str):
    return load_config(profile="vertex", overrides=[*REQUIRED, *overrides], environ={})


@pytest.fixture(scope="module")
def local():
    return load_config(environ={})


def launched_custom_job(training_args: dict) -> CustomJob:
    """The CustomJob TFX's Vertex launcher sends for these training args, as the Vertex client types it.

    The same steps as tfx.extensions.google_cloud_ai_platform.runner: pop the project, build the job, and the
    JobServiceClient turns the dict into its CustomJob message (which refuses unknown fields).
    """
    args = json.loads(json.dumps(training_args))
    args.pop("project")
    client = training_clients.VertexJobClient.__new__(training_clients.VertexJobClient)
    client.generate_container_command = lambda *unused: ["python", "-m", "tfx.scripts.run_executor"]
    return CustomJob(client.create_training_job({}, {}, {}, "components.executors.X", args, None, None))


# ---------------------------------------------------------------- the Trainer's custom job


def test_local_runs_have_no_jobs(local):
    assert targets.trainer_job(local) is None
    assert targets.tuner_job(local) is None


def test_disabled_vertex_jobs_are_none():
    assert targets.trainer_job(vertex("vertex.training.enabled=false")) is None
    assert targets.tuner_job(vertex("vertex.tuning.enabled=false")) is None


def test_the_trainer_job_carries_machine_image_region_and_labels():
    job = targets.trainer_job(vertex("vertex.training.machine_type=n1-highmem-8", "vertex.labels.team=ml"))

    assert job["ai_platform_enable_vertex"] is True
    assert job["ai_platform_vertex_region"] == "europe-west4"
    args = json.dumps(job["ai_platform_training_args"])
    assert job["ai_platform_training_args"]["project"] == "my-proj-1"
    assert '"machine_spec": {"machine_type": "n1-highmem-8"}' in args
    assert f'"container_spec": {{"image_uri": "{IMAGE}"}}' in args
    assert '"labels": {"pipeline": "vertex-tfx-penguins", "team": "ml"}' in args
    assert "accelerator" not in args
    assert "service_account" not in args


def test_accelerators_and_the_service_account_reach_the_trainer_job():
    job = targets.trainer_job(
        vertex(
            "vertex.training.accelerator_type=NVIDIA_TESLA_T4",
            "vertex.training.accelerator_count=2",
            f"vertex.service_account={ACCOUNT}",
        )
    )

    args = json.dumps(job["ai_platform_training_args"])
    assert (
        '"machine_spec": {"machine_type": "n1-standard-4", "accelerator_type": "NVIDIA_TESLA_T4", '
        '"accelerator_count": 2}'
    ) in args
    assert f'"service_account": "{ACCOUNT}"' in args


def test_tfx_launches_the_trainer_job_as_a_valid_custom_job():
    job = targets.trainer_job(vertex(f"vertex.service_account={ACCOUNT}", "vertex.labels.team=ml"))

    custom_job = launched_custom_job(job["ai_platform_training_args"])

    (pool,) = custom_job.job_spec.worker_pool_specs
    assert (pool.machine_spec.machine_type, pool.replica_count, pool.container_spec.image_uri) == (
        "n1-standard-4",
        1,
        IMAGE,
    )
    assert custom_job.job_spec.service_account == ACCOUNT
    assert (custom_job.labels["pipeline"], custom_job.labels["team"]) == ("vertex-tfx-penguins", "ml")


def test_more_trainer_replicas_are_workers_beside_one_primary():
    """Vertex AI wants exactly one replica in worker pool 0; the others form pool 1."""
    job = targets.trainer_job(vertex("vertex.training.replica_count=3"))

    pools = json.loads(json.dumps(job["ai_platform_training_args"]))
    pools = pools.get("job_spec", pools)["worker_pool_specs"]
    assert [pool["replica_count"] for pool in pools] == [1, 2]
    assert pools[0]["machine_spec"] == pools[1]["machine_spec"]
    assert pools[0]["container_spec"] == pools[1]["container_spec"] == {"image_uri": IMAGE}


# ---------------------------------------------------------------- the Tuner's job


def test_the_tuner_job_has_one_chief_pool_and_a_working_dir_under_the_root():
    job = targets.tuner_job(vertex("vertex.tuning.machine_type=n1-highcpu-16", "vertex.labels.team=ml"))

    assert job["ai_platform_enable_vertex"] is True
    assert job["ai_platform_vertex_region"] == "europe-west4"
    assert job["remote_trials_working_dir"] == "gs://my-bucket-1/root/tuner"
    assert job["ai_platform_tuning_args"] == {
        "project": "my-proj-1",
        "job_spec": {
            "worker_pool_specs": [
                {
                    "machine_spec": {"machine_type": "n1-highcpu-16"},
                    "replica_count": 1,
                    "container_spec": {"image_uri": IMAGE},
                }
            ]
        },
        "labels": {"pipeline": "vertex-tfx-penguins", "team": "ml"},
    }


def test_tfx_launches_the_tuner_job_as_a_valid_custom_job():
    job = targets.tuner_job(vertex(f"vertex.service_account={ACCOUNT}"))

    custom_job = launched_custom_job(job["ai_platform_tuning_args"])

    (pool,) = custom_job.job_spec.worker_pool_specs
    assert (pool.machine_spec.machine_type, pool.container_spec.image_uri) == ("n1-standard-4", IMAGE)
    assert custom_job.job_spec.service_account == ACCOUNT
    assert custom_job.labels["pipeline"] == "vertex-tfx-penguins"


# ---------------------------------------------------------------- custom_config of user code


PENGUINS = {
    "name": "penguins",
    "label": "species",
    "numeric": ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"],
    "categorical": ["island", "sex"],
    "date": [],
}


def test_local_user_code_config_is_the_fingerprint_the_dataset_the_seed_and_where_runs_are_tracked(local):
    custom = targets.user_code_config(local, local.modules.run_fn, tracked=True)

    assert custom == {
        "code_fingerprint": fingerprint.code_fingerprint(local.modules.package_dir, local.modules.run_fn),
        "dataset": PENGUINS,
        "seed": 7,
        "tracking": local.tracking_settings(),
    }
    assert custom["tracking"]["backend"] == "mlflow"
    assert custom["tracking"]["uri"] == f"sqlite:///{Path(local.output_root).resolve() / 'mlflow.db'}"
    assert custom["tracking"]["artifact_uri"] == str(Path(local.output_root).resolve() / "mlartifacts")
    assert custom["tracking"]["params"] == {"split": "4:1", "eval_steps": 5}
    assert len(custom["code_fingerprint"]) == 64


def test_only_the_tuner_and_trainer_get_the_seed_and_the_tracking(local):
    transform = targets.user_code_config(local, local.modules.preprocessing_fn)

    assert set(transform) == {"code_fingerprint", "dataset"}


def test_vertex_runs_are_tracked_in_vertex_ai_experiments_with_no_secret():
    config = vertex()

    custom = targets.user_code_config(config, config.modules.run_fn, tracked=True)

    assert set(custom) == {"code_fingerprint", "dataset", "seed", "tracking"}
    assert custom["tracking"] == {
        "backend": "vertex",
        "experiment": "vertex-tfx-penguins",
        "timeout_seconds": 20.0,
        "pipeline_root": config.vertex.pipeline_root,
        "project": "my-proj-1",
        "location": "europe-west4",
        "params": {"split": "4:1", "eval_steps": 5},
    }


def test_the_modules_content_address_reaches_every_user_code_component():
    config = vertex("vertex.modules_uri=gs://my-bucket-1/modules/")
    folder = f"gs://my-bucket-1/modules/{content_address.address(Path(config.modules.package_dir))}/"

    for entry in (config.modules.preprocessing_fn, config.modules.tuner_fn, config.modules.run_fn):
        assert targets.user_code_config(config, entry)["modules_uri"] == folder


def test_neptune_settings_reach_only_components_that_track_and_only_for_neptune(monkeypatch):
    monkeypatch.setenv("NEPTUNE_API_TOKEN", TOKEN)
    settings = ("vertex.neptune.project=team/penguins", "vertex.neptune.token_secret=neptune-token")
    config = vertex(*settings, "tracking.backend=neptune")

    tracking = targets.user_code_config(config, config.modules.run_fn, tracked=True)
    transform = targets.user_code_config(config, config.modules.preprocessing_fn)
    on_vertex = targets.user_code_config(vertex(*settings), config.modules.run_fn, tracked=True)

    assert tracking["neptune_project"] == "team/penguins"
    assert tracking["neptune_token_secret"] == "projects/my-proj-1/secrets/neptune-token/versions/latest"
    assert tracking["tracking"]["backend"] == "neptune" and tracking["tracking"]["project"] == "team/penguins"
    assert set(transform) == {"code_fingerprint", "dataset"}
    assert TOKEN not in json.dumps(tracking)
    assert set(on_vertex) == {"code_fingerprint", "dataset", "seed", "tracking"}


def test_a_neptune_project_without_a_secret_adds_no_secret():
    config = vertex("vertex.neptune.project=team/penguins", "tracking.backend=neptune")

    custom = targets.user_code_config(config, config.modules.run_fn, tracked=True)

    assert set(custom) == {"code_fingerprint", "dataset", "seed", "neptune_project", "tracking"}


def test_the_code_fingerprint_follows_the_entry_module():
    config = vertex()

    fingerprints = {
        entry: targets.user_code_config(config, entry)["code_fingerprint"]
        for entry in (config.modules.preprocessing_fn, config.modules.run_fn)
    }

    assert fingerprints == {
        entry: fingerprint.code_fingerprint(config.modules.package_dir, entry) for entry in fingerprints
    }
