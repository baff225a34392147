"""Unit tests of components.vertex.pusher: what the real aiplatform SDK sends to a loopback Vertex AI, push by push."""

import hashlib
import json
from pathlib import Path
from typing import Dict, Optional

import pytest
from tfx.components.evaluator import constants as evaluator_constants
from tfx.types import channel_utils, standard_artifacts

from components.vertex.pusher import BLESSED_KEY, FACTS_FILE, VertexPusher
from components.vertex.registry import VertexPushError
from tests.builders.vertex_push import push_once

pytestmark = pytest.mark.unit

PROJECT, REGION = "test-project", "us-central1"
SERVING_ACCOUNT = "serving@test-project.iam.gserviceaccount.com"
# Vertex reads the model, not the pusher; the fake never does. Each push() is a new Trainer output.
MODEL_ROOT = "gs://test-bucket/tfx/Trainer/model"
MODEL_URI = f"{MODEL_ROOT}/1"
PARAMETERS = dict(
    project=PROJECT,
    region=REGION,
    model_display_name="penguins",
    serving_container=json.dumps({"imageUri": "us-central1-docker.pkg.dev/test-project/vtx/vertex-tfx:abc"}),
    stage="staging",
    endpoint_display_name="penguins-endpoint",
    machine_type="n1-standard-2",
    min_replicas=1,
    max_replicas=3,
    traffic_percentage=100,
    request_logging=1,
    logging_sampling_rate=0.5,
    logging_bigquery_table="",
    labels=json.dumps({"pipeline": "penguin-pipeline", "git_commit": "4123C28"}),
    pipeline_run_id="projects/test-project/locations/us-central1/pipelineJobs/Penguin-Pipeline-20261122.0804",
)


@pytest.fixture
def push(tmp_path, vertex_fake):
    """Runs VertexPusher against the fake: push(blessed, accuracy, model_uri, **parameters) -> its PushedModel."""
    runs = iter(range(1, 100))

    def run(
        blessed: bool = True, accuracy: Optional[float] = 0.987, model_uri: Optional[str] = None, **overrides
    ) -> standard_artifacts.PushedModel:
        number = next(runs)
        parameters = {**PARAMETERS, "api_endpoint": vertex_fake.endpoint, **overrides}
        return push_once(
            tmp_path / f"run{number}", model_uri or f"{MODEL_ROOT}/{number}", parameters, blessed, accuracy
        )

    return run


def bodies(fake, method: str, path_regex: str):
    return [request.body for request in fake.find(method, path_regex)]


def aliases(fake) -> Dict[str, set]:
    (versions,) = fake.models.models.values()
    return {version_id: set(version["versionAliases"]) for version_id, version in versions.items()}


def properties(pushed: standard_artifacts.PushedModel) -> dict:
    return {key: pushed.get_custom_property(key) for key in pushed.mlmd_artifact.custom_properties}


def test_the_blessing_key_is_the_one_the_evaluator_writes():
    assert evaluator_constants.ARTIFACT_PROPERTY_BLESSED_KEY == BLESSED_KEY


