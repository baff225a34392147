"""What one `vtx monitor` found: the window, the model, each feature's checks; as JSON and as one line."""

import dataclasses
import datetime
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from pipeline.monitor.checks import FeatureCheck
from pipeline.report.data import FeatureStats

# Exit codes, like diff(1): 0 nothing exceeded, 1 a threshold exceeded or a schema anomaly, 2 nothing checked.
OK, ALERT, NOT_CHECKED = 0, 1, 2


@dataclass
class Window:
    """A time window of logged requests and what it held."""

    start: datetime.datetime
    end: datetime.datetime
    requests: int = 0
    instances: int = 0
    unreadable: int = 0


@dataclass
class MonitorResult:
    """The checks of one window against the training data of the model that served it."""

    source: str
    window: Window
    previous: Window
    model_version: str
    # Requests per served model version in the window (None: the table does not say, as on Vertex AI).
    served_by: Dict[str, int]
    training_run: str
    statistics_uri: str
    schema_uri: str
    features: List[FeatureCheck]
    # Training against serving distributions per feature, for the report's plots.
    distributions: Dict[str, FeatureStats] = field(default_factory=dict)

    @property
    def flagged(self) -> List[FeatureCheck]:
        return [feature for feature in self.features if feature.flagged]

    @property
    def exit_code(self) -> int:
        return ALERT if self.flagged else OK

    def summary(self) -> str:
        """One line for the terminal (and a scheduler's log)."""
        head = (
            f"vtx monitor {_time(self.window.start)} to {_time(self.window.end)}: {self.window.requests} requests, "
            f"{self.window.instances} instances, model {self.model_version}"
        )
        if not self.flagged:
            return f"{head}: OK, no threshold exceeded in {len(self.features)} features"
        details = "; ".join(f"{f.name} ({', '.join(f.reasons_short)})" for f in self.flagged)
        return f"{head}: ALERT {len(self.flagged)} of {len(self.features)} features flagged: {details}"

    def to_json(self) -> Dict[str, Any]:
        return {
            "status": "alert" if self.flagged else "ok",
            "exit_code": self.exit_code,
            "source": self.source,
            "window": _window(self.window),
            "previous_window": _window(self.previous),
            "model": {
                "version": self.model_version,
                "served_by": self.served_by,
                "training_run": self.training_run,
                "statistics": self.statistics_uri,
                "schema": self.schema_uri,
            },
            "flagged": [feature.name for feature in self.flagged],
            "features": [_feature(feature) for feature in self.features],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2)


def _time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _window(window: Window) -> Dict[str, Any]:
    return {
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "requests": window.requests,
        "instances": window.instances,
        "unreadable_requests": window.unreadable,
    }


def _feature(feature: FeatureCheck) -> Dict[str, Any]:
    def measured(measurement) -> Optional[Dict[str, Any]]:
        return dataclasses.asdict(measurement) if measurement else None

    return {
        "name": feature.name,
        "kind": "numeric" if feature.numeric else "categorical",
        "flagged": feature.flagged,
        "skew": measured(feature.skew),
        "drift": measured(feature.drift),
        "anomalies": feature.anomalies,
    }
