"""The Vertex AI fake refuses what the real API refuses, and never answers what the real API could not."""

import pytest
from google.api_core import exceptions
from google.cloud import aiplatform_v1

pytestmark = pytest.mark.unit

PARENT = "projects/test-project/locations/us-central1"
UPLOAD = f"/v1/{PARENT}/models:upload"
CUSTOM_IMAGE = "europe-west4-docker.pkg.dev/test-project/vtx/vertex-tfx:0123abc"
PREBUILT_IMAGE = "europe-docker.pkg.dev/vertex-ai/prediction/tf2-cpu.2-15:latest"


def model_body(**model):
    return {"model": {"displayName": "penguins", "containerSpec": {"imageUri": CUSTOM_IMAGE}, **model}}


@pytest.fixture
def models(vertex_fake) -> aiplatform_v1.ModelServiceClient:
    options = vertex_fake.client_options
    return aiplatform_v1.ModelServiceClient(
        transport="rest", client_options=options, credentials=vertex_fake.credentials
    )


@pytest.fixture
def endpoints(vertex_fake) -> aiplatform_v1.EndpointServiceClient:
    options = vertex_fake.client_options
    return aiplatform_v1.EndpointServiceClient(
        transport="rest", client_options=options, credentials=vertex_fake.credentials
    )


def model(image: str = CUSTOM_IMAGE, display_name: str = "penguins") -> aiplatform_v1.Model:
    spec = aiplatform_v1.ModelContainerSpec(image_uri=image)
    return aiplatform_v1.Model(display_name=display_name, artifact_uri="gs://b/model", container_spec=spec)


def test_a_well_formed_raw_request_is_accepted(vertex_fake, send):
    status, answer = send(vertex_fake, "POST", UPLOAD, model_body())

    assert status == 200
    assert answer["done"] is False


def test_an_unknown_field_is_a_400_naming_it(vertex_fake, send):
    status, answer = send(vertex_fake, "POST", UPLOAD, model_body(servingImage=CUSTOM_IMAGE))

    assert status == 400
    assert answer["error"]["status"] == "INVALID_ARGUMENT"
    assert answer["error"]["message"] == (
        "Invalid JSON payload received. Unknown name \"servingImage\" at 'model': Cannot find field."
    )
    (violation,) = answer["error"]["details"][0]["fieldViolations"]
    assert violation["field"] == "model"
    assert vertex_fake.models.models == {}


