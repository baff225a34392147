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
        ([str(i + 100) for i in range(30)], "ignored", "whole numbers, each row a different one: an id, not a"),
        ([str(i) for i in range(1, 31)], "ignored", "the row's number in the file: no signal, and it leaks"),
        ([str(i) for i in range(30)], "ignored", "the row's number in the file: no signal, and it leaks"),
        (["2013-01-01 05:00:00", "NA", "2013-01-02T17:00", "2013-02-03"] * 5, "date", "dates like '2013-01-01 05:00"),
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
        "row-numbers-from-1",
        "row-numbers-from-0",
        "dates-and-timestamps",
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


def test_a_column_without_a_name_is_left_out_saying_why(tmp_path):
    found = scanned(tmp_path, ",a,label\n1,x,p\n2,y,q\n")

    guess = columns.guess(found[""])
    assert guess.kind == columns.LEFT_OUT
    assert "no name in the header" in guess.reason


def test_a_date_guess_says_which_parts_the_model_reads(tmp_path):
    found = guess_of(tmp_path, "when", ["2013-01-01", "2014-06-30", "NA", "2015-12-31"])

    assert found.kind == "date"
    assert found.reason == (
        "dates like '2013-01-01', 25% missing: the model reads its year, month, day_of_week, hour (date_parts)"
    )


def test_a_date_that_does_not_exist_in_the_calendar_is_text(tmp_path):
    found = guess_of(tmp_path, "when", ["2013-13-01", "2014-06-30"] * 3)

    assert found.kind == "categorical"


@pytest.mark.parametrize(
    ("cells", "classes"),
    [
        (["10", "2", "1", "2", "0", "10"], ["0", "1", "2", "10"]),
        (["b", "C", "a", "b"], ["C", "a", "b"]),
        (["True", "False", "True"], ["False", "True"]),
    ],
    ids=["integers-in-numeric-order", "text-in-alphabetical-order", "booleans"],
)
def test_the_label_classes_are_in_a_stable_order(tmp_path, cells, classes):
    found = scanned(tmp_path, "label\n" + "\n".join(cells) + "\n")

    assert columns.classes(found["label"]) == classes