def test_the_first_push_creates_the_model_and_a_logging_endpoint_and_deploys_it_as_staging(push, vertex_fake):
    pushed = push(service_account=SERVING_ACCOUNT)

    (upload,) = bodies(vertex_fake, "POST", r"/models:upload$")
    assert "parentModel" not in upload
    model = upload["model"]
    assert model["displayName"] == "penguins"
    assert model["artifactUri"] == f"{MODEL_URI}/Format-Serving"
    assert model["containerSpec"] == json.loads(PARAMETERS["serving_container"])
    assert "candidate" in model["versionAliases"]
    assert model["labels"] == {
        "pipeline": "penguin-pipeline",
        "git_commit": "4123c28",
        "pipeline_run": "penguin-pipeline-20261122_0804",
        "accuracy": "0_987",
        "example_count": "68",
        "model_artifact": hashlib.sha256(f"{MODEL_URI}/Format-Serving".encode()).hexdigest()[:32],
    }
    (endpoint,) = bodies(vertex_fake, "POST", r"/endpoints$")
    assert endpoint["displayName"] == "penguins-endpoint"
    assert endpoint["predictRequestResponseLoggingConfig"] == {
        "enabled": True,
        "samplingRate": 0.5,
        "bigqueryDestination": {"outputUri": f"bq://{PROJECT}"},
    }
    (deploy,) = bodies(vertex_fake, "POST", r":deployModel$")
    assert deploy["trafficSplit"] == {"0": 100}
    resources = deploy["deployedModel"]["dedicatedResources"]
    assert resources["machineSpec"] == {"machineType": "n1-standard-2"}
    assert (resources["minReplicaCount"], resources["maxReplicaCount"]) == (1, 3)
    assert deploy["deployedModel"]["serviceAccount"] == SERVING_ACCOUNT
    assert bodies(vertex_fake, "POST", r"@1:mergeVersionAliases$") == [{"versionAliases": ["staging"]}]
    assert aliases(vertex_fake) == {"1": {"default", "candidate", "staging"}}
    (endpoint_id,) = vertex_fake.endpoints.endpoints
    (deployed,) = vertex_fake.endpoints.endpoints[endpoint_id]["deployedModels"]
    model_name = f"projects/{PROJECT}/locations/{REGION}/models/{next(iter(vertex_fake.models.models))}"
    facts = {
        "pushed": 1,
        "pushed_destination": f"{model_name}@1",
        "pushed_version": "1",
        "endpoint": f"projects/{PROJECT}/locations/{REGION}/endpoints/{endpoint_id}",
        "deployed_model_id": deployed["id"],
        "stage": "staging",
    }
    assert properties(pushed) == facts
    assert json.loads(Path(pushed.uri, FACTS_FILE).read_text()) == facts


def test_a_canary_push_is_a_new_version_with_its_share_of_traffic_and_the_aliases_move(push, vertex_fake):
    push()
    (endpoint,) = vertex_fake.endpoints.endpoints.values()
    (first,) = endpoint["deployedModels"]

    pushed = push(accuracy=0.99, traffic_percentage=30)

    second_upload = bodies(vertex_fake, "POST", r"/models:upload$")[1]
    assert second_upload["parentModel"] == properties(pushed)["pushed_destination"].split("@")[0]
    assert second_upload["model"]["labels"]["accuracy"] == "0_99"
    assert properties(pushed)["pushed_version"] == "2"
    assert aliases(vertex_fake) == {"1": set(), "2": {"default", "candidate", "staging"}}
    # Each alias leaves version 1 before version 2 gets it: candidate before the upload, staging after deploying.
    assert bodies(vertex_fake, "POST", r"@1:mergeVersionAliases$")[1:] == [
        {"versionAliases": ["-candidate"]},
        {"versionAliases": ["-staging"]},
    ]
    assert bodies(vertex_fake, "POST", r":deployModel$")[1]["trafficSplit"] == {"0": 30, first["id"]: 70}
    assert vertex_fake.find("POST", r":undeployModel$") == []
    assert endpoint["trafficSplit"] == {first["id"]: 70, properties(pushed)["deployed_model_id"]: 30}
    assert len(vertex_fake.find("POST", r"/endpoints$")) == 1


def test_a_full_push_undeploys_what_served_before(push, vertex_fake):
    push()
    (endpoint,) = vertex_fake.endpoints.endpoints.values()
    (first,) = endpoint["deployedModels"]

    pushed = push(traffic_percentage=100)

    assert [body["deployedModelId"] for body in bodies(vertex_fake, "POST", r":undeployModel$")] == [first["id"]]
    new_id = properties(pushed)["deployed_model_id"]
    assert [deployed["id"] for deployed in endpoint["deployedModels"]] == [new_id]
    assert endpoint["trafficSplit"] == {new_id: 100}
    assert [deployed["modelVersionId"] for deployed in endpoint["deployedModels"]] == ["2"]


