"""Unit tests of pipeline.local.preflight.check_data: which data folders pass, and what the message says when not."""

from pathlib import Path

import pytest

from pipeline.config.loader import load_config
from pipeline.local.preflight import InputDataError, check_data

pytestmark = pytest.mark.unit


def config_for(data: Path):
    return load_config(overrides=[f"data_root={data}"], environ={})


def test_a_good_folder_returns_its_csv_files_sorted(penguin_folder, penguin_csv):
    (penguin_folder / "more.csv").write_text(penguin_csv.text())
    (penguin_folder / "README.md").write_text("# notes\n")

    assert check_data(config_for(penguin_folder)) == [penguin_folder / "more.csv", penguin_folder / "penguins.csv"]


def test_the_project_data_passes():
    files = check_data(load_config(environ={}))

    assert [path.name for path in files] == ["penguins.csv"]


def test_windows_line_endings_pass(tmp_path, penguin_csv):
    (tmp_path / "penguins.csv").write_bytes(penguin_csv.text().replace("\n", "\r\n").encode())

    assert check_data(config_for(tmp_path)) == [tmp_path / "penguins.csv"]


def test_a_remote_data_root_is_left_to_the_pipeline():
    assert check_data(load_config(overrides=["data_root=gs://bucket/penguins"], environ={})) == []


def test_the_label_column_comes_from_the_config(penguin_folder):
    config = load_config(overrides=[f"data_root={penguin_folder}", "label_column=island"], environ={})
    assert check_data(config)

    config = load_config(overrides=[f"data_root={penguin_folder}", "label_column=kind"], environ={})
    with pytest.raises(InputDataError, match=r"no label column 'kind' \(columns: species, island, "):
        check_data(config)


def test_a_utf8_file_with_a_byte_order_mark_passes(tmp_path, penguin_csv):
    (tmp_path / "penguins.csv").write_bytes(b"\xef\xbb\xbf" + penguin_csv.text().encode())

    assert check_data(config_for(tmp_path)) == [tmp_path / "penguins.csv"]
