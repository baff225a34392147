"""pipeline.local preflight on column kinds: a text or date column declared numeric, a bad date, unnamed columns."""

from pathlib import Path

import pytest
import yaml

from pipeline.config.loader import load_config
from pipeline.local.preflight import InputDataError, check_data

pytestmark = pytest.mark.unit

DEFINITION = {
    "name": "trips",
    "label": "kind",
    "features": {"numeric": ["distance"], "categorical": [], "date": ["departed"]},
}


def project(tmp_path: Path, rows, **features) -> Path:
    (tmp_path / "modules").mkdir()
    definition = {**DEFINITION, "features": {**DEFINITION["features"], **features}}
    (tmp_path / "modules" / "dataset.yaml").write_text(yaml.safe_dump(definition))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "trips.csv").write_text("\n".join([",kind,distance,departed", *rows]) + "\n")
    return tmp_path


def config(root: Path):
    overrides = [f"data_root={root / 'data'}", f"modules.package_dir={root / 'modules'}", "schema_path=null"]
    return load_config(overrides=overrides, environ={})


ROWS = ["1,a,1.5,2013-01-01 05:00", "2,b,NA,NA", "3,a,7,2013-01-02T06:00:00"]


def test_dates_and_an_unnamed_column_pass_and_the_unnamed_one_is_noted(tmp_path):
    root = project(tmp_path, ROWS)
    notes = []

    assert check_data(config(root), notes.append) == [root / "data" / "trips.csv"]
    assert notes == [
        f"{root / 'data' / 'trips.csv'}: column 1 of the header has no name: left out (row names, as R's "
        "write.csv leaves them, carry no signal and leak the file's order)"
    ]


def test_a_date_column_declared_numeric_says_what_it_holds_and_where_it_goes(tmp_path):
    root = project(tmp_path, ROWS, numeric=["distance", "departed"], date=[])

    with pytest.raises(InputDataError) as error:
        check_data(config(root))

    assert str(error.value) == (
        f"column 'departed' is numeric in {root / 'modules' / 'dataset.yaml'} but holds dates, e.g. "
        f"'2013-01-01 05:00' ({root / 'data' / 'trips.csv'} line 2); move it to features.date"
    )


def test_a_cell_of_a_date_column_that_is_not_a_date_names_file_line_and_the_format(tmp_path):
    root = project(tmp_path, [*ROWS, "4,b,2,04/01/2013"])

    with pytest.raises(InputDataError) as error:
        check_data(config(root))

    assert str(error.value) == (
        f"{root / 'data' / 'trips.csv'} line 5: column 'departed' is a date in {root / 'modules' / 'dataset.yaml'}"
        " but holds '04/01/2013'; a date is written YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS] (a T may stand for the space)"
    )
