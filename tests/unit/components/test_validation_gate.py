"""Unit tests of components.validation_gate: readable anomalies, and an executor that stops the run on them."""

import json
import shutil
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2
from tfx.components.example_validator import executor as validator_executor
from tfx.types import artifact_utils, standard_artifacts, standard_component_specs

from components import validation_gate
from components.validation_gate import Executor, GatedExampleValidator, SchemaAnomaliesError, describe

pytestmark = pytest.mark.unit


@pytest.fixture
def anomalies_of(statistics_of, curated_schema):
    """DataFrame -> describe() of its anomalies against the curated schema."""

    def run(frame) -> Dict[str, List[str]]:
        return describe(tfdv.validate_statistics(statistics_of(frame), curated_schema))

    return run


# ---------------------------------------------------------------- describe() on real TFDV anomalies


def test_clean_penguins_have_no_anomalies(anomalies_of, penguins):
    assert anomalies_of(penguins) == {}


def test_a_missing_column_names_the_feature(anomalies_of, penguins):
    found = anomalies_of(penguins.drop(columns=["bill_length_mm"]))

    assert list(found) == ["bill_length_mm"]
    assert any("missing" in problem.lower() for problem in found["bill_length_mm"])


def test_a_string_in_a_numeric_column_names_the_feature_and_the_value(anomalies_of, penguins):
    penguins["bill_length_mm"] = penguins["bill_length_mm"].astype(str)
    penguins.loc[0, "bill_length_mm"] = "thirty-nine"

    found = anomalies_of(penguins)

    assert list(found) == ["bill_length_mm"]
    text = " ".join(found["bill_length_mm"])
    assert "FLOAT" in text
    assert "thirty-nine" in text


def test_an_unseen_category_at_a_high_fraction_names_the_feature_and_the_value(anomalies_of, penguins):
    atlantis = penguins.index[: int(len(penguins) * 0.3)]
    penguins.loc[atlantis, "island"] = "Atlantis"

    found = anomalies_of(penguins)

    assert list(found) == ["island"]
    assert any("Atlantis" in problem for problem in found["island"])


def test_a_few_unseen_categories_are_within_the_schema_tolerance(anomalies_of, penguins):
    penguins.loc[penguins.index[:3], "island"] = "Atlantis"  # < 1%, the schema allows 5%

    assert anomalies_of(penguins) == {}


def test_too_few_examples_is_a_dataset_anomaly(anomalies_of, penguins):
    found = anomalies_of(penguins.dropna().head(5).reset_index(drop=True))

    assert list(found) == ["(dataset)"]
    assert "5 examples" in found["(dataset)"][0]


def test_every_problem_is_a_short_and_a_long_description(anomalies_of, penguins):
    penguins.loc[penguins.index[:150], "sex"] = None

    found = anomalies_of(penguins)

    assert list(found) == ["sex"]
    for problem in found["sex"]:
        short, _, long = problem.partition(": ")
        assert short and long, problem


# ---------------------------------------------------------------- describe() on hand-made protos


def test_describe_falls_back_to_the_info_descriptions_without_reasons():
    anomalies = anomalies_pb2.Anomalies()
    info = anomalies.anomaly_info["island"]
    info.short_description = "Odd island"
    info.description = "Something is odd."
    reasoned = anomalies.anomaly_info["sex"]
    reasoned.reason.add(short_description="First", description="one")
    reasoned.reason.add(short_description="Second", description="two")

    assert describe(anomalies) == {"island": ["Odd island: Something is odd."], "sex": ["First: one", "Second: two"]}


def test_describe_of_no_anomalies_is_empty():
    assert describe(anomalies_pb2.Anomalies()) == {}


# ---------------------------------------------------------------- SchemaAnomaliesError


def test_error_message_names_every_split_feature_and_problem():
    error = SchemaAnomaliesError(
        {
            "train": {"island": ["Unexpected string values: Atlantis"], "(dataset)": ["Low num examples"]},
            "eval": {"bill_length_mm": ["Column dropped: missing", "Other: more"]},
        }
    )

    lines = str(error).splitlines()
    assert "nothing downstream ran" in lines[0]
    assert lines[1:] == [
        "  [eval] bill_length_mm: Column dropped: missing",
        "  [eval] bill_length_mm: Other: more",
        "  [train] (dataset): Low num examples",
        "  [train] island: Unexpected string values: Atlantis",
    ]
    assert error.anomalies["train"]["island"] == ["Unexpected string values: Atlantis"]
    assert isinstance(error, RuntimeError)


