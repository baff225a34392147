"""`vtx smoke`: held-out examples to a stage's live model, the checks on its answers, and the verdict kept."""

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Protocol

from pipeline.config.release import SmokeConfig
from pipeline.registry.model import ModelVersion, SmokeRecord
from pipeline.release import checks
from pipeline.release.checks import Answer, Check
from pipeline.release.examples import Examples

ACCURACY = "accuracy"


class Client(Protocol):
    where: str

    def predict(self, instances: List[Dict[str, Any]]) -> Answer: ...


@dataclass(frozen=True)
class Result:
    stage: str
    version: ModelVersion
    where: str
    examples: str
    checks: List[Check]
    # Whether the server said it answered with this version; only then is the verdict kept with the version.
    confirmed: bool

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    def record(self) -> SmokeRecord:
        at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return SmokeRecord(self.passed, at, tuple(c.line for c in self.checks if not c.passed))


def malformed_instance(instance: Dict[str, Any]) -> Dict[str, Any]:
    """The instance with its first feature given an object where a value belongs: every server must refuse it."""
    first = next(iter(instance))
    return {**instance, first: {"not": "a value"}}


def _version_check(answers: List[Answer], version: str, stage: str) -> Optional[Check]:
    seen = sorted({a.version for a in answers if a.version})
    if not seen:
        return None
    if seen == [version]:
        return Check("version", True, f"{version}, the {stage} version, answered every call")
    return Check("version", False, f"answered by version {', '.join(seen)}, not {version}, the {stage} version")


def run(client: Client, stage: str, version: ModelVersion, examples: Examples, settings: SmokeConfig) -> Result:
    """Sends each example alone (so each call is timed), then one malformed instance, and checks the answers."""
    answers = [client.predict([instance]) for instance in examples.instances]
    if all(a.status == 0 for a in answers[:1]):
        raise SmokeError(answers[0].error)
    refused = client.predict([malformed_instance(examples.instances[0])])
    found: List[Check] = []
    version_check = _version_check(answers, version.version, stage)
    found += [version_check] if version_check else []
    found += [
        checks.responses(answers),
        checks.outputs(answers),
        checks.accuracy(answers, examples.labels, version.metrics.get(ACCURACY), settings.max_accuracy_gap),
        *checks.latency(answers, settings),
        checks.malformed(refused),
    ]
    confirmed = version_check is not None and version_check.passed
    return Result(stage, version, client.where, examples.source, found, confirmed)


class SmokeError(Exception):
    """The live model cannot be reached at all; one line."""
