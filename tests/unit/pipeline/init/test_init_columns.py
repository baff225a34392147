"""Unit tests of pipeline.init.columns: one pass over the rows, and a guess per column with its reason."""

from pathlib import Path

import pytest

from pipeline.init import columns
from pipeline.init.columns import InitError

pytestmark = pytest.mark.unit


def scanned(tmp_path: Path, text: str, name: str = "rows.csv"):
    (tmp_path / name).write_text(text)
    return columns.scan(columns.csv_files(tmp_path))


def guess_of(tmp_path: Path, header: str, cells) -> columns.Guess:
    found = scanned(tmp_path, header + "\n" + "\n".join(cells) + "\n")
    return columns.guess(found[header])


@pytest.mark.parametrize(
    ("cells", "kind", "reason"),
    [
        (["1.5", "NA", "2", "NA", "7"], "numeric", "numbers, 40% missing"),
        ([str(i * 97) for i in range(30)], "numeric", "numbers, never missing"),
        (["3", "4", "5"] * 10, "numeric", "numbers, never missing"),
        ([str(i) for i in range(30)], "ignored", "whole numbers, each row a different one: an id, not a measure"),
        (["red", "blue", "red", "green", "blue", "red"], "categorical", "text with 3 values, never missing"),
        ([f"person {i}" for i in range(40)], "ignored", "text with 40 different values in 40 rows: free text or an id"),
        (["x"] * 10, "ignored", "one value only ('x'): nothing to learn"),
        (["NA"] * 5, "ignored", "no value in any row"),
        ([str(i / 10) for i in range(30)] + ["long"], "numeric", "numbers but for text in 1 rows, first 'long' on"),
    ],
    ids=[
        "numbers",
        "sparse-whole-numbers",
        "integers",
        "an-id",
        "categories",
        "free-text",
        "constant",
        "empty",
        "a-stray-word",
    ],
)
def test_each_column_gets_a_kind_and_a_reason_a_person_can_check(tmp_path, cells, kind, reason):
    found = guess_of(tmp_path, "c", cells)

    assert found.kind == kind
    assert found.reason.startswith(reason), found.reason


def test_a_stray_word_is_located_by_file_and_line(tmp_path):
    found = guess_of(tmp_path, "c", [str(i) for i in range(20)] + ["long"])

    assert found.reason.endswith("first 'long' on rows.csv line 22: fix those cells")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n1,x\n2,y\n", r"no column 'label' in the data; its header: a, b"),
        ("a,label\n1,x\n2,\n3,y\n", r"label 'label' has no value in 1 rows \(first: rows\.csv line 3\)"),
        ("a,label\n1,x\n2,x\n", r"label 'label' has a single value \(x\): nothing to predict"),
        ("a,label\n" + "".join(f"{i},{i}\n" for i in range(60)), r"label 'label' has 60 different values"),
    ],
    ids=["no-such-column", "missing-labels", "one-class", "a-quantity"],
)
def test_a_label_a_classifier_cannot_use_is_one_error_saying_why(tmp_path, text, message):
    found = scanned(tmp_path, text)

    with pytest.raises(InitError, match=message):
        columns.check_label(found, "label")


def test_files_must_share_a_header(tmp_path):
    (tmp_path / "a.csv").write_text("x,y\n1,2\n")
    (tmp_path / "b.csv").write_text("x,z\n1,2\n")

    with pytest.raises(InitError, match=r"b\.csv has a different header from .*a\.csv"):
        columns.scan(columns.csv_files(tmp_path))


def test_a_folder_without_csv_files_is_named(tmp_path):
    with pytest.raises(InitError, match=r"data folder .* has no \.csv file"):
        columns.csv_files(tmp_path)


@pytest.mark.parametrize(
    ("file", "name"),
    [("titanic.csv", "titanic"), ("Churn Data 2024.csv", "churn-data-2024"), ("2024_sales.csv", "sales")],
)
def test_the_dataset_name_comes_from_the_first_file(file, name):
    assert columns.dataset_name([Path(file)]) == name


def test_slices_are_the_categorical_columns_with_few_values(tmp_path):
    found = scanned(tmp_path, "kind,town,label\n" + "".join(f"{'ab'[i % 2]},t{i % 12},{i % 2}\n" for i in range(48)))
    guesses = [columns.guess(found[name]) for name in ("kind", "town")]

    assert [g.kind for g in guesses] == ["categorical", "categorical"]
    assert columns.slices(found, guesses) == ["kind"]
