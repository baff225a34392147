"""The Vertex AI Model Registry backend: the versions of the model the VertexPusher uploads to, and its aliases.

`production` is the Vertex alias the VertexPusher moves on each push; `latest` is the newest version. So
that `rollback` knows the previous production version, promote and rollback label the versions they touch
(`vtx_promoted`, `vtx_rolled_back`: unix milliseconds); a push made a version production when it was created.
"""

import time
from datetime import datetime, timezone
from typing import Dict, List, Optional, Sequence

from pipeline.config.vertex import VertexConfig
from pipeline.registry.model import LATEST, PRODUCTION, STAGING, ModelVersion, RegistryError, SmokeRecord

PROMOTED = "vtx_promoted"
ROLLED_BACK = "vtx_rolled_back"
# `vtx smoke`'s verdict on a version: passed_<unix ms> or failed_<unix ms>, and the names of the failed checks.
SMOKE = "vtx_smoke"
SMOKE_FAILED = "vtx_smoke_failed"
# Labels the VertexPusher and the registry write that are not metrics; Vertex's own alias `default` is not shown.
# git_commit: on versions pushed before the commit moved to the pipeline job's labels (see `pipeline_run`).
NOT_METRICS = (
    "pipeline",
    "git_commit",
    "pipeline_run",
    "model_artifact",
    "data_fingerprint",
    PROMOTED,
    ROLLED_BACK,
    SMOKE,
    SMOKE_FAILED,
)
HIDDEN_ALIASES = ("default",)


def _metric(value: str) -> Optional[float]:
    """A metric label value back to a number: the pusher wrote f'{x:.4g}' with '.' as '_' (0.987 -> 0_987)."""
    try:
        return float(value.replace("_", "."))
    except ValueError:
        return None


