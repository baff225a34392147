"""`vtx registry`: the table, one version, the URI alone, promote and rollback, and one-line errors."""

import json
from pathlib import Path

import pytest

from tests.unit.pipeline.registry.conftest import add_version

pytestmark = pytest.mark.unit


@pytest.fixture
def output(tmp_path: Path, record_push) -> Path:
    """An output_root with three pushed versions; ML Metadata knows the runs of the two newest."""
    serving = tmp_path / "serving_model" / "penguins"
    for version in ("1700000000", "1700000100", "1700000200"):
        add_version(serving, version)
    record_push("1700000100", "20231114-221940-001", fingerprint="5eed")
    record_push("1700000200", "20231114-222000-002", fingerprint="f00d")
    return tmp_path


def test_list_shows_each_version_newest_first_with_its_aliases_and_lineage(vtx, output):
    done = vtx("registry", "list", "--output", str(output))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines.pop(0) == f"Dataset penguins: {output / 'serving_model' / 'penguins'}"
    assert lines[0].split() == [
        "VERSION",
        "PUSHED",
        "(UTC)",
        "ALIASES",
        "BLESSED",
        "METRICS",
        "DATA",
        "PIPELINE",
        "RUN",
    ]
    assert lines[1].split() == ["1700000200", "2023-11-14", "22:16:40", "production,latest", "yes", "-", "f00d"] + [
        "20231114-222000-002"
    ]
    assert lines[3].split() == ["1700000000", "2023-11-14", "22:13:20", "-", "yes", "-", "-", "-"]
    assert done.stderr == ""


def test_list_json_and_show_describe_the_same_version(vtx, output):
    listed = json.loads(vtx("registry", "list", "--output", str(output), "--json").stdout)
    assert [v["version"] for v in listed] == ["1700000200", "1700000100", "1700000000"]
    shown = json.loads(vtx("registry", "show", "latest", "--output", str(output), "--json").stdout)
    assert shown == listed[0]
    assert shown["uri"] == str((output / "serving_model" / "penguins" / "1700000200").resolve())
    text = vtx("registry", "show", "1700000100", "--output", str(output)).stdout
    assert "pipeline run     20231114-221940-001" in text and "data fingerprint 5eed" in text


def test_promote_then_rollback_moves_production_and_resolve_follows(vtx, output):
    resolve = lambda: vtx("registry", "resolve", "production", "--output", str(output)).stdout.strip()  # noqa: E731
    assert resolve() == str((output / "serving_model" / "penguins" / "1700000200").resolve())
    promoted = vtx("registry", "promote", "1700000000", "--output", str(output))
    assert promoted.returncode == 0, promoted.stderr
    assert promoted.stdout.startswith("Promoted: production is now version 1700000000 (was 1700000200)")
    assert resolve() == str((output / "serving_model" / "penguins" / "1700000000").resolve())
    rolled = vtx("registry", "rollback", "--output", str(output))
    assert rolled.stdout.startswith("Rolled back: production is now version 1700000200 (was 1700000000)")
    assert resolve().endswith("/1700000200")


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ("resolve", "canary"),
            "Error: no version 'canary' in .*; choose production, staging, latest or a version: 1700000200",
        ),
        (("promote", "42"), "Error: no version '42' in "),
        (("show", "1"), "Error: no version '1' in "),
    ],
)
def test_unknown_versions_are_one_line_and_status_2(vtx, output, args, message):
    import re

    done = vtx("registry", *args, "--output", str(output))
    assert done.returncode == 2
    assert re.fullmatch(message + ".*\n", done.stderr)
    assert done.stdout == ""


def test_an_empty_registry_says_so(vtx, tmp_path):
    listed = vtx("registry", "list", "--output", str(tmp_path))
    assert listed.returncode == 0 and listed.stdout.splitlines()[1].startswith("No model version yet")
    resolved = vtx("registry", "resolve", "production", "--output", str(tmp_path))
    assert resolved.returncode == 2
    assert (
        resolved.stderr
        == f"Error: the registry at {tmp_path}/serving_model/penguins has no model version yet; `vtx run` pushes one\n"
    )


def test_a_corrupted_alias_file_is_one_line_and_status_2(vtx, output):
    (output / "serving_model" / "penguins" / ".registry").mkdir()
    (output / "serving_model" / "penguins" / ".registry" / "aliases.json").write_text("{")
    done = vtx("registry", "rollback", "--output", str(output))
    assert done.returncode == 2
    assert done.stderr.startswith("Error: the alias file ") and "is corrupted (not JSON" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_models_of_two_datasets_in_one_output_root_are_listed_apart(vtx, output):
    add_version(output / "serving_model" / "titanic", "1700000300")

    penguins = vtx("registry", "list", "--output", str(output))
    titanic = vtx("registry", "list", "--output", str(output), "--dataset", "titanic", "--json")

    assert penguins.returncode == 0, penguins.stderr
    assert "1700000300" not in penguins.stdout
    assert penguins.stdout.splitlines()[-1] == "Other datasets here: titanic (vtx registry list --dataset NAME)"
    assert [(v["dataset"], v["version"], v["aliases"]) for v in json.loads(titanic.stdout)] == [
        ("titanic", "1700000300", ["production", "latest"])
    ]


def test_a_rollback_never_reaches_another_datasets_model(vtx, output):
    add_version(output / "serving_model" / "titanic", "1700000300")

    done = vtx("registry", "rollback", "--output", str(output), "--dataset", "titanic")

    assert done.returncode == 2
    assert done.stderr.startswith("Error: version 1700000300 is the only production version ")
