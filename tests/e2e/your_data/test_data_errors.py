"""End to end: bad settings and bad data around a dataset are one clear line each, before anything runs."""

from pathlib import Path

import pytest

from pipeline.config import PROJECT_ROOT
from tests.builders.pipeline_runs import corrupt_data
from tests.builders.project_copy import shell

pytestmark = pytest.mark.e2e


def one_line(done, output: Path) -> str:
    """The single error line of a failed `vtx run` that created nothing."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1, done.stderr
    assert not output.exists(), "nothing ran"
    return done.stderr.strip()


def test_a_setting_that_contradicts_the_dataset_definition(tmp_path):
    output = tmp_path / "out"

    line = one_line(shell(PROJECT_ROOT, f".venv/bin/vtx run --output {output} --set label_column=Age"), output)

    assert line == (
        f"Error: 'label_column' is 'Age' in --set, but {PROJECT_ROOT / 'modules' / 'dataset.yaml'} makes it "
        "'species'; the dataset definition decides it: edit that file, and drop the setting"
    )


def test_a_typo_in_the_dataset_definition_names_the_missing_column_and_the_header(tmp_path):
    modules = tmp_path / "modules"
    modules.mkdir()
    text = (PROJECT_ROOT / "modules" / "dataset.yaml").read_text()
    (modules / "dataset.yaml").write_text(text.replace("numeric: [bill_length_mm,", "numeric: [bill_lenght_mm,"))
    output = tmp_path / "out"

    done = shell(PROJECT_ROOT, f".venv/bin/vtx run --output {output} --set modules.package_dir={modules}")

    csv = PROJECT_ROOT / "data" / "penguins.csv"
    assert one_line(done, output) == (
        f"Error: {modules / 'dataset.yaml'} names column 'bill_lenght_mm', which {csv} does not have; "
        "its header: species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g,"
        " sex, year"
    )


def test_text_in_a_numeric_column_with_an_inferred_schema_names_the_column_and_file(tmp_path):
    data = corrupt_data(tmp_path / "data")
    output = tmp_path / "out"

    done = shell(PROJECT_ROOT, f".venv/bin/vtx run --output {output} --data {data} --set schema_path=null")

    line = one_line(done, output)
    assert line.startswith(f"Error: {data / 'penguins.csv'} line 2: column 'bill_length_mm' is numeric in ")
    assert (
        "but holds 'long'; with an inferred schema (schema_path: null) the whole column would be read as text" in line
    )
    assert line.endswith("review a schema (modules/schema.pbtxt, schema_path) so that ExampleValidator stops such rows")