class VertexRegistry:
    def __init__(self, vertex: VertexConfig, display_name: Optional[str] = None):
        from components.vertex import registry as vertex_registry

        self._vertex = vertex
        # The model of one dataset: the pusher's (vertex-tfx-<dataset>) unless another dataset's is asked for.
        self._display_name = display_name or vertex.pusher.model_display_name
        self._not_metrics = set(NOT_METRICS) | set(vertex.labels)
        self._parent: Optional[str] = None
        self._calls = vertex_registry
        vertex_registry.connect(vertex.project, vertex.region, vertex.api_endpoint or "")

    # ------------------------------------------------------------------ the Registry interface

    def list(self) -> List[ModelVersion]:
        versions = self._versions(required=False)
        return [self._model_version(v, versions) for v in reversed(versions)]

    def get(self, version: str) -> ModelVersion:
        versions = self._versions()
        found = next((v for v in versions if v.version_id == version), None)
        if found is None:
            raise RegistryError(f"model {self._parent} has no version {version!r}; {self._known(versions)}")
        return self._model_version(found, versions)

    def resolve(self, ref: str) -> ModelVersion:
        versions = self._versions()
        if ref == LATEST:
            return self._model_version(versions[-1], versions)
        holder = next((v for v in versions if ref in v.version_aliases), None)
        if holder is not None:
            return self._model_version(holder, versions)
        if ref in (PRODUCTION, STAGING):
            how = (
                "`vtx promote` makes a smoked staging version production" if ref == PRODUCTION else "the pusher sets it"
            )
            raise RegistryError(f"no version of model {self._parent} has the alias {ref} yet; {how}")
        return self.get(ref)

    def promote(self, version: str) -> ModelVersion:
        target = self.get(version)
        self._label(version, PROMOTED)
        self._move_production(version)
        return self.get(target.version)

    def rollback(self) -> ModelVersion:
        versions = self._versions()
        current = next((v for v in versions if PRODUCTION in v.version_aliases), None)
        if current is None:
            raise RegistryError(f"no version of model {self._parent} is production; nothing to roll back from")
        target = self._previous(versions, current)
        if target is None:
            raise RegistryError(f"version {current.version_id} is the only production version; nothing to roll back to")
        self._label(current.version_id, ROLLED_BACK)
        self._label(target.version_id, PROMOTED)
        self._move_production(target.version_id)
        return self.get(target.version_id)

    def previous_production(self) -> Optional[ModelVersion]:
        versions = self._versions()
        current = next((v for v in versions if PRODUCTION in v.version_aliases), None)
        target = self._previous(versions, current) if current is not None else None
        return self._model_version(target, versions) if target is not None else None

    def record_smoke(self, version: str, record: SmokeRecord) -> None:
        failed = "-".join(line.split()[1] for line in record.failed if len(line.split()) > 1)
        stamp = str(int(datetime.fromisoformat(record.at).timestamp() * 1000))
        values = {SMOKE: f"{'passed' if record.passed else 'failed'}_{stamp}", SMOKE_FAILED: failed[:63]}
        self._set_labels(version, values)

    def smoke_record(self, version: str) -> Optional[SmokeRecord]:
        labels = dict(self.get_model(version).labels)
        verdict, _, stamp = labels.get(SMOKE, "").partition("_")
        if verdict not in ("passed", "failed") or not stamp.isdigit():
            return None
        at = datetime.fromtimestamp(int(stamp) / 1000, tz=timezone.utc).isoformat(timespec="seconds")
        failed = tuple(name for name in labels.get(SMOKE_FAILED, "").split("-") if name)
        return SmokeRecord(verdict == "passed", at, failed)

    def get_model(self, version: str):
        """The SDK's Model of one version, for deploying it."""
        from google.cloud import aiplatform

        self.get(version)
        return self._step(lambda: aiplatform.models.ModelRegistry(self._parent_name()).get_model(version=version))

    # ------------------------------------------------------------------ internals

    def _parent_name(self) -> str:
        if self._parent is None:
            model = self._step(lambda: self._calls.find_model(self._display_name))
            if model is None:
                raise RegistryError(
                    f"no model named {self._display_name!r} in the Vertex AI Model Registry of "
                    f"{self._vertex.project}/{self._vertex.region}; the VertexPusher creates it on its first push"
                )
            self._parent = model.resource_name
        return self._parent

    def _versions(self, required: bool = True) -> List:
        """The parent model's versions (full Model messages, with labels), oldest first."""
        from google.cloud import aiplatform

        try:
            parent = self._parent_name()
        except RegistryError:
            if required:
                raise
            return []
        registry = aiplatform.models.ModelRegistry(parent)
        versions = self._step(lambda: list(registry.client.list_model_versions(name=parent)))
        versions.sort(key=lambda v: int(v.version_id) if v.version_id.isdigit() else 0)
        if required and not versions:
            raise RegistryError(f"model {parent} has no version yet; the VertexPusher uploads one per blessed model")
        return versions

    def _step(self, call):
        try:
            with self._calls.step(f"reading the Vertex AI Model Registry model {self._display_name!r}"):
                return call()
        except self._calls.VertexPushError as error:
            raise RegistryError(str(error).replace("Vertex AI push failed", "Vertex AI registry call failed")) from None

    def _known(self, versions: Sequence) -> str:
        shown = ", ".join(v.version_id for v in reversed(versions[-5:]))
        return f"choose {PRODUCTION}, {LATEST}, another alias or a version: {shown}"

    def _model_version(self, model, versions: Sequence) -> ModelVersion:
        labels = dict(model.labels)
        metrics = {k: _metric(v) for k, v in labels.items() if k not in self._not_metrics}
        aliases = [a for a in model.version_aliases if a not in HIDDEN_ALIASES]
        if model.version_id == versions[-1].version_id:
            aliases.append(LATEST)
        return ModelVersion(
            version=model.version_id,
            uri=model.artifact_uri,
            pushed_at=model.version_create_time,
            metrics={k: v for k, v in metrics.items() if v is not None},
            blessed=True,  # the VertexPusher uploads blessed models only
            data_fingerprint=labels.get("data_fingerprint"),
            pipeline_run=labels.get("pipeline_run"),
            aliases=tuple(aliases),
        )

    def _became_production(self, model) -> float:
        promoted = model.labels.get(PROMOTED, "")
        created = model.version_create_time.timestamp() * 1000
        return max(created, float(promoted) if promoted.isdigit() else 0.0)

    def _previous(self, versions: Sequence, current):
        """The latest version that became production before `current` did and was not rolled back since."""

        def live(model) -> bool:
            rolled = model.labels.get(ROLLED_BACK, "")
            return not rolled.isdigit() or float(rolled) < self._became_production(model)

        since = self._became_production(current)
        earlier = [v for v in versions if v.version_id != current.version_id and live(v)]
        earlier = [v for v in earlier if self._became_production(v) <= since]
        return max(earlier, key=self._became_production, default=None)

    def _label(self, version: str, key: str) -> None:
        self._set_labels(version, {key: str(int(time.time() * 1000))})

    def _set_labels(self, version: str, values: Dict[str, str]) -> None:
        from google.cloud import aiplatform
        from google.cloud.aiplatform_v1.types import Model
        from google.protobuf import field_mask_pb2

        parent = self._parent_name()
        registry = aiplatform.models.ModelRegistry(parent)
        name = f"{parent}@{version}"
        current = self._step(lambda: registry.client.get_model(name=name))
        labels: Dict[str, str] = {k: v for k, v in {**dict(current.labels), **values}.items() if v}
        mask = field_mask_pb2.FieldMask(paths=["labels"])
        self._step(lambda: registry.client.update_model(model=Model(name=name, labels=labels), update_mask=mask))

    def _move_production(self, version: str) -> None:
        from google.cloud import aiplatform

        model = aiplatform.models.ModelRegistry(self._parent_name()).get_model(version=version)
        self._step(lambda: self._calls.move_alias(model, PRODUCTION))