def test_an_endpoint_whose_logging_differs_is_patched_and_one_that_matches_is_not(push, vertex_fake):
    push()
    push()
    assert vertex_fake.find("PATCH", r"/endpoints/") == []

    push(logging_sampling_rate=0.1, logging_bigquery_table=f"bq://{PROJECT}.serving.requests")

    (patch,) = vertex_fake.find("PATCH", r"/endpoints/")
    assert patch.query["updateMask"] == "predictRequestResponseLoggingConfig"
    assert patch.body["predictRequestResponseLoggingConfig"] == {
        "enabled": True,
        "samplingRate": 0.1,
        "bigqueryDestination": {"outputUri": f"bq://{PROJECT}.serving.requests"},
    }


def test_request_logging_off_creates_a_plain_endpoint_and_turns_logging_off_on_an_existing_one(push, vertex_fake):
    push(request_logging=0)
    (endpoint,) = bodies(vertex_fake, "POST", r"/endpoints$")
    assert "predictRequestResponseLoggingConfig" not in endpoint
    push(request_logging=1)
    push(request_logging=0)

    patches = [request.body["predictRequestResponseLoggingConfig"] for request in vertex_fake.find("PATCH", "")]

    assert patches == [
        {"enabled": True, "samplingRate": 0.5, "bigqueryDestination": {"outputUri": f"bq://{PROJECT}"}},
        {},  # enabled=false is proto3's default, which JSON leaves out
    ]


def test_a_model_that_is_not_blessed_sends_nothing_and_says_which_threshold_failed(push, vertex_fake):
    pushed = push(blessed=False, accuracy=0.812)

    assert vertex_fake.requests == []
    facts = properties(pushed)
    assert facts["pushed"] == 0
    assert facts["reason"] == "not blessed: accuracy (overall) is 0.8120, below the threshold 0.9000"
    assert json.loads(Path(pushed.uri, FACTS_FILE).read_text()) == facts


def test_without_a_validation_result_the_reason_is_plain(push, vertex_fake):
    pushed = push(blessed=False, accuracy=None)

    assert vertex_fake.requests == []
    assert properties(pushed)["reason"] == "the Evaluator did not bless the model (it wrote no validation result)"


def test_without_metrics_the_labels_have_no_metrics(push, vertex_fake):
    push(accuracy=None)

    (upload,) = bodies(vertex_fake, "POST", r"/models:upload$")
    assert set(upload["model"]["labels"]) == {"pipeline", "git_commit", "pipeline_run", "model_artifact"}


def test_a_refused_upload_is_one_message_naming_the_step(push, vertex_fake):
    denied = "Permission 'aiplatform.models.upload' denied"
    vertex_fake.fail_next("POST", r"/models:upload$", status=403, message=denied)

    with pytest.raises(VertexPushError) as raised:
        push()

    assert str(raised.value) == (
        f"Vertex AI push failed while uploading {MODEL_URI}/Format-Serving as the first version of model "
        "'penguins': 403 Forbidden: Permission 'aiplatform.models.upload' denied"
    )
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert vertex_fake.find("POST", r"/endpoints") == []


def test_a_quota_error_on_deploy_names_the_deployment(push, vertex_fake):
    vertex_fake.fail_next("POST", r":deployModel$", status=429, message="Quota exceeded for CPUs")

    with pytest.raises(VertexPushError, match=r"while deploying .*@1 to endpoint .*: 429 TooManyRequests: Quota"):
        push()


def test_a_model_outside_cloud_storage_is_refused_before_any_call(push, vertex_fake, tmp_path):
    with pytest.raises(ValueError, match=f"needs the model on Cloud Storage .*, not {tmp_path}/model/Format-Serving"):
        push(model_uri=str(tmp_path / "model"), api_endpoint="")
    assert vertex_fake.requests == []


