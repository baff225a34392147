"""Shared fixtures for the components/ unit tests: the curated schema and penguin data as statistics."""

from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import PROJECT_ROOT

SCHEMA_PATH = PROJECT_ROOT / "modules" / "schema.pbtxt"
DATA_PATH = PROJECT_ROOT / "data" / "penguins.csv"
# Columns the schema types as INT; pandas would make them float because of their NA cells.
INT_COLUMNS = ["flipper_length_mm", "body_mass_g", "year"]


@pytest.fixture(scope="session")
def schema_path() -> Path:
    return SCHEMA_PATH


@pytest.fixture(scope="session")
def curated_schema():
    """modules/schema.pbtxt as a Schema proto."""
    import tensorflow_data_validation as tfdv

    return tfdv.load_schema_text(str(SCHEMA_PATH))


@pytest.fixture(scope="session")
def _penguins() -> pd.DataFrame:
    frame = pd.read_csv(DATA_PATH)
    return frame.astype({column: "Int64" for column in INT_COLUMNS})


@pytest.fixture
def penguins(_penguins: pd.DataFrame) -> pd.DataFrame:
    """data/penguins.csv as pandas reads it, NA as missing and integer columns kept integer; a fresh copy."""
    return _penguins.copy()


@pytest.fixture(scope="session")
def statistics_of():
    """DataFrame -> DatasetFeatureStatisticsList, as TFDV computes it in memory."""
    import tensorflow_data_validation as tfdv

    return tfdv.generate_statistics_from_dataframe
