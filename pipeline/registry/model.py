"""What the model registry hands out: a model version, the error users read, and the interface of both backends."""

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Protocol, Tuple

PRODUCTION = "production"
STAGING = "staging"
LATEST = "latest"
ALIASES = (PRODUCTION, STAGING, LATEST)


@dataclass(frozen=True)
class ModelVersion:
    """One pushed model: where its SavedModel is, when it was pushed, how it scored, and which aliases it has."""

    version: str  # local: the Pusher's version folder name (unix timestamp); Vertex: the model version id
    uri: str  # the SavedModel directory (local path or gs:// URI) to load
    pushed_at: datetime  # UTC
    metrics: Dict[str, float]  # overall evaluation metrics (e.g. accuracy) of the model's Evaluator run
    blessed: bool
    data_fingerprint: Optional[str]
    pipeline_run: Optional[str]  # the pipeline run id (MLMD run context name / Vertex job)
    aliases: Tuple[str, ...]  # e.g. ("production", "latest")


@dataclass(frozen=True)
class SmokeRecord:
    """The last `vtx smoke` of a version: whether it passed, when (UTC, ISO 8601), and its failing checks."""

    passed: bool
    at: str
    failed: Tuple[str, ...] = ()


class RegistryError(Exception):
    """An unknown version or alias, an empty registry, a corrupted alias file: one line the user reads."""


class Registry(Protocol):
    """The model registry, local or Vertex AI; everything that loads a model finds it here."""

    def list(self) -> List[ModelVersion]:
        """Every version, newest first."""
        ...

    def get(self, version: str) -> ModelVersion: ...

    def resolve(self, ref: str) -> ModelVersion:
        """'production', 'latest' or a version; cheap enough to poll every few seconds."""
        ...

    def promote(self, version: str) -> ModelVersion:
        """Makes `version` production until the next promote or rollback."""
        ...

    def rollback(self) -> ModelVersion:
        """Makes the previous production version production again; RegistryError if there is none."""
        ...

    def previous_production(self) -> Optional[ModelVersion]:
        """The version `rollback` would make production again; None if there is none."""
        ...

    def record_smoke(self, version: str, record: SmokeRecord) -> None:
        """Keeps the smoke test's verdict with the version; `vtx promote` reads it."""
        ...

    def smoke_record(self, version: str) -> Optional[SmokeRecord]:
        """The version's last smoke test, None if it had none."""
        ...
