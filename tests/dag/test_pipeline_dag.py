"""DAG tests of create_pipeline: its nodes, wiring, settings and compiled IR, without running it."""

import glob
import json
import os
import shutil
from pathlib import Path

import pytest
import tensorflow_model_analysis as tfma
from google.protobuf import json_format
from tfx.components import SchemaGen

from components.curated_schema import SCHEMA_FILE_NAME
from components.validation_gate import GatedExampleValidator
from pipeline.config import PROJECT_ROOT
from pipeline.config.loader import load_config
from pipeline.dag.fingerprint import code_fingerprint, file_fingerprint
from pipeline.local import preflight
from tests.builders.pipeline_runs import NODE_IDS

pytestmark = pytest.mark.dag

UPSTREAM = {
    "CsvExampleGen": set(),
    "StatisticsGen": {"CsvExampleGen"},
    "SchemaGen": set(),
    "ExampleValidator": {"StatisticsGen", "SchemaGen"},
    "Transform": {"CsvExampleGen", "SchemaGen", "ExampleValidator"},
    "Tuner": {"Transform"},
    "Trainer": {"Transform", "SchemaGen", "Tuner"},
    "Resolver": {"Trainer"},
    "Evaluator": {"CsvExampleGen", "Trainer", "Resolver", "SchemaGen"},
    "Pusher": {"Trainer", "Evaluator"},
}


def upstream(pipeline) -> dict:
    return {node.id: {up.id for up in node.upstream_nodes} for node in pipeline.components}


def assert_topological(ids, wiring) -> None:
    for position, node_id in enumerate(ids):
        assert wiring[node_id] <= set(ids[:position]), f"{node_id} comes before one of {wiring[node_id]}"


def parameter(node, key: str):
    """A node's parameter value; for a runtime parameter, its default (what a local run uses)."""
    entry = node.parameters.parameters[key]
    value = entry.runtime_parameter.default_value if entry.HasField("runtime_parameter") else entry.field_value
    return getattr(value, value.WhichOneof("value"))


def runtime_parameter_name(node, key: str) -> str:
    return node.parameters.parameters[key].runtime_parameter.name


def custom_config(node) -> dict:
    return json.loads(parameter(node, "custom_config"))


@pytest.fixture(scope="module")
def pipeline(build):
    return build()


@pytest.fixture(scope="module")
def nodes(pipeline, compile_nodes):
    return compile_nodes(pipeline)


@pytest.fixture(scope="module")
def config(output_root):
    return load_config(overrides=[f"output_root={output_root}"], environ={})


# ---------------------------------------------------------------- nodes and wiring


def test_the_pipeline_has_the_ten_nodes_in_dependency_order(pipeline):
    ids = [node.id for node in pipeline.components]

    assert sorted(ids) == sorted(NODE_IDS)
    assert len(ids) == 10
    assert_topological(ids, UPSTREAM)


def test_the_nodes_are_wired_as_designed(pipeline):
    assert upstream(pipeline) == UPSTREAM


def test_downstream_links_mirror_upstream_links(pipeline):
    for node in pipeline.components:
        for up in node.upstream_nodes:
            assert node in up.downstream_nodes, f"{up.id} does not list {node.id} downstream"


def test_the_validation_gate_and_the_curated_schema_are_in_place(pipeline, config):
    by_id = {node.id: node for node in pipeline.components}

    assert isinstance(by_id["ExampleValidator"], GatedExampleValidator)
    assert not isinstance(by_id["SchemaGen"], SchemaGen)
    assert by_id["SchemaGen"].exec_properties["schema_file"] == config.schema_path
    assert by_id["SchemaGen"].exec_properties["fingerprint"] == file_fingerprint(config.schema_path)


def test_without_tuning_there_are_nine_nodes_and_no_tuner(build):
    pipeline = build("tuning.enabled=false")
    wiring = upstream(pipeline)

    assert len(pipeline.components) == 9
    assert "Tuner" not in wiring
    assert wiring["Trainer"] == {"Transform", "SchemaGen"}
    assert wiring == {key: value - {"Tuner"} for key, value in UPSTREAM.items() if key != "Tuner"}
    trainer = next(node for node in pipeline.components if node.id == "Trainer")
    assert trainer.inputs.get("hyperparameters") is None


