"""Unit tests of tests.fakes.vertex.server: the real Google clients, over REST, against the loopback fake."""

import pytest
from google.api_core import exceptions
from google.cloud import aiplatform, aiplatform_v1, secretmanager
from google.protobuf import field_mask_pb2

from components.neptune_secret import read_secret
from tests.fakes.vertex.jobs import pipeline_task

pytestmark = pytest.mark.unit

PROJECT, LOCATION = "test-project", "us-central1"
PARENT = f"projects/{PROJECT}/locations/{LOCATION}"
SPEC = {"pipelineInfo": {"name": "penguins"}, "root": {"dag": {"tasks": {}}}, "schemaVersion": "2.1.0"}


@pytest.fixture
def sdk(vertex_fake):
    vertex_fake.init_aiplatform(PROJECT, LOCATION)
    return vertex_fake


@pytest.fixture
def pipelines(vertex_fake) -> aiplatform_v1.PipelineServiceClient:
    return aiplatform_v1.PipelineServiceClient(
        transport="rest", client_options=vertex_fake.client_options, credentials=vertex_fake.credentials
    )


def upload(version_of=None, aliases=None) -> aiplatform.Model:
    return aiplatform.Model.upload(
        display_name="penguins",
        artifact_uri="gs://bucket/model",
        serving_container_image_uri="europe-west4-docker.pkg.dev/test-project/vtx/serving:1",
        parent_model=version_of.resource_name if version_of else None,
        version_aliases=aliases,
    )


def test_uploads_under_a_parent_model_are_new_versions_and_default_moves(sdk):
    first = upload(aliases=["candidate"])
    second = upload(version_of=first)

    assert (first.version_id, second.version_id) == ("1", "2")
    assert second.resource_name == first.resource_name
    assert aiplatform.Model(first.resource_name, version="candidate").version_aliases == ["candidate"]
    assert aiplatform.Model(first.resource_name).version_id == "2"
    assert [m.resource_name for m in aiplatform.Model.list(filter='display_name="penguins"')] == [first.resource_name]
    assert aiplatform.Model.list(filter='display_name="other"') == []


def test_an_alias_held_by_another_version_must_be_removed_first(sdk):
    first = upload(aliases=["candidate"])
    upload(version_of=first)
    registry = aiplatform.models.ModelRegistry(first)

    with pytest.raises(exceptions.BadRequest, match="already used by version 1"):
        registry.add_version_aliases(["candidate"], version="2")
    registry.remove_version_aliases(["candidate"], version="1")
    registry.add_version_aliases(["candidate"], version="2")

    assert {v.version_id: set(v.version_aliases) for v in registry.list_versions()} == {
        "1": set(),
        "2": {"candidate", "default"},
    }


def test_deploy_splits_traffic_and_undeploy_removes_the_old_model(sdk):
    model = upload()
    endpoint = aiplatform.Endpoint.create(display_name="penguins-endpoint")
    endpoint.deploy(model, machine_type="n1-standard-2")
    (old,) = endpoint.list_models()

    endpoint.deploy(model, machine_type="n1-standard-2", traffic_percentage=100)
    endpoint.undeploy(old.id)

    (new,) = endpoint.list_models()
    assert endpoint.traffic_split == {new.id: 100}
    assert new.model_version_id == "1"
    assert sdk.find("POST", r":deployModel$")[1].body["trafficSplit"] == {"0": 100}


def test_endpoints_are_listed_by_display_name_after_a_create_in_the_same_process(sdk):
    created = aiplatform.Endpoint.create(display_name="penguins-endpoint")

    found = aiplatform.Endpoint.list(filter='display_name="penguins-endpoint"')

    assert [endpoint.resource_name for endpoint in found] == [created.resource_name]
    assert aiplatform.Endpoint.list(filter='display_name="other"') == []