def test_a_value_of_the_wrong_type_is_a_400_naming_the_field(vertex_fake, send):
    status, answer = send(vertex_fake, "POST", UPLOAD, model_body(labels=["team"]))

    assert status == 400
    assert answer["error"]["message"].startswith("Invalid JSON payload received. Invalid value at 'model.labels'")
    assert answer["error"]["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"


@pytest.mark.parametrize(
    ("labels", "field", "problem"),
    [
        ({"Team": "penguins"}, "model.labels", "label key 'Team' must be 1-63 characters, start with a lowercase"),
        ({"git_commit": "ABC123"}, "model.labels", "label value 'ABC123' of 'git_commit' must be at most 63"),
        ({"run": "x" * 64}, "model.labels", "label value 'xxxx"),
        ({"1st": "a"}, "model.labels", "label key '1st' must be"),
        ({f"k{n}": "v" for n in range(65)}, "model.labels", "at most 64 labels, not 65"),
    ],
)
def test_labels_google_refuses_are_a_400_naming_the_field(vertex_fake, send, labels, field, problem):
    status, answer = send(vertex_fake, "POST", UPLOAD, model_body(labels=labels))

    assert status == 400
    assert answer["error"]["status"] == "INVALID_ARGUMENT"
    violations = answer["error"]["details"][0]["fieldViolations"]
    assert [v["field"] for v in violations] == [field]
    assert violations[0]["description"].startswith(problem)
    assert vertex_fake.models.models == {}


def test_labels_google_accepts_pass(vertex_fake, send):
    labels = {"pipeline": "vertex-tfx-penguins", "git_commit": "0123abc", "empty": "", "smoke": "passed_1796"}

    status, _ = send(vertex_fake, "POST", UPLOAD, model_body(labels=labels))

    assert status == 200


def test_an_unknown_query_parameter_is_a_400(vertex_fake, send):
    status, answer = send(vertex_fake, "GET", f"/v1/{PARENT}/models?pageTokn=x")

    assert status == 400
    assert 'Unknown name "pageTokn": Cannot bind query parameter' in answer["error"]["message"]


def test_a_model_without_a_display_name_is_refused(models):
    with pytest.raises(exceptions.BadRequest, match=r"Field: model\.displayName; Message: Required field is not set"):
        models.upload_model(parent=PARENT, model=model(display_name=""))


def test_a_model_without_a_container_image_is_refused(models):
    bare = aiplatform_v1.Model(display_name="penguins", artifact_uri="gs://b/model")

    with pytest.raises(exceptions.BadRequest, match=r"model\.container_spec\.image_uri.*needs a container image"):
        models.upload_model(parent=PARENT, model=bare)


def test_a_model_whose_artifacts_are_not_on_cloud_storage_is_refused(models):
    local = aiplatform_v1.Model(
        display_name="penguins", artifact_uri="/tmp/model", container_spec={"image_uri": CUSTOM_IMAGE}
    )

    with pytest.raises(exceptions.BadRequest, match=r"model\.artifact_uri.*not a Cloud Storage"):
        models.upload_model(parent=PARENT, model=local)


def test_an_unknown_prebuilt_image_is_refused_by_name_and_a_listed_or_custom_one_is_not(vertex_fake, models):
    missing = "us-docker.pkg.dev/vertex-ai/prediction/tf2-cpu.2-16:latest"

    with pytest.raises(exceptions.BadRequest, match=f"Image {missing} does not exist"):
        models.upload_model(parent=PARENT, model=model(image=missing))
    models.upload_model(parent=PARENT, model=model(image=PREBUILT_IMAGE)).result()
    models.upload_model(parent=PARENT, model=model(image=CUSTOM_IMAGE)).result()

    assert len(vertex_fake.models.models) == 2


def test_an_endpoint_without_a_display_name_is_refused(endpoints):
    with pytest.raises(exceptions.BadRequest, match=r"Field: endpoint\.displayName; Message: Required"):
        endpoints.create_endpoint(parent=PARENT, endpoint=aiplatform_v1.Endpoint())


def deploy(models, endpoints, deployed: aiplatform_v1.DeployedModel):
    uploaded = models.upload_model(parent=PARENT, model=model()).result()
    endpoint = endpoints.create_endpoint(parent=PARENT, endpoint=aiplatform_v1.Endpoint(display_name="e")).result()
    deployed.model = uploaded.model
    return endpoints.deploy_model(endpoint=endpoint.name, deployed_model=deployed).result()


def test_a_deploy_without_resources_or_machine_spec_is_refused(models, endpoints):
    no_spec = aiplatform_v1.DedicatedResources(min_replica_count=1)
    odd_type = aiplatform_v1.DedicatedResources(
        min_replica_count=1, machine_spec=aiplatform_v1.MachineSpec(machine_type="n1-standard")
    )

    with pytest.raises(exceptions.BadRequest, match="needs dedicated or automatic resources"):
        deploy(models, endpoints, aiplatform_v1.DeployedModel())
    with pytest.raises(exceptions.BadRequest, match=r"deployedModel\.dedicatedResources\.machineSpec; Message: Req"):
        deploy(models, endpoints, aiplatform_v1.DeployedModel(dedicated_resources=no_spec))
    with pytest.raises(exceptions.BadRequest, match="Machine type 'n1-standard' is not supported"):
        deploy(models, endpoints, aiplatform_v1.DeployedModel(dedicated_resources=odd_type))


def test_an_update_is_checked_only_where_its_mask_reaches(vertex_fake, endpoints):
    created = endpoints.create_endpoint(parent=PARENT, endpoint=aiplatform_v1.Endpoint(display_name="e")).result()
    labels_only = aiplatform_v1.Endpoint(name=created.name, labels={"team": "ml"})

    endpoints.update_endpoint(endpoint=labels_only, update_mask={"paths": ["labels"]})
    with pytest.raises(exceptions.BadRequest, match=r"endpoint\.displayName; Message: Required"):
        endpoints.update_endpoint(endpoint=labels_only, update_mask={"paths": ["display_name"]})

    assert vertex_fake.endpoints.get(created.name.rsplit("/", 1)[1])["displayName"] == "e"


def test_a_long_running_operation_needs_a_poll_to_finish(vertex_fake, models):
    operation = models.upload_model(parent=PARENT, model=model())

    assert operation.operation.done is False  # the answer that started it
    assert vertex_fake.find("GET", r"/operations/") == []
    assert operation.result().model_version_id == "1"
    (poll,) = vertex_fake.find("GET", r"/operations/")
    assert vertex_fake.operations.polled(poll.path.split("/", 2)[2])


def test_an_answer_the_real_api_could_not_give_is_caught(vertex_fake, models, monkeypatch):
    name = models.upload_model(parent=PARENT, model=model()).result().model
    monkeypatch.setattr(vertex_fake.models, "get", lambda model_id, version: {"name": name, "servingImage": "x"})

    with pytest.raises(exceptions.InternalServerError, match=r"GetModel is not a valid google\.cloud\.aiplatform\.v1"):
        models.get_model(name=name)

    (bug,) = vertex_fake.bugs
    assert 'no field named "servingImage"' in bug
    vertex_fake.bugs.clear()


def test_a_pipeline_job_needs_a_spec_that_is_a_kfp_pipeline_spec(vertex_fake):
    pipelines = aiplatform_v1.PipelineServiceClient(
        transport="rest", client_options=vertex_fake.client_options, credentials=vertex_fake.credentials
    )
    spec = {"pipelineInfo": {"name": "p"}, "root": {"dag": {"tasks": {}}}, "schemaVersion": "2.1.0"}
    misspelt = {**spec, "deploymentSpec": {"executors": {"e": {"contianer": {"image": CUSTOM_IMAGE}}}}}

    with pytest.raises(exceptions.BadRequest, match="needs a pipeline_spec or a template_uri"):
        pipelines.create_pipeline_job(parent=PARENT, pipeline_job={"display_name": "p"})
    with pytest.raises(exceptions.BadRequest, match='Invalid pipeline_spec: .*no field named "pipelineinfo"'):
        pipelines.create_pipeline_job(parent=PARENT, pipeline_job={"pipeline_spec": {"pipelineinfo": {}}})
    with pytest.raises(exceptions.BadRequest, match='Invalid deployment_spec: .*no field named "contianer"'):
        pipelines.create_pipeline_job(parent=PARENT, pipeline_job={"pipeline_spec": misspelt})
    assert pipelines.create_pipeline_job(parent=PARENT, pipeline_job={"pipeline_spec": spec}).name