def test_without_a_curated_schema_schema_gen_infers_it_from_statistics(build):
    pipeline = build("schema_path=null")
    by_id = {node.id: node for node in pipeline.components}

    assert isinstance(by_id["SchemaGen"], SchemaGen)
    assert upstream(pipeline)["SchemaGen"] == {"StatisticsGen"}
    assert upstream(pipeline)["ExampleValidator"] == {"StatisticsGen", "SchemaGen"}
    # Every node now depends on the one before it, so the order is fully determined.
    assert [node.id for node in pipeline.components] == NODE_IDS


# ---------------------------------------------------------------- settings flow into the nodes


def test_pipeline_level_settings_come_from_the_config(pipeline, config):
    assert pipeline.pipeline_info.pipeline_name == config.pipeline_name
    assert pipeline.pipeline_info.pipeline_root == config.pipeline_root
    assert pipeline.metadata_connection_config.sqlite.filename_uri == config.metadata_path
    assert pipeline.enable_cache is True
    assert pipeline.beam_pipeline_args == config.beam_args()


def test_overrides_reach_the_nodes(build, compile_nodes):
    nodes = compile_nodes(
        build(
            "training.train_steps=77",
            "tuning.trials=9",
            "tuning.train_steps=33",
            "split.eval_buckets=3",
            "enable_cache=false",
            "evaluation.accuracy_threshold=0.5",
            "evaluation.standard_errors=2",
        )
    )

    assert parameter(nodes["Trainer"], "train_steps") == 77
    assert json.loads(parameter(nodes["Tuner"], "train_args")) == {"num_steps": 33}
    assert parameter(nodes["Tuner"], "max_trials") == 9
    assert parameter(nodes["Evaluator"], "accuracy_threshold") == pytest.approx(0.5)
    splits = json.loads(parameter(nodes["CsvExampleGen"], "output_config"))["split_config"]["splits"]
    assert splits == [{"name": "train", "hash_buckets": 4}, {"name": "eval", "hash_buckets": 3}]
    eval_config = json_format.Parse(parameter(nodes["Evaluator"], "eval_config"), tfma.EvalConfig())
    assert [list(spec.feature_keys) for spec in eval_config.slicing_specs] == [[], ["island"], ["sex"]]
    threshold = overall_threshold(metric_by_name(eval_config)["accuracy"])
    assert threshold.value_threshold.lower_bound.value == pytest.approx(0.5)
    policy = json.loads(parameter(nodes["Evaluator"], "evaluation_policy"))
    assert policy == {
        "label_column": "species",
        "standard_errors": 2.0,
        "beat_most_common_class": True,
        "dataset": {
            "name": "penguins",
            "label": "species",
            "numeric": ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"],
            "categorical": ["island", "sex"],
            "date": [],
        },
        "pipeline": "vertex-tfx-penguins",
    }
    assert json.loads(parameter(nodes["ExampleValidator"], "numeric_columns")) == [
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
    ]


def test_example_gen_reads_the_data_root_into_train_and_eval(nodes, config):
    example_gen = nodes["CsvExampleGen"]

    assert parameter(example_gen, "input_base") == config.data_root
    assert runtime_parameter_name(example_gen, "input_base") == "data_root"
    splits = json.loads(parameter(example_gen, "output_config"))["split_config"]["splits"]
    assert splits == [{"name": "train", "hash_buckets": 4}, {"name": "eval", "hash_buckets": 1}]


def test_example_gen_reads_only_csv_files(nodes):
    """A data folder may hold a README next to the CSV (data/ does); TFX's default pattern '*' would read it."""
    splits = json.loads(parameter(nodes["CsvExampleGen"], "input_config"))["splits"]

    assert [split["pattern"] for split in splits] == ["*.csv"]