# ---------------------------------------------------------------- the Executor on fake artifacts


@pytest.fixture
def run_gate(tmp_path: Path, schema_path: Path, statistics_of):
    """Writes one statistics split per DataFrame into fake artifacts and runs the gate's Executor on them."""
    runs = []

    def run(splits: Dict[str, object], executor: Optional[Executor] = None, limits: Optional[dict] = None):
        runs.append(len(runs) + 1)
        root = tmp_path / f"run-{runs[-1]}"
        statistics = standard_artifacts.ExampleStatistics()
        statistics.uri = str(root / "StatisticsGen" / "statistics" / "1")
        statistics.split_names = artifact_utils.encode_split_names(list(splits))
        for split, frame in splits.items():
            stats = frame if isinstance(frame, statistics_pb2.DatasetFeatureStatisticsList) else statistics_of(frame)
            split_dir = Path(statistics.uri, f"Split-{split}")
            split_dir.mkdir(parents=True)
            (split_dir / "FeatureStats.pb").write_bytes(stats.SerializeToString())
        schema = standard_artifacts.Schema()
        schema.uri = str(root / "SchemaGen" / "schema" / "2")
        Path(schema.uri).mkdir(parents=True)
        shutil.copy(schema_path, Path(schema.uri, "schema.pbtxt"))
        anomalies = standard_artifacts.ExampleAnomalies()
        anomalies.uri = str(root / "ExampleValidator" / "anomalies" / "3")
        result = (executor or Executor()).Do(
            {standard_component_specs.STATISTICS_KEY: [statistics], standard_component_specs.SCHEMA_KEY: [schema]},
            {standard_component_specs.ANOMALIES_KEY: [anomalies]},
            {
                standard_component_specs.EXCLUDE_SPLITS_KEY: "[]",
                **({validation_gate.VOLUME: json.dumps(limits)} if limits is not None else {}),
            },
        )
        return result, anomalies

    return run


def test_executor_passes_clean_statistics(run_gate, penguins):
    result, anomalies = run_gate({"train": penguins, "eval": penguins})

    assert result is not None
    assert artifact_utils.decode_split_names(anomalies.split_names) == ["train", "eval"]
    for split in ("train", "eval"):
        diff = anomalies_pb2.Anomalies.FromString(
            Path(anomalies.uri, f"Split-{split}", validator_executor.DEFAULT_FILE_NAME).read_bytes()
        )
        assert describe(diff) == {}


@pytest.mark.parametrize(
    ("spoil", "feature", "text"),
    [
        (lambda frame: frame.drop(columns=["bill_length_mm"]), "bill_length_mm", "missing"),
        (lambda frame: frame.assign(island=["Atlantis"] * 120 + list(frame["island"][120:])), "island", "Atlantis"),
        (lambda frame: frame.dropna().head(5).reset_index(drop=True), "(dataset)", "fewer than expected"),
    ],
    ids=["missing-column", "unseen-island", "too-few-examples"],
)
def test_executor_raises_naming_the_split_and_feature(run_gate, penguins, spoil, feature, text):
    with pytest.raises(SchemaAnomaliesError) as error:
        run_gate({"train": penguins, "eval": spoil(penguins)})

    assert list(error.value.anomalies) == ["eval"]
    assert list(error.value.anomalies["eval"]) == [feature]
    message = str(error.value)
    assert f"[eval] {feature}: " in message
    assert text in message
    assert "[train]" not in message


def test_executor_reports_every_bad_split_and_still_writes_the_anomalies(run_gate, penguins, tmp_path):
    with pytest.raises(SchemaAnomaliesError) as error:
        run_gate({"train": penguins.drop(columns=["sex"]), "eval": penguins.drop(columns=["year"])})

    assert error.value.anomalies.keys() == {"train", "eval"}
    assert "sex" in error.value.anomalies["train"]
    assert "year" in error.value.anomalies["eval"]
    diff = Path(
        tmp_path, "run-1", "ExampleValidator", "anomalies", "3", "Split-train", validator_executor.DEFAULT_FILE_NAME
    )
    assert "sex" in anomalies_pb2.Anomalies.FromString(diff.read_bytes()).anomaly_info


def test_one_executor_starts_fresh_on_every_run(run_gate, penguins):
    executor = Executor()
    with pytest.raises(SchemaAnomaliesError):
        run_gate({"train": penguins.drop(columns=["sex"])}, executor)

    result, _ = run_gate({"train": penguins}, executor)

    assert result is not None


