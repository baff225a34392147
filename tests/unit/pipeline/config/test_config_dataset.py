"""pipeline.config.dataset: classes, date columns and date parts in the dataset definition, and date cells."""

from pathlib import Path

import pytest
import yaml

from pipeline.config.dataset import DatasetError, is_date, read_dataset

pytestmark = pytest.mark.unit

BASE = {
    "name": "flights",
    "label": "carrier",
    "features": {"numeric": ["distance"], "categorical": ["origin"], "date": ["departed"]},
}


def definition(tmp_path: Path, **changes):
    (tmp_path / "dataset.yaml").write_text(yaml.safe_dump({**BASE, **changes}))
    return read_dataset(str(tmp_path))


def test_dates_are_features_after_the_numerics_and_categoricals_with_default_parts(tmp_path):
    dataset = definition(tmp_path)

    assert dataset.feature_columns == ["distance", "origin", "departed"]
    assert dataset.date_parts == ["year", "month", "day_of_week", "hour"]
    assert dataset.classes == []


def test_numeric_class_names_are_read_as_the_csv_cells_text(tmp_path):
    assert definition(tmp_path, classes=[3, 4, 10]).classes == ["3", "4", "10"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"classes": [True, False]}, "classes: quote boolean class names as the CSV writes them"),
        ({"classes": ["a", "b", "a"]}, "classes: a class is named twice"),
        ({"date_parts": ["year", "minute"]}, "date_parts: choose among year, month, day, day_of_week, hour"),
        ({"date_parts": []}, "date_parts: choose among"),
    ],
    ids=["booleans", "twice", "unknown-part", "no-part"],
)
def test_a_bad_class_list_or_date_part_is_one_error_naming_the_key(tmp_path, changes, message):
    with pytest.raises(DatasetError, match=message):
        definition(tmp_path, **changes)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2013-01-01", True),
        ("2013-01-01 05:00", True),
        ("2013-01-01T05:00:00", True),
        ("2013-01-01 05:00:00.5+01:00", True),
        ("2013-01-01T05:00:00Z", True),
        ("2013-13-01", False),
        ("2013-01-01 24:00", False),
        ("01/01/2013", False),
        ("2013-1-1", False),
        ("２０１３-01-01", False),
        ("", False),
    ],
)
def test_a_date_cell_is_what_preprocessing_fn_can_read(cell, expected):
    assert is_date(cell) is expected