def test_example_gen_reads_exactly_the_files_preflight_checked(build, compile_nodes, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(PROJECT_ROOT / "data" / "penguins.csv", data)
    (data / "README.md").write_text("# About these penguins\n")
    config = load_config(overrides=[f"data_root={data}"], environ={})
    nodes = compile_nodes(build(f"data_root={data}"))
    (split,) = json.loads(parameter(nodes["CsvExampleGen"], "input_config"))["splits"]

    read = sorted(
        Path(path)
        for path in glob.glob(os.path.join(parameter(nodes["CsvExampleGen"], "input_base"), split["pattern"]))
    )

    assert read == preflight.check_data(config) == [data / "penguins.csv"]


def test_trainer_and_tuner_steps(nodes, config):
    assert json.loads(parameter(nodes["Trainer"], "train_args")) == {"num_steps": config.training.train_steps}
    assert json.loads(parameter(nodes["Trainer"], "eval_args")) == {"num_steps": config.training.eval_steps}
    assert json.loads(parameter(nodes["Tuner"], "train_args")) == {"num_steps": config.tuning.train_steps}
    assert parameter(nodes["Tuner"], "max_trials") == config.tuning.trials
    assert parameter(nodes["Trainer"], "train_steps") == config.training.train_steps
    assert parameter(nodes["Trainer"], "eval_steps") == config.training.eval_steps
    assert parameter(nodes["Trainer"], "run_fn") == config.modules.run_fn
    assert parameter(nodes["Tuner"], "tuner_fn") == config.modules.tuner_fn
    assert parameter(nodes["Transform"], "preprocessing_fn") == config.modules.preprocessing_fn


def test_transform_runs_in_tfts_graph_mode_without_statistics(nodes):
    """One trace of preprocessing_fn into one graph (benchmarks/findings.md); no statistics nobody reads."""
    assert parameter(nodes["Transform"], "force_tf_compat_v1") == 1
    assert parameter(nodes["Transform"], "disable_statistics") == 1


def test_pusher_pushes_to_the_serving_dir(nodes, config):
    destination = json.loads(parameter(nodes["Pusher"], "push_destination"))

    assert destination == {"filesystem": {"base_directory": config.serving_dir}}


# ---------------------------------------------------------------- compiled IR


def test_the_ir_has_the_same_ten_nodes_and_wiring(nodes, pipeline):
    assert list(nodes) == [node.id for node in pipeline.components]
    assert {node_id: set(node.upstream_nodes) for node_id, node in nodes.items()} == UPSTREAM
    assert {node_id: set(node.downstream_nodes) for node_id, node in nodes.items()} == {
        node_id: {other for other, ups in UPSTREAM.items() if node_id in ups} for node_id in UPSTREAM
    }


@pytest.mark.parametrize(
    ("node_id", "function_key"),
    [("Transform", "preprocessing_fn"), ("Tuner", "tuner_fn"), ("Trainer", "run_fn")],
)
def test_user_code_nodes_carry_the_code_fingerprint(nodes, config, node_id, function_key):
    expected = code_fingerprint(config.modules.package_dir, getattr(config.modules, function_key))

    assert custom_config(nodes[node_id])["code_fingerprint"] == expected


def test_preprocessing_and_model_code_have_different_fingerprints(nodes):
    transform = custom_config(nodes["Transform"])["code_fingerprint"]
    trainer = custom_config(nodes["Trainer"])["code_fingerprint"]

    assert transform != trainer
    assert custom_config(nodes["Tuner"])["code_fingerprint"] == trainer


@pytest.fixture
def own_modules(tmp_path: Path) -> Path:
    """A private copy of modules/ and the curated schema, to edit without touching the project."""
    copy = tmp_path / "modules"
    shutil.copytree(PROJECT_ROOT / "modules", copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_editing_user_code_changes_exactly_the_affected_nodes(build, compile_nodes, own_modules):
    overrides = (f"modules.package_dir={own_modules}", f"schema_path={own_modules / SCHEMA_FILE_NAME}")
    keys = {
        "Transform": "custom_config",
        "Tuner": "custom_config",
        "Trainer": "custom_config",
        "SchemaGen": "fingerprint",
    }

    def snapshot() -> dict:
        nodes = compile_nodes(build(*overrides))
        return {node_id: parameter(nodes[node_id], key) for node_id, key in keys.items()}

    def changed(before: dict, after: dict) -> set:
        return {node_id for node_id in keys if before[node_id] != after[node_id]}

    original = snapshot()
    assert snapshot() == original, "building twice must give the same IR parameters (no cache busting for nothing)"

    (own_modules / "model.py").write_text((own_modules / "model.py").read_text() + "\nMODEL_EDIT = 1\n")
    after_model = snapshot()
    assert changed(original, after_model) == {"Tuner", "Trainer"}

    # Plumbing in modules/runtime/ that only model.py imports re-runs only what model.py feeds.
    export = own_modules / "runtime" / "export.py"
    export.write_text(export.read_text() + "\nEXPORT_EDIT = 1\n")
    after_runtime = snapshot()
    assert changed(after_model, after_runtime) == {"Tuner", "Trainer"}

    (own_modules / "features.py").write_text((own_modules / "features.py").read_text() + "\nFEATURE_EDIT = 1\n")
    after_features = snapshot()
    assert changed(after_runtime, after_features) == {"Transform", "Tuner", "Trainer"}

    schema = own_modules / SCHEMA_FILE_NAME
    schema.write_text(schema.read_text() + "\n# a schema review\n")
    assert changed(after_features, snapshot()) == {"SchemaGen"}


# ---------------------------------------------------------------- the Evaluator


@pytest.fixture(scope="module")
def eval_config(nodes) -> tfma.EvalConfig:
    return json_format.Parse(parameter(nodes["Evaluator"], "eval_config"), tfma.EvalConfig())


def test_eval_config_reads_the_transformed_label_through_the_transform_signature(eval_config, config):
    (spec,) = eval_config.model_specs

    assert spec.label_key == "species_xf"
    assert spec.label_key == config.evaluation.label_key
    assert spec.prediction_key == config.evaluation.prediction_key
    assert list(spec.preprocessing_function_names) == ["transform_features"]
    assert spec.signature_name == "serving_default"


def test_eval_config_computes_every_metric_from_the_served_signature(eval_config):
    """Loss and accuracy from the signature's predictions: no Keras load per metric combiner (twelve loads)."""
    (spec,) = eval_config.model_specs

    assert spec.model_type == tfma.constants.TF_GENERIC
    assert eval_config.options.HasField("include_default_metrics")
    assert not eval_config.options.include_default_metrics.value
    assert {"ExampleCount", "accuracy", "loss"} <= set(metric_by_name(eval_config))
    assert metric_by_name(eval_config)["loss"].class_name == "SparseCategoricalCrossentropy"


def test_eval_config_slices_overall_by_island_and_by_sex(eval_config):
    assert [list(spec.feature_keys) for spec in eval_config.slicing_specs] == [[], ["island"], ["sex"]]


def metric_by_name(eval_config: tfma.EvalConfig) -> dict:
    """Metric name (its config's "name", else its class) -> MetricConfig, over the one MetricsSpec."""
    (metrics_spec,) = eval_config.metrics_specs
    return {json.loads(metric.config or "{}").get("name", metric.class_name): metric for metric in metrics_spec.metrics}


def overall_threshold(metric) -> tfma.MetricThreshold:
    """The threshold that gates the overall (unsliced) result of a metric."""
    if metric.HasField("threshold"):
        return metric.threshold
    (per_slice,) = [item for item in metric.per_slice_thresholds if tfma.SlicingSpec() in item.slicing_specs]
    return per_slice.threshold


def test_eval_config_gates_accuracy_on_a_floor_and_on_the_baseline(eval_config, config):
    by_name = metric_by_name(eval_config)

    assert "ExampleCount" in by_name
    accuracy = by_name["accuracy"]
    assert accuracy.class_name == "SparseCategoricalAccuracy"
    threshold = overall_threshold(accuracy)
    assert threshold.value_threshold.lower_bound.value == pytest.approx(config.evaluation.accuracy_threshold)
    change = threshold.change_threshold
    assert change.direction == tfma.MetricDirection.HIGHER_IS_BETTER
    assert change.absolute.value == pytest.approx(-config.evaluation.max_accuracy_drop)
    assert change.absolute.value < 0


def test_only_the_overall_slice_is_gated_the_slices_are_reported(eval_config):
    accuracy = metric_by_name(eval_config)["accuracy"]

    assert not accuracy.HasField("threshold"), "an unsliced threshold would gate every island and sex slice"
    gated = [spec for item in accuracy.per_slice_thresholds for spec in item.slicing_specs]
    assert gated == [tfma.SlicingSpec()]


def test_evaluator_evaluates_only_the_eval_split(nodes):
    assert json.loads(parameter(nodes["Evaluator"], "example_splits")) == ["eval"]
