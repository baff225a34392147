"""Typed settings of `vtx monitor`: where logged requests are read from, the window, and skew and drift thresholds."""

from typing import Dict, Literal, Optional

from pydantic import Field

from pipeline.config.base import Section

# TFDV's comparators: L-infinity distance between category shares, Jensen-Shannon divergence between
# histograms. Both lie in [0, 1]; 0.1 is TFDV's own example threshold for skew and drift.
DEFAULT_THRESHOLD = 0.1


class ComparatorThresholds(Section):
    """The threshold of one check for every feature of a kind, unless `features` names another."""

    categorical: float = Field(default=DEFAULT_THRESHOLD, gt=0.0, le=1.0)
    numeric: float = Field(default=DEFAULT_THRESHOLD, gt=0.0, le=1.0)


class FeatureThresholds(Section):
    """One feature's own thresholds; an unset one falls back to its kind's."""

    skew: Optional[float] = Field(default=None, gt=0.0, le=1.0)
    drift: Optional[float] = Field(default=None, gt=0.0, le=1.0)


class MonitoringConfig(Section):
    """Skew (serving against training) and drift (this window against the previous one) checks."""

    # duckdb: the table `vtx serve` writes under output_root; bigquery: the table a Vertex AI endpoint writes.
    source: Literal["duckdb", "bigquery"] = "duckdb"
    # project.dataset.table of the Vertex AI endpoint's request-response logging table.
    bigquery_table: Optional[str] = Field(default=None, pattern=r"^[a-z][a-z0-9-]{4,61}[a-z0-9]\.\w+\.[\w-]+$")
    # The project that runs (and pays for) the query; defaults to the table's project.
    bigquery_project: Optional[str] = None
    window_hours: float = Field(default=24.0, gt=0.0, le=24.0 * 366)
    skew: ComparatorThresholds = ComparatorThresholds()
    drift: ComparatorThresholds = ComparatorThresholds()
    features: Dict[str, FeatureThresholds] = Field(default_factory=dict)

    def threshold(self, check: Literal["skew", "drift"], feature: str, numeric: bool) -> float:
        """The threshold of one check for one feature: its own, else its kind's."""
        own = self.features.get(feature)
        value = getattr(own, check) if own else None
        if value is not None:
            return value
        kinds: ComparatorThresholds = getattr(self, check)
        return kinds.numeric if numeric else kinds.categorical
