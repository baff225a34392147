"""The ExecutorInput a rehearsal gives each kind of task, parsed strictly into kfp-pipeline-spec's proto."""

import json

import pytest
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

from pipeline.rehearse import beam_args, task_process
from pipeline.rehearse.engine import project_number
from pipeline.rehearse.local_training import worker_pool_0

pytestmark = pytest.mark.unit

NUMBER = project_number("my-proj-1")


def parsed(text: str) -> pipeline_spec_pb2.ExecutorInput:
    return json_format.Parse(text, pipeline_spec_pb2.ExecutorInput())


def artifact(name: str, uri: str, title: str, **metadata) -> dict:
    return {"name": name, "uri": uri, "type": {"schemaTitle": title}, "metadata": metadata}


def test_a_container_task_gets_the_job_parameters_and_outputs_under_vertex_layout(rehearsal, tasks, tmp_path):
    prepared = rehearsal.prepare(tasks["CsvExampleGen"], {})
    message = parsed(prepared.text)
    values = json_format.MessageToDict(message.inputs)["parameterValues"]
    # data_root is a job parameter, in the local place of its gs:// URI; the integer is typed as the spec says.
    assert values["input_base"] == f"{tmp_path}/gs/my-bucket-1/data"
    assert values["output_data_format"] == 6
    (examples,) = message.outputs.artifacts["examples"].artifacts
    job = rehearsal.job_name
    assert examples.uri.startswith(f"{tmp_path}/gs/my-bucket-1/pipeline-root/{NUMBER}/{job}/CsvExampleGen_")
    assert examples.uri.endswith("/examples")
    assert examples.name.startswith(f"projects/{NUMBER}/locations/europe-west4/metadataStores/default/artifacts/")
    assert message.outputs.output_file == examples.uri.rsplit("/", 1)[0] + "/executor_output.json"
    # What Vertex AI records is the gs:// URI; the ExecutorInput has its local place.
    assert prepared.outputs["examples"]["uri"].startswith("gs://my-bucket-1/pipeline-root/")


def test_an_empty_resolver_answer_leaves_the_input_out_and_upstream_artifacts_come_in(rehearsal, tasks, tmp_path):
    inputs = {
        "baseline_model": [],
        "model": [artifact("projects/1/a/7", "gs://b/root/Trainer_3/model", "tfx.Model")],
        "examples": [artifact("projects/1/a/2", "gs://b/root/CsvExampleGen_1/examples", "tfx.Examples")],
        "schema": [artifact("projects/1/a/4", "/pipeline/modules", "tfx.Schema")],
    }
    message = parsed(rehearsal.prepare(tasks["Evaluator"], inputs).text)
    assert "baseline_model" not in message.inputs.artifacts
    (model,) = message.inputs.artifacts["model"].artifacts
    assert (model.name, model.uri) == ("projects/1/a/7", f"{tmp_path}/gs/b/root/Trainer_3/model")
    # The image's code root is the checkout.
    assert message.inputs.artifacts["schema"].artifacts[0].uri == "/checkout/modules"
    assert set(message.outputs.artifacts) == {"blessing", "evaluation"}
    policy = json.loads(json_format.MessageToDict(message.inputs)["parameterValues"]["evaluation_policy"])
    assert policy["label_column"] == "species"


def test_a_training_launcher_runs_under_local_training_with_its_custom_config(rehearsal, tasks, tmp_path):
    task = tasks["Trainer"]
    assert task.runs_vertex_training() and not tasks["Transform"].runs_vertex_training()
    message = parsed(rehearsal.prepare(task, {}).text)
    config = json.loads(json_format.MessageToDict(message.inputs)["parameterValues"]["custom_config"])
    assert config["ai_platform_enable_vertex"] is True
    assert config["tracking"]["pipeline_root"] == f"{tmp_path}/gs/my-bucket-1/pipeline-root"
    container = task.executor["container"]
    command = task_process.command_line(task, container["command"], container["args"])
    assert command[1:5] == ["-m", "pipeline.rehearse.local_training", "-m", container["command"][2]]
    assert command[5:7] == ["--executor_class_path", "components.vertex.executors.VertexTrainerExecutor"]


def test_worker_pool_0_is_the_command_tfx_gives_the_vertex_custom_job():
    from tfx.extensions.google_cloud_ai_platform import training_clients
    from tfx.types import standard_artifacts

    model = standard_artifacts.Model()
    model.uri = "/tmp/model"
    # Without __init__: it would make a JobServiceClient, which needs credentials; building the job needs none.
    client = training_clients.VertexJobClient.__new__(training_clients.VertexJobClient)
    job = client.create_training_job(
        {},
        {"model": [model]},
        {"x": 1},
        "components.executors.TrainerExecutor",
        {"job_spec": {"worker_pool_specs": [{"replica_count": 1}, {"replica_count": 2}]}},
        "job",
        None,
    )
    command = worker_pool_0(job)
    assert command[1:5] == [
        "-m",
        "tfx.scripts.run_executor",
        "--executor_class_path",
        "components.executors.TrainerExecutor",
    ]
    assert json.loads(command[command.index("--outputs") + 1])["model"][0]["artifact"]["uri"] == "/tmp/model"


def test_a_beam_task_on_dataflow_runs_on_the_direct_runner_and_the_flags_are_named(tasks):
    args = tasks["Transform"].executor["container"]["args"]
    swapped, replaced = beam_args.direct(args)
    assert swapped[-1] == "--runner=DirectRunner"
    assert swapped[:-1] == [arg for arg in args if arg not in replaced]
    assert "--runner=DataflowRunner" in replaced and "--region=europe-west4" in replaced
    assert beam_args.direct(swapped) == (swapped, [])
