"""Unit tests of pipeline.config.loader: layering, path resolution, clear errors, and consistency with modules/."""

from pathlib import Path

import pytest
import yaml
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from modules import features
from pipeline.config import PROJECT_ROOT, PipelineConfig
from pipeline.config.loader import ConfigError, env_overrides, load_config, parse_overrides, profiles

pytestmark = pytest.mark.unit


def write_yaml(path: Path, data) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return str(path)


# ---------------------------------------------------------------- the local profile


def test_local_profile_is_the_default_and_resolves_paths_against_the_project_root():
    config = load_config(environ={})

    assert isinstance(config, PipelineConfig)
    assert config.profile == "local"
    assert "local" in profiles()
    assert config.data_root == str(PROJECT_ROOT / "data")
    assert config.output_root == str(PROJECT_ROOT / "outputs" / "local")
    assert config.schema_path == str(PROJECT_ROOT / "modules" / "schema.pbtxt")
    assert config.modules.package_dir == str(PROJECT_ROOT / "modules")
    assert config.pipeline_root == str(PROJECT_ROOT / "outputs" / "local" / "tfx")
    assert config.metadata_path == str(PROJECT_ROOT / "outputs" / "local" / "metadata.sqlite")


def test_beam_args_carry_the_beam_settings():
    config = load_config(
        overrides=["beam.direct_num_workers=4", "beam.direct_running_mode=multi_processing"], environ={}
    )

    assert "--direct_num_workers=4" in config.beam_args()
    assert "--direct_running_mode=multi_processing" in config.beam_args()


def test_the_profile_paths_exist():
    config = load_config(environ={})

    assert Path(config.data_root, "penguins.csv").is_file()
    assert Path(config.schema_path).is_file()
    assert Path(config.modules.package_dir, "__init__.py").is_file()


# ---------------------------------------------------------------- layering


def test_layers_override_in_order_profile_file_environment_flags(tmp_path):
    config_file = write_yaml(
        tmp_path / "vtx.yaml",
        {"training": {"train_steps": 10}, "tuning": {"trials": 4}, "split": {"eval_buckets": 2}},
    )
    environ = {"VTX_TRAINING__TRAIN_STEPS": "20", "VTX_TUNING__TRIALS": "5"}

    config = load_config(config_file=config_file, overrides=["training.train_steps=30"], environ=environ)

    assert config.training.train_steps == 30  # --set beats the environment, the file and the profile
    assert config.tuning.trials == 5  # the environment beats the file
    assert config.split.eval_buckets == 2  # the file beats the profile
    # Sections merge key by key: untouched siblings keep the profile's values.
    assert config.training.eval_steps == 5
    assert config.split.train_buckets == 4
    assert config.tuning.enabled is True


def test_each_layer_alone_overrides_the_profile(tmp_path):
    assert load_config(environ={}).training.train_steps == 300
    config_file = write_yaml(tmp_path / "c.yaml", {"training": {"train_steps": 11}})
    assert load_config(config_file=config_file, environ={}).training.train_steps == 11
    assert load_config(environ={"VTX_TRAINING__TRAIN_STEPS": "12"}).training.train_steps == 12
    assert load_config(overrides=["training.train_steps=13"], environ={}).training.train_steps == 13


def test_config_file_and_profile_can_come_from_the_environment(tmp_path):
    config_file = write_yaml(tmp_path / "c.yaml", {"tuning": {"trials": 7}})

    config = load_config(environ={"VTX_CONFIG": config_file, "VTX_PROFILE": "local"})

    assert config.tuning.trials == 7
    assert config.profile == "local"


def test_explicit_arguments_beat_the_environment_for_profile_and_config_file(tmp_path):
    from_env = write_yaml(tmp_path / "env.yaml", {"tuning": {"trials": 7}})
    explicit = write_yaml(tmp_path / "explicit.yaml", {"tuning": {"trials": 8}})

    config = load_config(profile="local", config_file=explicit, environ={"VTX_CONFIG": from_env, "VTX_PROFILE": "x"})

    assert config.tuning.trials == 8


def test_values_are_parsed_as_yaml_scalars():
    config = load_config(
        overrides=[
            "tuning.enabled=false",
            "enable_cache=no",
            "schema_path=null",
            "evaluation.accuracy_threshold=0.75",
            "evaluation.beat_most_common_class=off",
        ],
        environ={},
    )

    assert config.tuning.enabled is False
    assert config.enable_cache is False
    assert config.schema_path is None
    assert config.evaluation.accuracy_threshold == 0.75
    assert config.evaluation.beat_most_common_class is False


