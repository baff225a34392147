"""DAG tests of `vtx compile`: the Vertex AI spec, both ways of shipping modules/, offline and secret-free."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import PROJECT_ROOT
from pipeline.config.content_address import address
from tests.builders import vertex_settings
from tests.builders.pipeline_runs import FAKE_TOKEN, NODE_IDS
from tests.builders.vertex_settings import IMAGE

pytestmark = pytest.mark.dag

MODULES_URI = "gs://my-bucket-1/modules/"
REQUIRED = [
    *vertex_settings.REQUIRED,
    "vertex.service_account=pipelines@my-proj-1.iam.gserviceaccount.com",
    "vertex.neptune.project=acme/penguins",
    "vertex.neptune.token_secret=neptune-token",
    "vertex.training.accelerator_type=NVIDIA_TESLA_T4",
    "vertex.training.accelerator_count=1",
]
PARAMETERS = {"data_root", "train_steps", "eval_steps", "tuner_trials", "accuracy_threshold"}
BEAM_TASKS = ["CsvExampleGen", "StatisticsGen", "Transform", "Evaluator"]


def compile_spec(tmp: Path, *extra: str) -> dict:
    out = tmp / "pipeline.json"
    args = ["compile", "--profile", "vertex", "--out", str(out)]
    for item in [*REQUIRED, f"output_root={tmp}"]:
        args += ["--set", item]
    result = CliRunner().invoke(main, args + list(extra), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def baked(offline, tmp_path_factory) -> dict:
    return compile_spec(tmp_path_factory.mktemp("baked"))


@pytest.fixture(scope="module")
def from_gcs(offline, tmp_path_factory) -> dict:
    return compile_spec(tmp_path_factory.mktemp("gcs"), "--modules-uri", MODULES_URI)


@pytest.fixture(params=["baked", "from_gcs"])
def spec(request) -> dict:
    return request.getfixturevalue(request.param)


def tasks(spec: dict) -> dict:
    return spec["pipelineSpec"]["root"]["dag"]["tasks"]


def executor(spec: dict, task: str) -> dict:
    label = spec["pipelineSpec"]["components"][task]["executorLabel"]
    return spec["pipelineSpec"]["deploymentSpec"]["executors"][label]


def constant(spec: dict, task: str, key: str):
    return tasks(spec)[task]["inputs"]["parameters"][key]["runtimeValue"]["constant"]


def custom_config(spec: dict, task: str) -> dict:
    return json.loads(constant(spec, task, "custom_config"))


def test_every_node_is_a_task_in_the_image_with_our_executor(spec):
    names = set(tasks(spec))
    # Kubeflow V2 splits the latest-blessed-model resolver into two query tasks.
    assert names == (set(NODE_IDS) - {"Resolver"}) | {"Resolver-model-resolver", "Resolver-model-blessing-resolver"}
    expected = {
        "CsvExampleGen": "components.csv_example_gen.Executor",
        "Transform": "components.executors.TransformExecutor",
        "Tuner": "components.vertex.executors.VertexTunerExecutor",
        "Trainer": "components.vertex.executors.VertexTrainerExecutor",
        "Evaluator": "components.executors.EvaluatorExecutor",
        "ExampleValidator": "components.validation_gate.",
        "Pusher": "components.vertex.pusher.",
        "SchemaGen": "components.curated_schema.",
    }
    for task, class_path in expected.items():
        container = executor(spec, task)["container"]
        assert container["image"] == IMAGE
        args = container["args"]
        assert args[args.index("--executor_class_path") + 1].startswith(class_path), task


def test_runtime_parameters_have_the_configured_defaults(spec):
    definitions = spec["pipelineSpec"]["root"]["inputDefinitions"]["parameters"]
    assert set(definitions) == PARAMETERS
    assert spec["runtimeConfig"]["parameterValues"] == {
        "data_root": "gs://my-bucket-1/data",
        "train_steps": 300,
        "eval_steps": 5,
        "tuner_trials": 6,
        "accuracy_threshold": 0.0,
    }
    wiring = {
        ("CsvExampleGen", "input_base"): "data_root",
        ("Trainer", "train_steps"): "train_steps",
        ("Trainer", "eval_steps"): "eval_steps",
        ("Tuner", "max_trials"): "tuner_trials",
        ("Evaluator", "accuracy_threshold"): "accuracy_threshold",
    }
    for (task, key), name in wiring.items():
        assert tasks(spec)[task]["inputs"]["parameters"][key] == {"componentInputParameter": name}


def test_beam_components_run_on_dataflow_with_the_configured_workers(spec):
    for task in BEAM_TASKS:
        args = executor(spec, task)["container"]["args"]
        assert "--runner=DataflowRunner" in args
        assert "--max_num_workers=4" in args
        assert "--machine_type=n1-standard-4" in args
        assert "--temp_location=gs://my-bucket-1/pipeline-root/dataflow/tmp" in args
        assert f"--sdk_container_image={IMAGE}" in args
        assert "--service_account_email=pipelines@my-proj-1.iam.gserviceaccount.com" in args


def test_trainer_runs_as_a_vertex_custom_job(spec):
    config = custom_config(spec, "Trainer")
    assert config["ai_platform_enable_vertex"] is True
    assert config["ai_platform_vertex_region"] == "europe-west4"
    job = config["ai_platform_training_args"]
    assert job["project"] == "my-proj-1"
    assert job["job_spec"]["service_account"] == "pipelines@my-proj-1.iam.gserviceaccount.com"
    assert job["job_spec"]["worker_pool_specs"] == [
        {
            "machine_spec": {
                "machine_type": "n1-standard-4",
                "accelerator_type": "NVIDIA_TESLA_T4",
                "accelerator_count": 1,
            },
            "replica_count": 1,
            "container_spec": {"image_uri": IMAGE},
        }
    ]


def test_tuner_runs_parallel_trials_on_vertex(spec):
    config = custom_config(spec, "Tuner")
    assert config["ai_platform_enable_vertex"] is True
    assert config["ai_platform_tuning_args"]["job_spec"]["worker_pool_specs"][0]["container_spec"] == {
        "image_uri": IMAGE
    }
    assert config["remote_trials_working_dir"] == "gs://my-bucket-1/pipeline-root/tuner"
    assert json.loads(constant(spec, "Tuner", "tune_args")) == {"num_parallel_trials": 3}


def test_the_pusher_targets_the_registry_and_the_staging_endpoint(spec):
    assert constant(spec, "Pusher", "project") == "my-proj-1"
    assert constant(spec, "Pusher", "model_display_name") == "vertex-tfx-penguins"
    assert constant(spec, "Pusher", "stage") == "staging"
    assert constant(spec, "Pusher", "endpoint_display_name") == "vertex-tfx-penguins-staging"
    assert constant(spec, "Pusher", "max_replicas") in (1, "1")
    # Smoke traffic is not users': only the production endpoint (vtx promote) logs requests.
    assert constant(spec, "Pusher", "request_logging") in (0, "0")
    assert constant(spec, "Pusher", "logging_sampling_rate") == 1.0
    assert constant(spec, "Pusher", "pipeline_run_id") == "{{$.pipeline_job_name}}"


def test_runs_go_to_vertex_ai_experiments_and_no_token_is_compiled_in(spec):
    text = json.dumps(spec)
    assert FAKE_TOKEN not in text
    for task in ("Trainer", "Tuner"):
        config = custom_config(spec, task)
        # The vertex profile tracks in Vertex AI Experiments as the job's service account: no Neptune secret.
        assert "neptune_token_secret" not in config and "neptune_project" not in config
        assert config["tracking"]["backend"] == "vertex"
        assert (config["tracking"]["project"], config["tracking"]["location"]) == ("my-proj-1", "europe-west4")
        assert config["tracking"]["experiment"] == "vertex-tfx-penguins"


def test_no_local_path_reaches_the_spec(spec):
    text = json.dumps(spec)
    for local in {str(PROJECT_ROOT), str(Path.home()) + "/", "/tmp/"}:
        assert local not in text


def test_modules_come_from_the_image_or_from_their_content_address(baked, from_gcs):
    modules, schema = (address(PROJECT_ROOT / "modules"), address(PROJECT_ROOT / "modules" / "schema.pbtxt"))
    for task in ("Transform", "Tuner", "Trainer"):
        assert "modules_uri" not in custom_config(baked, task)
        assert custom_config(from_gcs, task)["modules_uri"] == f"{MODULES_URI}{modules}/"
    assert constant(baked, "SchemaGen", "schema_file") == "/pipeline/modules/schema.pbtxt"
    assert constant(from_gcs, "SchemaGen", "schema_file") == f"{MODULES_URI}{schema}/schema.pbtxt"
    # The module functions are named by module path; only where they are loaded from differs.
    assert constant(baked, "Trainer", "run_fn") == constant(from_gcs, "Trainer", "run_fn") == "modules.model.run_fn"


def test_the_spec_loads_with_kfp_and_the_vertex_sdk(spec, tmp_path):
    import kfp.components
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import aiplatform

    component = kfp.components.load_component_from_text(json.dumps(spec["pipelineSpec"]))
    assert component.name == "vertex-tfx-penguins"
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    job = aiplatform.PipelineJob(
        display_name="check",
        template_path=str(path),
        pipeline_root="gs://my-bucket-1/pipeline-root",
        project="my-proj-1",
        location="europe-west4",
        credentials=AnonymousCredentials(),
        parameter_values={"train_steps": 500},
    )
    values = job.to_dict()["runtimeConfig"]["parameterValues"]
    assert values["train_steps"] == 500
    assert values["data_root"] == "gs://my-bucket-1/data"


def test_compile_names_each_missing_required_setting(tmp_path):
    result = CliRunner().invoke(main, ["compile", "--profile", "vertex", "--set", f"output_root={tmp_path}"])
    assert result.exit_code == 2
    for key in ("vertex.project", "vertex.region", "vertex.pipeline_root", "vertex.image", "data_root"):
        assert f"missing key '{key}'" in result.output
    assert not (tmp_path / "pipeline.json").exists()


def test_the_pushed_versions_labels_name_the_pipeline_and_no_commit(spec):
    assert json.loads(constant(spec, "Pusher", "labels")) == {"pipeline": "vertex-tfx-penguins"}
    assert constant(spec, "Pusher", "api_endpoint") == ""


def test_the_baseline_query_asks_for_a_blessing_of_this_pipeline_and_dataset(spec):
    """TFX's blessing query names neither; ours asks for both, as the Evaluator records them on each blessing."""
    import re

    from components import dataset_identity
    from pipeline.config.loader import load_config
    from pipeline.dag.targets import dataset_definition
    from tests.fakes.vertex.common import all_clauses

    config = load_config(profile="vertex", overrides=REQUIRED, environ={})
    identity = dataset_identity.identity(dataset_definition(config))
    queries = executor(spec, "Resolver-model-blessing-resolver")["resolver"]["outputArtifactQueries"]
    clauses = {}
    clause = re.compile(r'^(?P<field>[\w.]+)=(?:"(?P<text>[^"]*)"|(?P<bare>\w+))$')

    assert all_clauses(queries["model_blessing"]["filter"], clause, lambda f: clauses.setdefault(f[1], f[2] or f[3]))
    assert clauses == {
        "schema_title": "tfx.ModelBlessing",
        "state": "LIVE",
        "metadata.blessed.number_value": "1",
        "metadata.pipeline_name.string_value": "vertex-tfx-penguins",
        "metadata.dataset_identity.string_value": identity,
    }
    assert identity.startswith("penguins-") and config.pipeline_name == "vertex-tfx-penguins"


def test_the_evaluators_baseline_is_the_one_optional_input(spec):
    """A first run's resolver finds no blessed model: the input it feeds is optional (docs/vertex-ai.md)."""
    from google.protobuf import json_format
    from kfp.pipeline_spec import pipeline_spec_pb2

    optional = {
        f"{name}.{key}"
        for name, component in spec["pipelineSpec"]["components"].items()
        for key, definition in component.get("inputDefinitions", {}).get("artifacts", {}).items()
        if definition.get("isOptional")
    }
    assert optional == {"Evaluator.baseline_model"}
    assert tasks(spec)["Evaluator"]["inputs"]["artifacts"]["baseline_model"]["taskOutputArtifact"] == {
        "outputArtifactKey": "model",
        "producerTask": "Resolver-model-resolver",
    }
    parsed = json_format.Parse(json.dumps(spec["pipelineSpec"]), pipeline_spec_pb2.PipelineSpec())
    assert parsed.components["Evaluator"].input_definitions.artifacts["baseline_model"].is_optional