def test_patch_updates_only_the_masked_fields(sdk):
    endpoint = aiplatform.Endpoint.create(display_name="penguins-endpoint", labels={"team": "ml"})
    config = aiplatform_v1.PredictRequestResponseLoggingConfig(enabled=True, sampling_rate=0.25)
    proto = aiplatform_v1.Endpoint(name=endpoint.resource_name, predict_request_response_logging_config=config)

    endpoint.api_client.update_endpoint(
        endpoint=proto, update_mask=field_mask_pb2.FieldMask(paths=["predict_request_response_logging_config"])
    )

    stored = sdk.endpoints.get(endpoint.name)
    assert stored["predictRequestResponseLoggingConfig"] == {"enabled": True, "samplingRate": 0.25}
    assert stored["labels"] == {"team": "ml"}


def test_an_operation_is_answered_not_done_and_finishes_on_the_clients_poll(sdk):
    model = upload()

    (start,) = sdk.find("POST", r"models:upload$")
    (poll,) = sdk.find("GET", r"/operations/")
    assert start.response == {"name": poll.path.split("/", 2)[2], "done": False}
    assert poll.response["done"] is True
    assert poll.response["response"]["@type"].endswith("google.cloud.aiplatform.v1.UploadModelResponse")
    assert model.version_id == "1"


def test_injected_errors_are_google_errors_and_run_out(sdk):
    sdk.fail_next("POST", r"models:upload$", status=403, message="caller lacks aiplatform.models.upload")

    with pytest.raises(exceptions.Forbidden, match="caller lacks aiplatform.models.upload"):
        upload()
    assert upload().version_id == "1"
    assert [r.status for r in sdk.find("POST", r"models:upload$")] == [403, 200]


def test_a_pipeline_job_walks_through_its_scripted_states(vertex_fake, pipelines):
    trainer = pipeline_task("Trainer", outputs={"model": [{"uri": "gs://b/model", "metadata": {"accuracy": 0.9}}]})
    vertex_fake.script_pipeline_job(["PENDING", "RUNNING", "FAILED"], tasks=[trainer], error="Trainer failed")

    created = pipelines.create_pipeline_job(
        parent=PARENT,
        pipeline_job=aiplatform_v1.PipelineJob(display_name="penguins", pipeline_spec=SPEC),
        pipeline_job_id="run-1",
    )
    seen = [pipelines.get_pipeline_job(name=created.name) for _ in range(4)]

    assert created.name == f"{PARENT}/pipelineJobs/run-1"
    assert created.state == aiplatform_v1.PipelineState.PIPELINE_STATE_PENDING
    assert [job.state.name for job in seen] == [
        "PIPELINE_STATE_PENDING",
        "PIPELINE_STATE_RUNNING",
        "PIPELINE_STATE_FAILED",
        "PIPELINE_STATE_FAILED",
    ]
    assert seen[-1].error.message == "Trainer failed"
    (task,) = seen[-1].job_detail.task_details
    assert task.task_name == "Trainer"
    assert task.outputs["model"].artifacts[0].metadata["accuracy"] == 0.9


def test_a_cancelled_pipeline_job_ends_cancelled(vertex_fake, pipelines):
    vertex_fake.script_pipeline_job(["RUNNING"], job_id="run-2")
    job = pipelines.create_pipeline_job(
        parent=PARENT, pipeline_job={"display_name": "p", "pipeline_spec": SPEC}, pipeline_job_id="run-2"
    )

    pipelines.cancel_pipeline_job(name=job.name)

    assert pipelines.get_pipeline_job(name=job.name).state.name == "PIPELINE_STATE_CANCELLED"
    assert [j.name for j in pipelines.list_pipeline_jobs(parent=PARENT)] == [job.name]


def test_secret_manager_serves_the_latest_version(vertex_fake):
    vertex_fake.add_secret(PROJECT, "neptune", "old-token")
    vertex_fake.add_secret(PROJECT, "neptune", "new-token\n")
    client = secretmanager.SecretManagerServiceClient(
        transport="rest", client_options=vertex_fake.client_options, credentials=vertex_fake.credentials
    )

    assert read_secret(f"projects/{PROJECT}/secrets/neptune/versions/latest", client) == "new-token"
    assert read_secret(f"projects/{PROJECT}/secrets/neptune/versions/1", client) == "old-token"
    with pytest.raises(RuntimeError, match="cannot read secret .*/missing/"):
        read_secret(f"projects/{PROJECT}/secrets/missing/versions/latest", client)