def test_environment_variables_nest_on_double_underscores_and_skip_run_context_variables():
    environ = {
        "VTX_ENABLE_CACHE": "false",
        "VTX_BEAM__DIRECT_NUM_WORKERS": "3",
        "VTX_PIPELINE_RUN_ID": "20250101-000000-000",
        "VTX_GIT_COMMIT": "abc",
        "VTX_DATA_FINGERPRINT": "123",
        "HOME": "/somewhere",
    }

    assert env_overrides(environ) == {"enable_cache": False, "beam": {"direct_num_workers": 3}}
    config = load_config(environ=environ)
    assert config.enable_cache is False
    assert config.beam.direct_num_workers == 3


def test_parse_overrides_builds_a_nested_tree():
    assert parse_overrides(["a.b=1", "a.c=x", "d=[1, 2]"], "--set") == {"a": {"b": 1, "c": "x"}, "d": [1, 2]}


def test_an_empty_config_file_changes_nothing(tmp_path):
    config_file = write_yaml(tmp_path / "empty.yaml", "")

    assert load_config(config_file=config_file, environ={}) == load_config(environ={})


# ---------------------------------------------------------------- paths


def test_relative_paths_in_a_config_file_resolve_against_its_folder(tmp_path):
    folder = tmp_path / "settings" / "team"
    (folder / "code" / "modules").mkdir(parents=True)
    (folder / "code" / "modules" / "dataset.yaml").write_text((PROJECT_ROOT / "modules" / "dataset.yaml").read_text())
    config_file = write_yaml(
        folder / "vtx.yaml",
        {
            "data_root": "my-data",
            "output_root": "../runs",
            "schema_path": "schemas/penguins.pbtxt",
            "modules": {"package_dir": "code/modules"},
        },
    )

    config = load_config(config_file=config_file, environ={})

    assert config.data_root == str(folder / "my-data")
    assert config.output_root == str(tmp_path / "settings" / "runs")
    assert config.schema_path == str(folder / "schemas" / "penguins.pbtxt")
    assert config.modules.package_dir == str(folder / "code" / "modules")


def test_uris_and_absolute_paths_in_a_config_file_stay_as_they_are(tmp_path):
    config_file = write_yaml(
        tmp_path / "vtx.yaml", {"data_root": "gs://bucket/penguins", "output_root": str(tmp_path / "out")}
    )

    config = load_config(config_file=config_file, environ={})

    assert config.data_root == "gs://bucket/penguins"
    assert config.output_root == str(tmp_path / "out")


def test_relative_paths_from_flags_and_environment_resolve_against_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    config = load_config(overrides=["data_root=flag-data"], environ={"VTX_OUTPUT_ROOT": "env-out"})

    assert config.data_root == str(tmp_path / "flag-data")
    assert config.output_root == str(tmp_path / "env-out")


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["trainingg.train_steps=5"], "unknown key 'trainingg'"),
        (["training.train_stepz=5"], "unknown key 'training.train_stepz'"),
        (["training.train_steps=abc"], "'training.train_steps'"),
        (["training.train_steps=1.5"], "'training.train_steps'"),
        (["tuning.enabled=maybe"], "'tuning.enabled'"),
        (["split.train_buckets=0"], "'split.train_buckets'"),
        (["split.eval_buckets=101"], "'split.eval_buckets'"),
        (["evaluation.accuracy_threshold=1.5"], "'evaluation.accuracy_threshold'"),
        (["beam.direct_running_mode=threads"], "'beam.direct_running_mode'"),
        (["pipeline_name=Has Spaces"], "'pipeline_name'"),
        (["modules.run_fn=run_fn"], "'modules.run_fn'"),
        (["label_column="], "'label_column' is None in --set"),
        (["data_root=  "], "'data_root'"),
        (["training=5"], "'training'"),
    ],
)
def test_bad_flags_raise_config_error_naming_the_key(overrides, expected):
    with pytest.raises(ConfigError) as error:
        load_config(overrides=overrides, environ={})

    message = str(error.value)
    assert expected in message
    assert "\n" not in message.strip(), "one setting error should be one line"


def test_out_of_range_error_says_the_bound_and_the_value():
    with pytest.raises(ConfigError, match=r"'split\.train_buckets'.*greater than or equal to 1.*got 0"):
        load_config(overrides=["split.train_buckets=0"], environ={})


@pytest.mark.parametrize("item", ["training.train_steps", "=5", " =5"])
def test_a_flag_without_key_or_equals_sign_is_rejected(item):
    with pytest.raises(ConfigError, match="must look like key=value"):
        load_config(overrides=[item], environ={})


