"""Unit tests of components.curated_schema: the reviewed schema file becomes the Schema artifact."""

from pathlib import Path

import pytest
from tfx.types import standard_artifacts
from tfx.utils import io_utils

from components.curated_schema import SCHEMA_FILE_NAME, CuratedSchema

pytestmark = pytest.mark.unit


def run(schema_file: str, output: Path) -> standard_artifacts.Schema:
    schema = standard_artifacts.Schema()
    schema.uri = str(output)
    output.mkdir(parents=True, exist_ok=True)
    CuratedSchema.EXECUTOR_SPEC.executor_class().Do(
        {}, {"schema": [schema]}, {"schema_file": schema_file, "fingerprint": "not-used"}
    )
    return schema


def test_the_schema_file_is_copied_into_the_artifact_as_tfx_reads_it(tmp_path, schema_path):
    schema = run(str(schema_path), tmp_path / "SchemaGen" / "schema" / "1")

    copied = Path(schema.uri, SCHEMA_FILE_NAME)
    assert copied.read_bytes() == schema_path.read_bytes()
    # The ExampleValidator, Transform and Trainer read the artifact's only file.
    assert io_utils.get_only_uri_in_dir(schema.uri) == str(copied)
    parsed = io_utils.SchemaReader().read(str(copied))
    assert {feature.name for feature in parsed.feature} >= {"species", "island", "bill_length_mm"}


def test_a_rerun_overwrites_the_previous_copy(tmp_path, schema_path):
    output = tmp_path / "schema"
    first = tmp_path / "first.pbtxt"
    first.write_text('feature { name: "old" type: INT }\n')
    run(str(first), output)

    run(str(schema_path), output)

    assert Path(output, SCHEMA_FILE_NAME).read_bytes() == schema_path.read_bytes()


def test_a_missing_schema_file_is_named(tmp_path):
    missing = tmp_path / "nowhere" / "schema.pbtxt"

    with pytest.raises(FileNotFoundError, match=f"Curated schema {missing} does not exist"):
        run(str(missing), tmp_path / "schema")


def test_the_fingerprint_is_an_execution_parameter_so_edits_bust_the_cache():
    one = CuratedSchema(schema_file="/schema.pbtxt", fingerprint="aaa")
    two = CuratedSchema(schema_file="/schema.pbtxt", fingerprint="bbb")

    assert one.exec_properties["fingerprint"] != two.exec_properties["fingerprint"]
    assert set(one.outputs) == {"schema"}
    assert one.outputs["schema"].type is standard_artifacts.Schema
