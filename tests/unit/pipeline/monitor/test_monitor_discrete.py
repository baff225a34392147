"""pipeline.monitor.discrete: whole numbers with few values compared by value, others by histogram, with TFDV."""

from typing import List

import numpy as np
import pandas as pd
import pytest

from pipeline.config.monitoring import MonitoringConfig
from pipeline.monitor import checks, discrete

pytestmark = pytest.mark.unit

SERVED = ["stops", "distance", "seats"]


def table(rows: int, seed: int) -> pd.DataFrame:
    """stops: 0-9, mostly low (discrete); distance: continuous; seats: whole numbers over a wide range."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "stops": pd.array(np.minimum(rng.poisson(2.0, rows), 9), dtype="Int64"),
            "distance": rng.gamma(4.0, 250.0, rows),
            "seats": pd.array(rng.integers(50, 400, rows), dtype="Int64"),
        }
    )


@pytest.fixture(scope="module")
def training_rows() -> pd.DataFrame:
    return table(4000, seed=1)


@pytest.fixture(scope="module")
def setup(training_rows):
    import tensorflow_data_validation as tfdv

    plain = tfdv.generate_statistics_from_dataframe(training_rows)
    schema = tfdv.infer_schema(plain)
    chosen = discrete.discrete_features(plain, schema, SERVED)
    schema = discrete.categorical_schema(schema, chosen)
    options = discrete.stats_options(schema)
    training = tfdv.generate_statistics_from_dataframe(training_rows, stats_options=options)
    return chosen, schema, options, training


def checked(setup, serving: pd.DataFrame) -> List[checks.FeatureCheck]:
    import tensorflow_data_validation as tfdv

    _, schema, options, training = setup
    window = tfdv.generate_statistics_from_dataframe(serving, stats_options=options)
    return checks.check(training, window, None, schema, SERVED, MonitoringConfig())


def test_only_whole_numbers_of_a_narrow_range_are_discrete(setup):
    chosen, schema, _, training = setup

    assert chosen == {"stops"}
    by_name = {feature.name: feature for feature in schema.feature}
    assert by_name["stops"].int_domain.is_categorical
    assert not by_name["seats"].int_domain.is_categorical
    stops = next(f for f in training.datasets[0].features if f.path.step == ["stops"])
    assert stops.HasField("string_stats")


def test_traffic_drawn_from_the_training_data_raises_no_alert(setup, training_rows):
    serving = training_rows.sample(n=400, random_state=3).reset_index(drop=True)

    found = {feature.name: feature for feature in checked(setup, serving)}

    assert [name for name, feature in found.items() if feature.flagged] == []
    assert found["stops"].skew.metric == "L-infinity"
    assert found["distance"].skew.metric == "Jensen-Shannon"
    assert found["stops"].skew.value < 0.05


@pytest.mark.parametrize("shifted", ["stops", "distance"])
def test_the_same_traffic_with_one_feature_shifted_names_only_that_feature(setup, training_rows, shifted):
    serving = training_rows.sample(n=400, random_state=3).reset_index(drop=True)
    serving[shifted] = serving[shifted] + (3 if shifted == "stops" else 1500.0)

    flagged = [feature.name for feature in checked(setup, serving) if feature.flagged]

    assert flagged == [shifted]