def test_a_loopback_fake_takes_a_local_model_folder(push, vertex_fake, tmp_path, storage_emulator):
    """As `vtx rehearse` pushes: the SDK stages the local folder through Cloud Storage (the emulator here)."""
    (tmp_path / "model" / "Format-Serving").mkdir(parents=True)
    (tmp_path / "model" / "Format-Serving" / "saved_model.pb").write_bytes(b"model")
    pushed = push(model_uri=str(tmp_path / "model"))
    assert pushed.get_int_custom_property("pushed") == 1
    (upload,) = [request.body for request in vertex_fake.find("POST", r"models:upload$")]
    assert upload["model"]["artifactUri"].startswith("gs://")


@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        ("traffic_percentage", 0, "traffic_percentage must be in 1..100"),
        ("max_replicas", 0, "min_replicas <= max_replicas"),
        ("logging_sampling_rate", 1.5, r"logging_sampling_rate must be in \(0, 1\]"),
        ("logging_bigquery_table", "project.dataset.table", "must start with bq://"),
        ("labels", '{"1st": "x"}', "label key '1st' must start with a letter"),
    ],
)
def test_bad_parameters_are_named_before_any_call(push, vertex_fake, parameter, value, message):
    with pytest.raises(ValueError, match=message):
        push(**{parameter: value})
    assert vertex_fake.requests == []


def test_the_component_takes_the_pipeline_inputs_and_its_executor_fills_in_the_defaults(tmp_path, vertex_fake):
    node = VertexPusher(
        model=channel_utils.as_channel([standard_artifacts.Model()]),
        model_blessing=channel_utils.as_channel([standard_artifacts.ModelBlessing()]),
        evaluation=channel_utils.as_channel([standard_artifacts.ModelEvaluation()]),
        **PARAMETERS,
    )
    assert node.outputs["pushed_model"].type is standard_artifacts.PushedModel
    assert {"service_account", "api_endpoint"}.isdisjoint(node.exec_properties)
    model, blessing = standard_artifacts.Model(), standard_artifacts.ModelBlessing()
    evaluation, pushed = standard_artifacts.ModelEvaluation(), standard_artifacts.PushedModel()
    model.uri, evaluation.uri, pushed.uri = MODEL_URI, str(tmp_path / "evaluation"), str(tmp_path / "pushed")
    blessing.set_int_custom_property(BLESSED_KEY, 1)

    VertexPusher.EXECUTOR_SPEC.executor_class().Do(
        {"model": [model], "model_blessing": [blessing], "evaluation": [evaluation]},
        {"pushed_model": [pushed]},
        {**PARAMETERS, "api_endpoint": vertex_fake.endpoint},
    )

    (deploy,) = bodies(vertex_fake, "POST", r":deployModel$")
    assert "serviceAccount" not in deploy["deployedModel"]
    assert pushed.get_int_custom_property("pushed") == 1


def test_a_model_already_in_staging_is_not_pushed_again(push, vertex_fake):
    """A cached Trainer on Vertex hands the same model to the next run, which blesses it again."""
    push(model_uri=MODEL_URI)
    sent = len(vertex_fake.requests)

    pushed = push(model_uri=MODEL_URI)

    assert bodies(vertex_fake, "POST", r"/models:upload$")[1:] == []
    assert vertex_fake.find("POST", r":deployModel$")[1:] == []
    assert all(request.method == "GET" for request in vertex_fake.requests[sent:])
    facts = properties(pushed)
    assert facts["pushed"] == 0
    assert facts["pushed_version"] == "1"
    assert "already version 1 in staging" in facts["reason"]


def test_a_model_uploaded_but_never_deployed_is_deployed_without_a_second_upload(push, vertex_fake):
    vertex_fake.fail_next("POST", r":deployModel$", status=429)
    with pytest.raises(Exception, match="deploy"):
        push(model_uri=MODEL_URI)

    pushed = push(model_uri=MODEL_URI)

    assert len(bodies(vertex_fake, "POST", r"/models:upload$")) == 1
    assert properties(pushed)["pushed"] == 1
    assert properties(pushed)["pushed_version"] == "1"
    assert aliases(vertex_fake) == {"1": {"default", "candidate", "staging"}}
