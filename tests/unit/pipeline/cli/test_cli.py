"""Unit tests of the vtx command line: help text and one clear error line for bad settings or bad input data."""

import subprocess
from pathlib import Path

import pytest
import yaml

from pipeline.config import PROJECT_ROOT

pytestmark = pytest.mark.unit


def error_lines(result: subprocess.CompletedProcess) -> list:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error:")]


def assert_one_clean_error(result: subprocess.CompletedProcess, *expected: str) -> str:
    """Exit code != 0, exactly one 'Error:' line containing every `expected` text, and no traceback."""
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output, output
    lines = error_lines(result)
    assert len(lines) == 1, output
    for text in expected:
        assert text in lines[0], output
    return lines[0]


# ---------------------------------------------------------------- help


def test_top_level_help_lists_commands_and_examples(vtx):
    result = vtx("--help")

    assert result.returncode == 0, result.stderr
    assert "Examples" in result.stdout
    assert "run" in result.stdout
    assert "config" in result.stdout


def test_run_help_shows_examples_and_options(vtx):
    result = vtx("run", "--help")

    assert result.returncode == 0, result.stderr
    assert "Examples" in result.stdout
    for option in ("--data", "--output", "--trials", "--no-tuning", "--no-cache", "--set", "--profile", "--config"):
        assert option in result.stdout


# ---------------------------------------------------------------- bad settings


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--set", "training.train_stepz=5"], ["unknown key 'training.train_stepz'"]),
        (["--set", "training.train_steps=abc"], ["'training.train_steps'", "abc"]),
        (["--set", "split.train_buckets=0"], ["'split.train_buckets'"]),
        (["--set", "training.train_steps"], ["'training.train_steps'", "key=value"]),
        (["--profile", "nope"], ["unknown profile 'nope'", "local"]),
        (["--config", "missing.yaml"], ["cannot read config file", "missing.yaml"]),
        (["--trials", "0"], ["--trials"]),
    ],
    ids=["unknown-key", "bad-value", "out-of-range", "no-equals", "unknown-profile", "missing-config", "bad-trials"],
)
def test_bad_settings_give_one_error_line(vtx, tmp_path, penguin_folder, args, expected):
    output = tmp_path / "out"

    result = vtx("run", "--data", str(penguin_folder), "--output", str(output), *args)

    assert_one_clean_error(result, *expected)
    assert not output.exists(), "a run that fails on its settings must not start"


def test_bad_environment_setting_gives_one_error_line(vtx, tmp_path, penguin_folder):
    result = vtx(
        "run", "--data", str(penguin_folder), "--output", str(tmp_path / "out"), env={"VTX_TUNING__TRIALS": "lots"}
    )

    assert_one_clean_error(result, "'tuning.trials'", "lots")


def test_config_command_also_reports_bad_settings(vtx):
    assert_one_clean_error(vtx("config", "--set", "beam.direct_running_mode=warp"), "'beam.direct_running_mode'")


# ---------------------------------------------------------------- bad input data


def make_data(root: Path, case: str, penguins) -> Path:
    """A data folder that is bad in the way `case` names."""
    header, rows = penguins.header, penguins.rows
    folder = root / case
    if case == "missing-folder":
        return folder
    folder.mkdir()
    csv = folder / "penguins.csv"
    if case == "no-csv":
        (folder / "penguins.txt").write_text(header + "\n" + rows[0] + "\n")
    elif case == "empty-csv":
        csv.write_text("")
    elif case == "header-only":
        csv.write_text(header + "\n")
    elif case == "no-label":
        header = header.replace("species,", "")
        rows = [row.split(",", 1)[1] for row in rows]
        csv.write_text("\n".join([header, *rows]) + "\n")
    elif case == "different-headers":
        csv.write_text("\n".join([header, *rows]) + "\n")
        (folder / "more.csv").write_text(header.replace("year", "yr") + "\n" + rows[0] + "\n")
    elif case == "not-utf8":
        csv.write_bytes((header + "\n" + "Adelie,Tórgersen,39.1,18.7,181,3750,male,2007\n").encode("latin-1"))
    else:
        raise AssertionError(case)
    return folder


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing-folder", ["missing-folder", "does not exist"]),
        ("no-csv", ["no-csv", "no .csv file"]),
        ("empty-csv", ["penguins.csv", "is empty"]),
        ("header-only", ["penguins.csv", "no data rows"]),
        ("no-label", ["penguins.csv", "dataset.yaml names column 'species', which", "its header: island,"]),
        ("different-headers", ["more.csv", "different header"]),
        ("not-utf8", ["penguins.csv", "line 2: not UTF-8"]),
    ],
)
def test_bad_data_gives_one_error_line_before_anything_runs(vtx, tmp_path, penguin_csv, case, expected):
    data = make_data(tmp_path, case, penguin_csv)
    output = tmp_path / "out"

    result = vtx("run", "--data", str(data), "--output", str(output))

    assert_one_clean_error(result, *expected)
    assert result.returncode == 2
    assert not output.exists(), "preflight failures must not create run outputs or logs"
    assert "vtx run " not in result.stdout, "the run must stop before it starts"


def test_data_errors_do_not_import_tensorflow_or_tfx(python, tmp_path, penguin_csv):
    """Every preflight failure is reported from a process that never imported TensorFlow or TFX."""
    cases = ["missing-folder", "no-csv", "empty-csv", "header-only", "no-label"]
    folders = [str(make_data(tmp_path, case, penguin_csv)) for case in cases]
    script = f"""
import sys
from pipeline.cli import main
codes = []
for folder in {folders!r}:
    try:
        main(["run", "--data", folder, "--output", {str(tmp_path / "out")!r}])
    except SystemExit as exit:
        codes.append(exit.code)
heavy = [name for name in ("tensorflow", "tfx", "apache_beam", "tensorflow_data_validation") if name in sys.modules]
print("codes", codes)
print("heavy", heavy)
"""
    result = python(script)

    assert result.returncode == 0, result.stderr
    assert f"codes {[2] * len(cases)}" in result.stdout, result.stdout + result.stderr
    assert "heavy []" in result.stdout, result.stdout
    assert len(error_lines(result)) == len(cases), result.stderr


# ---------------------------------------------------------------- vtx config


def test_config_prints_the_layered_settings_as_yaml(vtx, tmp_path):
    config_file = tmp_path / "vtx.yaml"
    config_file.write_text("training:\n  eval_steps: 9\ndata_root: my-data\n")

    result = vtx(
        "config",
        "--config",
        str(config_file),
        "--set",
        "training.train_steps=50",
        env={"VTX_TUNING__TRIALS": "5"},
    )

    assert result.returncode == 0, result.stderr
    printed = yaml.safe_load(result.stdout)
    assert printed["profile"] == "local"
    assert printed["training"] == {"train_steps": 50, "eval_steps": 9, "seed": 7}
    assert printed["dataset"]["name"] == "penguins" and printed["label_column"] == "species"
    assert printed["tuning"]["trials"] == 5
    assert printed["data_root"] == str(tmp_path / "my-data")
    assert printed["schema_path"] == str(PROJECT_ROOT / "modules" / "schema.pbtxt")