def test_bad_environment_variable_names_its_key():
    with pytest.raises(ConfigError, match="'training.train_steps'"):
        load_config(environ={"VTX_TRAINING__TRAIN_STEPS": "many"})


def test_unknown_key_in_a_config_file_is_named(tmp_path):
    config_file = write_yaml(tmp_path / "c.yaml", {"training": {"steps": 5}})

    with pytest.raises(ConfigError, match="unknown key 'training.steps'"):
        load_config(config_file=config_file, environ={})


def test_unknown_profile_names_it_and_the_choices():
    with pytest.raises(ConfigError, match="unknown profile 'vertex-prod'; choose one of: .*local"):
        load_config(profile="vertex-prod", environ={})
    with pytest.raises(ConfigError, match="unknown profile 'nope'"):
        load_config(environ={"VTX_PROFILE": "nope"})


def test_missing_config_file_is_named(tmp_path):
    missing = tmp_path / "missing.yaml"

    with pytest.raises(ConfigError, match=f"cannot read config file {missing}"):
        load_config(config_file=str(missing), environ={})


def test_a_folder_as_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=f"cannot read config file {tmp_path}"):
        load_config(config_file=str(tmp_path), environ={})


def test_invalid_yaml_is_named(tmp_path):
    config_file = write_yaml(tmp_path / "broken.yaml", "training: [1, 2\n")

    with pytest.raises(ConfigError, match=f"config file {config_file} is not valid YAML"):
        load_config(config_file=config_file, environ={})


@pytest.mark.parametrize("text", ["- a\n- b\n", "42\n", "just a string\n"])
def test_a_config_file_that_is_not_a_mapping_is_named(tmp_path, text):
    config_file = write_yaml(tmp_path / "list.yaml", text)

    with pytest.raises(ConfigError, match=f"config file {config_file} must be a mapping"):
        load_config(config_file=config_file, environ={})


def test_config_error_is_a_value_error_without_a_pydantic_chain():
    with pytest.raises(ConfigError) as error:
        load_config(overrides=["training.train_steps=abc"], environ={})

    assert isinstance(error.value, ValueError)
    assert error.value.__cause__ is None
    assert error.value.__suppress_context__


def test_config_is_frozen():
    config = load_config(environ={})

    with pytest.raises(ValueError, match="frozen"):
        config.training.train_steps = 1  # type: ignore[misc]


# ---------------------------------------------------------------- consistency with modules/


def test_evaluation_keys_match_the_feature_vocabulary_of_modules():
    config = load_config(environ={})

    assert config.label_column == features.LABEL_KEY
    assert config.evaluation.label_key == features.transformed_name(features.LABEL_KEY)
    assert config.evaluation.slice_features
    assert set(config.evaluation.slice_features) <= set(features.CATEGORICAL_FEATURES)


def test_curated_schema_covers_every_model_feature_and_the_label():
    config = load_config(environ={})
    schema = text_format.Parse(Path(config.schema_path).read_text(), schema_pb2.Schema())
    by_name = {feature.name: feature for feature in schema.feature}

    assert set(features.feature_keys()) | {features.LABEL_KEY} <= set(by_name)
    for key in features.NUMERIC_FEATURES:
        assert by_name[key].type in (schema_pb2.INT, schema_pb2.FLOAT), key
    for key in [*features.CATEGORICAL_FEATURES, features.LABEL_KEY]:
        assert by_name[key].type == schema_pb2.BYTES, key


def test_the_profile_header_of_the_data_has_the_label_and_every_feature():
    config = load_config(environ={})
    header = Path(config.data_root, "penguins.csv").read_text().splitlines()[0].split(",")

    assert config.label_column in header
    assert set(features.feature_keys()) <= set(header)


# ---------------------------------------------------------------- the dataset definition decides


def test_the_dataset_definition_decides_the_label_slices_and_names():
    config = load_config(environ={})

    assert config.dataset.name == "penguins"
    assert config.pipeline_name == "vertex-tfx-penguins"
    assert config.label_column == "species"
    assert config.evaluation.label_key == "species_xf"
    assert config.evaluation.slice_features == ["island", "sex"]
    assert config.schedule.training.display_name == "vertex-tfx-penguins-training"
    assert config.serving_dir == str(PROJECT_ROOT / "outputs" / "local" / "serving_model" / "penguins")