@pytest.mark.parametrize("empty", ["empty-frame", "zero-examples-proto"])
def test_executor_stops_an_empty_split(run_gate, penguins, empty):
    if empty == "empty-frame":
        stats = penguins.iloc[:0]
    else:
        stats = statistics_pb2.DatasetFeatureStatisticsList()
        stats.datasets.add(num_examples=0)

    try:
        run_gate({"train": penguins, "eval": stats})
    except SchemaAnomaliesError as error:
        assert list(error.anomalies) == ["eval"]
        assert "(dataset)" in error.anomalies["eval"]
    else:
        raise AssertionError("an empty eval split passed the validation gate")


def test_gated_validator_uses_the_gate_executor():
    assert GatedExampleValidator.EXECUTOR_SPEC.executor_class is validation_gate.Executor
    assert issubclass(validation_gate.Executor, validator_executor.Executor)


def test_a_numeric_column_the_schema_reads_as_text_stops_the_run_naming_the_column(run_gate, penguins, tmp_path):
    """An inferred schema reads a numeric column with any text in it as strings; Transform would fail cryptically."""
    penguins["bill_length_mm"] = penguins["bill_length_mm"].astype(str)
    schema_uri = tmp_path / "inferred"
    schema_uri.mkdir()
    schema = tfdv.infer_schema(tfdv.generate_statistics_from_dataframe(penguins))
    (schema_uri / "schema.pbtxt").write_text(str(schema))

    found = validation_gate.text_in_numeric_columns(str(schema_uri), ["bill_length_mm", "body_mass_g"])

    assert list(found) == ["bill_length_mm"]
    assert found["bill_length_mm"][0].startswith("numeric in the dataset definition, but the data holds text in it")
    assert validation_gate.text_in_numeric_columns(str(schema_uri), ["body_mass_g"]) == {}


# ---------------------------------------------------------------- data volume: validation.min_rows and max_missing


def test_volume_problems_name_the_figure_and_the_limit(statistics_of, penguins):
    statistics = statistics_of(penguins)  # 344 rows; sex is missing in 11, bill_length_mm in 2
    limits = {"min_rows": {"eval": 400}, "max_missing": {"sex": 0.02, "bill_length_mm": 0.01, "island": 0.0}}
    assert validation_gate.volume_problems("eval", statistics, limits) == {
        "(dataset)": ["too few rows: 344, below validation.min_rows.eval = 400"],
        "sex": ["too many missing values: 3.2% (11 of 344 rows), above validation.max_missing.sex = 0.02"],
    }
    assert validation_gate.volume_problems("train", statistics, limits) == {
        "sex": ["too many missing values: 3.2% (11 of 344 rows), above validation.max_missing.sex = 0.02"],
    }
    assert validation_gate.volume_problems("eval", statistics, {"max_missing": {"beak": 0.1}}) == {
        "beak": ["not in the data, but validation.max_missing.beak names it"]
    }
    assert validation_gate.volume_problems("eval", statistics, {"min_rows": {"eval": 344}}) == {}


def test_a_split_below_min_rows_stops_the_run_naming_split_figure_and_limit(run_gate, penguins):
    small = penguins.dropna().head(60).reset_index(drop=True)
    limits = {"min_rows": {"train": 100, "eval": 20}, "max_missing": {}}
    with pytest.raises(SchemaAnomaliesError) as error:
        run_gate({"train": small, "eval": penguins}, limits=limits)
    assert error.value.anomalies == {
        "train": {"(dataset)": ["too few rows: 60, below validation.min_rows.train = 100"]}
    }
    assert "  [train] (dataset): too few rows: 60, below validation.min_rows.train = 100" in str(error.value)
    run_gate({"train": penguins, "eval": penguins}, limits=limits)  # 344 rows each: passes


def test_a_feature_missing_too_often_stops_the_run(run_gate, penguins):
    # 1 of 344 rows lacks body_mass_g already; 20 more make 6.1%, within the schema's 10% but over a 5% limit.
    penguins.loc[penguins.index[2:22], "body_mass_g"] = None
    with pytest.raises(SchemaAnomaliesError) as error:
        run_gate({"train": penguins, "eval": penguins}, limits={"max_missing": {"body_mass_g": 0.05}})
    expected = "too many missing values: 6.1% (21 of 344 rows), above validation.max_missing.body_mass_g = 0.05"
    assert error.value.anomalies == {split: {"body_mass_g": [expected]} for split in ("train", "eval")}
