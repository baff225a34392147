"""The Timeline section: when each component started, how long it took, executed or cached."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from pipeline import mlmd


@dataclass
class Step:
    """One node: seconds from the run's first execution to its start, its duration and its status."""

    node_id: str
    status: str
    start: float
    seconds: float


@dataclass
class Timeline:
    steps: List[Step] = field(default_factory=list)
    # The whole `vtx run` when it recorded its wall time, else first start to last finish.
    total_seconds: float = 0.0

    @property
    def executed(self) -> int:
        return sum(1 for s in self.steps if s.status == "executed" and s.node_id != "Resolver")

    @property
    def cached(self) -> int:
        return sum(1 for s in self.steps if s.status == "cached")


def extract(nodes: Dict[str, mlmd.NodeRun], wall_seconds: Optional[float] = None) -> Timeline:
    ordered = sorted(nodes.values(), key=lambda n: n.started_ms)
    if not ordered:
        return Timeline()
    origin = ordered[0].started_ms
    steps = [Step(n.node_id, n.status, (n.started_ms - origin) / 1000.0, n.seconds) for n in ordered]
    span = max(step.start + step.seconds for step in steps)
    return Timeline(steps, wall_seconds if wall_seconds is not None else span)