@pytest.mark.parametrize(
    "override",
    [
        "label_column=island",
        "evaluation.label_key=island_xf",
        "evaluation.slice_features=[island]",
        "pipeline_name=vertex-tfx-other",
        "schedule.training.display_name=training",
    ],
)
def test_a_setting_that_contradicts_the_dataset_definition_is_one_error_naming_both(override):
    key = override.split("=")[0]

    with pytest.raises(ConfigError) as error:
        load_config(overrides=[override], environ={})

    message = str(error.value)
    assert message.startswith(f"'{key}' is ") and "in --set, but " in message and "dataset.yaml makes it" in message
    assert "\n" not in message


def test_a_config_file_that_restates_the_derived_values_is_accepted(tmp_path):
    config_file = write_yaml(tmp_path / "c.yaml", {"label_column": "species", "pipeline_name": "vertex-tfx-penguins"})

    assert load_config(config_file=config_file, environ={}).label_column == "species"


def test_a_contradiction_names_the_layer_it_came_from(tmp_path):
    config_file = write_yaml(tmp_path / "c.yaml", {"evaluation": {"label_key": "species"}})

    with pytest.raises(ConfigError, match=r"'evaluation.label_key' is 'species' in config file .*c\.yaml, but "):
        load_config(config_file=config_file, environ={})
    with pytest.raises(ConfigError, match=r"in environment variable VTX_LABEL_COLUMN, but"):
        load_config(environ={"VTX_LABEL_COLUMN": "island"})


def test_the_vertex_model_and_endpoint_names_follow_the_dataset():
    overrides = [
        "data_root=gs://bucket/data",
        "vertex.project=my-project",
        "vertex.region=europe-west4",
        "vertex.pipeline_root=gs://bucket/root",
        "vertex.image=europe-west4-docker.pkg.dev/p/r/vertex-tfx:1",
    ]
    config = load_config(profile="vertex", overrides=overrides, environ={})

    assert config.vertex.pusher.model_display_name == "vertex-tfx-penguins"
    # Each release stage's endpoint follows the pipeline's name; production keeps the name pushes used before.
    names = {
        stage: config.release.endpoint_display_name(stage, config.pipeline_name) for stage in config.release.stages
    }
    assert names == {"staging": "vertex-tfx-penguins-staging", "production": "vertex-tfx-penguins"}
    with pytest.raises(ConfigError, match="'vertex.pusher.model_display_name' is 'shop' in --set"):
        load_config(profile="vertex", overrides=[*overrides, "vertex.pusher.model_display_name=shop"], environ={})
    named = load_config(
        profile="vertex", overrides=[*overrides, "release.stages.staging.endpoint_display_name=shop"], environ={}
    )
    assert named.release.endpoint_display_name("staging", named.pipeline_name) == "shop"


def test_the_dataset_is_not_a_setting():
    with pytest.raises(ConfigError, match=r"^'dataset' in --set is not a setting: the dataset is defined in .*"):
        load_config(overrides=["dataset.label=island"], environ={})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, r"no dataset definition .*dataset\.yaml; write one with `vtx init --data DIR --label COLUMN`"),
        ("name: [", r"dataset\.yaml is not valid YAML"),
        ("- a\n", r"dataset\.yaml must be a mapping"),
        ("name: Titanic\nlabel: s\nfeatures: {numeric: [a]}\n", r"dataset\.yaml: name: String should match"),
        ("name: t1\nlabel: s\nfeatures: {}\n", r"dataset\.yaml: features: name at least one numeric, categ"),
        ("name: t1\nlabel: s\nfeatures: {numeric: [a, s]}\n", r"column 's' is named twice: as label and in"),
        ("name: t1\nlabel: s\nfeatures: {numeric: [a]}\nslices: [b]\n", r"slices: 'b' is not a column named here"),
        ("name: t1\nlabel: s\nfeatures: {numeric: [a]}\nsplit_key: s\n", r"split_key: the label cannot decide"),
        ("name: t1\nlabel: s\nfeatures: {numeric: [a]}\ncolour: red\n", r"dataset\.yaml: colour: unknown key"),
    ],
    ids=["missing", "not-yaml", "not-a-mapping", "bad-name", "no-feature", "twice", "slice", "split-key", "unknown"],
)
def test_a_bad_dataset_definition_is_one_error_naming_the_file_and_key(tmp_path, text, expected):
    if text is not None:
        (tmp_path / "dataset.yaml").write_text(text)

    with pytest.raises(ConfigError, match=expected) as error:
        load_config(overrides=[f"modules.package_dir={tmp_path}"], environ={})

    assert "\n" not in str(error.value)
