"""The Data section: TFDV's per-feature statistics of the train and eval splits, from StatisticsGen."""

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from pipeline import mlmd

SPLITS = ("train", "eval")
STATS_FILE = "FeatureStats.pb"
TOP_VALUES = 5


@dataclass
class SplitStats:
    """One feature in one split: counts, then mean/std (numeric) or top values (categorical)."""

    count: int
    missing: int
    numeric: bool
    mean: Optional[float] = None
    std: Optional[float] = None
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    unique: Optional[int] = None
    top_values: List[Tuple[str, float]] = field(default_factory=list)
    # (low, high, count) buckets for numbers; (value, count) of every ranked value for strings.
    histogram: List[Tuple[float, float, float]] = field(default_factory=list)
    ranks: List[Tuple[str, float]] = field(default_factory=list)


@dataclass
class FeatureStats:
    """One feature, side by side in each split that has it."""

    name: str
    by_split: Dict[str, SplitStats] = field(default_factory=dict)

    @property
    def numeric(self) -> bool:
        return any(stats.numeric for stats in self.by_split.values())

    def shared_histograms(self, buckets: int = 10) -> Tuple[List[float], Dict[str, List[float]]]:
        """(edges, each split's share of examples per bucket) on one set of equal-width edges for every split.

        TFDV gives each split its own bucket edges, so bars of two splits cannot be compared; each split's
        counts are moved onto the shared edges, spread evenly within the bucket TFDV counted them in.
        """
        histograms = {split: s.histogram for split, s in self.by_split.items() if s.numeric and s.histogram}
        if not histograms:
            return [], {}
        low = min(bucket[0] for histogram in histograms.values() for bucket in histogram)
        high = max(bucket[1] for histogram in histograms.values() for bucket in histogram)
        width = (high - low) / buckets if high > low else 1.0
        edges = [low + i * width for i in range(buckets + 1)]
        shares = {}
        for split, histogram in histograms.items():
            counted: float = sum(bucket[2] for bucket in histogram)
            total = float(self.by_split[split].count or counted or 1.0)
            moved = [0.0] * buckets
            for start, end, count in histogram:
                for index in range(buckets):
                    moved[index] += count * _overlap(start, end, edges[index], edges[index + 1], index == buckets - 1)
            shares[split] = [value / total for value in moved]
        return edges, shares


def _overlap(start: float, end: float, low: float, high: float, last: bool) -> float:
    """The share of a bucket [start, end] that falls in [low, high); a bucket of one value falls where it is."""
    if end <= start:
        return 1.0 if low <= start < high or (last and start == high) else 0.0
    return max(0.0, min(end, high) - max(start, low)) / (end - start)


@dataclass
class DataSection:
    """How many examples each split holds and every feature's statistics."""

    statistics_uri: Optional[str] = None
    examples: Dict[str, int] = field(default_factory=dict)
    features: List[FeatureStats] = field(default_factory=list)


def _numeric(stats, count: int, missing: int) -> SplitStats:
    standard = [h for h in stats.histograms if h.type == h.STANDARD]
    buckets = [(b.low_value, b.high_value, b.sample_count) for b in standard[0].buckets] if standard else []
    return SplitStats(
        count=count,
        missing=missing,
        numeric=True,
        mean=stats.mean,
        std=stats.std_dev,
        minimum=stats.min,
        maximum=stats.max,
        histogram=buckets,
    )


def _categorical(stats, count: int, missing: int) -> SplitStats:
    ranks = [(bucket.label, bucket.sample_count) for bucket in stats.rank_histogram.buckets]
    top = [(value.value, value.frequency) for value in stats.top_values[:TOP_VALUES]]
    return SplitStats(count=count, missing=missing, numeric=False, unique=stats.unique, top_values=top, ranks=ranks)


def split_stats(feature) -> Optional[SplitStats]:
    """A TFDV FeatureNameStatistics as plain numbers; None for a kind of statistics we don't show."""
    kind = feature.WhichOneof("stats")
    if kind not in ("num_stats", "string_stats"):
        return None
    stats = getattr(feature, kind)
    common = stats.common_stats
    count, missing = int(common.num_non_missing), int(common.num_missing)
    return _numeric(stats, count, missing) if kind == "num_stats" else _categorical(stats, count, missing)


def _feature_name(feature) -> str:
    return ".".join(feature.path.step) or feature.name


def load_split(statistics_uri: str, split: str):
    """The split's DatasetFeatureStatistics, or None when StatisticsGen wrote none for it."""
    from tensorflow_metadata.proto.v0 import statistics_pb2

    path = os.path.join(statistics_uri, f"Split-{split}", STATS_FILE)
    if not os.path.exists(path):
        return None
    with open(path, "rb") as handle:  # as tfdv.load_stats_binary reads it, without importing TFDV
        datasets = statistics_pb2.DatasetFeatureStatisticsList.FromString(handle.read()).datasets
    return datasets[0] if datasets else None


def extract(nodes: Dict[str, mlmd.NodeRun]) -> DataSection:
    """Statistics of the examples this run read, whether StatisticsGen executed or was cached."""
    node = nodes.get("StatisticsGen")
    if node is None or not node.outputs.get("statistics"):
        return DataSection()
    section = DataSection(statistics_uri=node.outputs["statistics"][0].uri)
    by_name: Dict[str, FeatureStats] = {}
    for split in SPLITS:
        dataset = load_split(section.statistics_uri or "", split)
        if dataset is None:
            continue
        section.examples[split] = int(dataset.num_examples)
        for feature in dataset.features:
            stats = split_stats(feature)
            if stats is not None:
                name = _feature_name(feature)
                by_name.setdefault(name, FeatureStats(name)).by_split[split] = stats
    section.features = sorted(by_name.values(), key=lambda f: (not f.numeric, f.name))
    return section
