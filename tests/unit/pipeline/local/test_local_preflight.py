"""Unit tests of pipeline.local.preflight.check_data: which data folders pass, and what the message says when not."""

from pathlib import Path

import pytest

from pipeline.config import PROJECT_ROOT
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


def modules_with(tmp_path: Path, edit) -> Path:
    """A modules folder whose dataset.yaml is the project's, edited."""
    folder = tmp_path / "modules"
    folder.mkdir()
    text = (PROJECT_ROOT / "modules" / "dataset.yaml").read_text()
    (folder / "dataset.yaml").write_text(edit(text))
    return folder


def test_a_typo_in_the_dataset_definition_names_the_column_and_the_header(tmp_path, penguin_folder):
    modules = modules_with(tmp_path, lambda text: text.replace("label: species", "label: Species"))
    config = load_config(overrides=[f"data_root={penguin_folder}", f"modules.package_dir={modules}"], environ={})

    with pytest.raises(InputDataError) as error:
        check_data(config)

    assert str(error.value) == (
        f"{modules / 'dataset.yaml'} names column 'Species', which {penguin_folder / 'penguins.csv'} does not have; "
        "its header: species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year"
    )


def test_with_an_inferred_schema_a_column_the_definition_does_not_name_is_one_line_saying_where_it_goes(
    tmp_path, penguin_folder
):
    modules = modules_with(tmp_path, lambda text: text.replace("ignored: [year]", "ignored: []"))
    overrides = [f"data_root={penguin_folder}", f"modules.package_dir={modules}", "schema_path=null"]
    config = load_config(overrides=overrides, environ={})

    with pytest.raises(InputDataError, match=r"penguins\.csv has column 'year', which .*dataset\.yaml does not name; "):
        check_data(config)


def test_with_a_reviewed_schema_a_column_the_definition_does_not_name_is_left_to_example_validator(
    tmp_path, penguin_folder
):
    modules = modules_with(tmp_path, lambda text: text.replace("ignored: [year]", "ignored: []"))
    config = load_config(overrides=[f"data_root={penguin_folder}", f"modules.package_dir={modules}"], environ={})

    assert config.schema_path is not None
    assert check_data(config) == [penguin_folder / "penguins.csv"]


def text_in_a_numeric_column(folder: Path, penguin_csv) -> Path:
    rows = list(penguin_csv.rows)
    cells = rows[2].split(",")
    cells[2] = "long"
    rows[2] = ",".join(cells)
    folder.mkdir()
    (folder / "penguins.csv").write_text("\n".join([penguin_csv.header, *rows]) + "\n")
    return folder


def test_text_in_a_numeric_column_with_an_inferred_schema_names_the_file_line_and_column(tmp_path, penguin_csv):
    data = text_in_a_numeric_column(tmp_path / "data", penguin_csv)
    config = load_config(overrides=[f"data_root={data}", "schema_path=null"], environ={})

    with pytest.raises(InputDataError) as error:
        check_data(config)

    message = str(error.value)
    assert message.startswith(f"{data / 'penguins.csv'} line 4: column 'bill_length_mm' is numeric in ")
    assert (
        "but holds 'long'; with an inferred schema (schema_path: null) the whole column would be read as text"
        in message
    )
    assert "\n" not in message


def test_text_in_a_numeric_column_with_the_reviewed_schema_is_left_to_example_validator(tmp_path, penguin_csv):
    data = text_in_a_numeric_column(tmp_path / "data", penguin_csv)

    assert check_data(config_for(data)) == [data / "penguins.csv"]


def test_a_utf8_file_with_a_byte_order_mark_passes(tmp_path, penguin_csv):
    (tmp_path / "penguins.csv").write_bytes(b"\xef\xbb\xbf" + penguin_csv.text().encode())

    assert check_data(config_for(tmp_path)) == [tmp_path / "penguins.csv"]


def test_a_problem_past_the_first_8_kb_is_named_with_file_and_line(tmp_path, penguin_csv):
    rows = penguin_csv.rows * 200  # about 10 KB
    text = "\n".join([penguin_csv.header, *rows]) + "\n"
    (tmp_path / "penguins.csv").write_bytes(
        text.encode() + "Gentoo,Biscoe,46.1,13.2,211,4500,fémale,2008\n".encode("latin-1")
    )

    with pytest.raises(InputDataError) as raised:
        check_data(config_for(tmp_path))

    line = len(rows) + 2
    assert str(raised.value).startswith(f"{tmp_path / 'penguins.csv'}: line {line}: not UTF-8 (byte 0xe9 at offset ")


def test_a_truncated_last_line_is_named(tmp_path, penguin_csv):
    (tmp_path / "penguins.csv").write_text(penguin_csv.text() + "Gentoo,Biscoe,46.1,13")

    with pytest.raises(InputDataError) as raised:
        check_data(config_for(tmp_path))

    assert str(raised.value) == (
        f"{tmp_path / 'penguins.csv'}: line {len(penguin_csv.rows) + 2}: "
        "the last line has 4 of 8 cells and no line end; the file is cut short"
    )


def test_headers_that_differ_are_named_column_by_column(tmp_path, penguin_csv):
    (tmp_path / "a.csv").write_text(penguin_csv.text())
    header = penguin_csv.header.replace("year", "yr") + ",note"
    (tmp_path / "b.csv").write_text("\n".join([header, *(row + ",x" for row in penguin_csv.rows)]) + "\n")

    with pytest.raises(InputDataError) as raised:
        check_data(config_for(tmp_path))

    assert str(raised.value).endswith(f"b.csv has a different header from {tmp_path / 'a.csv'}: no year; also yr, note")


def test_a_folder_named_like_a_csv_file_is_named(tmp_path, penguin_csv):
    (tmp_path / "penguins.csv").write_text(penguin_csv.text())
    (tmp_path / "more.csv").mkdir()

    with pytest.raises(InputDataError, match=r"more\.csv is not a file; the data folder's \*\.csv must be CSV files"):
        check_data(config_for(tmp_path))
