"""The local model registry: the Pusher's versioned folders, ML Metadata for lineage, a history file for aliases."""

import contextlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional

from pipeline.mlmd import lineage
from pipeline.registry import history
from pipeline.registry.model import LATEST, PRODUCTION, STAGING, ModelVersion, RegistryError, SmokeRecord

STATE_DIR = ".registry"
_HOW = {
    PRODUCTION: "`vtx promote` makes the staging version production once `vtx smoke` has passed",
    STAGING: "`vtx run` pushes a blessed model to staging",
}


class LocalRegistry:
    """Versions are `<serving_dir>/<unix timestamp>/` folders holding a complete SavedModel.

    `latest` is the newest, `staging` the newest push to staging. `production` moves by promote and rollback
    only; a push made before release stages existed was production by being pushed (history.py).
    A version's lineage is read from ML Metadata once and kept in `.registry/versions/<version>.json`,
    so `resolve` costs a folder listing and two small file reads.
    """

    def __init__(self, serving_dir: str, metadata_path: str):
        self.serving_dir = Path(serving_dir)
        self.metadata_path = metadata_path
        self.history_path = self.serving_dir / STATE_DIR / "aliases.json"
        self._facts_dir = self.serving_dir / STATE_DIR / "versions"
        self._smoke_dir = self.serving_dir / STATE_DIR / "smoke"

    # ------------------------------------------------------------------ the Registry interface

    def list(self) -> List[ModelVersion]:
        versions = self._versions()
        aliases = self._aliases(versions)
        return [self._model_version(v, facts, aliases) for v, facts in reversed(self._facts(versions).items())]

    def get(self, version: str) -> ModelVersion:
        versions = self._versions(required=True)
        if version not in versions:
            raise RegistryError(f"no version {version!r} in {self.serving_dir}; {self._known(versions)}")
        return self._model_version(version, self._facts([version])[version], self._aliases(versions))

    def resolve(self, ref: str) -> ModelVersion:
        versions = self._versions(required=True)
        aliases = self._aliases(versions)
        for version, names in aliases.items():
            if ref in names:
                return self._model_version(version, self._facts([version])[version], aliases)
        if ref in (PRODUCTION, STAGING):
            raise RegistryError(f"no version in {self.serving_dir} is {ref} yet; {_HOW[ref]}")
        return self.get(ref)

    def promote(self, version: str) -> ModelVersion:
        versions = self._versions(required=True)
        if version not in versions:
            raise RegistryError(f"no version {version!r} in {self.serving_dir}; {self._known(versions)}")
        history.append(self.history_path, "promote", version, after=versions[-1])
        return self.get(version)

    def rollback(self) -> ModelVersion:
        versions = self._versions(required=True)
        stack = self._stack(versions)
        target = history.previous(stack)
        if not stack:
            raise RegistryError(f"no version in {self.serving_dir} is production yet; nothing to roll back")
        if target is None:
            raise RegistryError(
                f"version {stack[-1]} is the only production version {self.serving_dir} has had; "
                "nothing to roll back to"
            )
        history.append(self.history_path, "rollback", target, after=versions[-1])
        return self.get(target)

    def record_smoke(self, version: str, record: SmokeRecord) -> None:
        body = {"passed": record.passed, "at": record.at, "failed": list(record.failed)}
        try:
            history.write_atomically(self._smoke_dir / f"{version}.json", json.dumps(body, indent=2) + "\n")
        except OSError as error:
            raise RegistryError(
                f"cannot record the smoke test of version {version}: {error.strerror or error}"
            ) from None

    def smoke_record(self, version: str) -> Optional[SmokeRecord]:
        try:
            data = json.loads((self._smoke_dir / f"{version}.json").read_text())
            return SmokeRecord(bool(data["passed"]), str(data["at"]), tuple(str(f) for f in data["failed"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise RegistryError(
                f"the smoke record of version {version} is unreadable ({error}); smoke it again"
            ) from None

    def previous_production(self) -> Optional[ModelVersion]:
        """The version a rollback would make production again, if any."""
        versions = self._versions(required=True)
        target = history.previous(self._stack(versions))
        return self.get(target) if target else None

    def mark_staged(self, since: int) -> int:
        """From version `since` on, pushes go to staging (the first `vtx run` with release stages says so)."""
        return history.mark_staged(self.history_path, since)

    # ------------------------------------------------------------------ internals

    def _stack(self, versions: List[str]) -> List[str]:
        state = history.read_state(self.history_path)
        return history.production_stack(versions, state.events, state.staged_since)

    def _versions(self, required: bool = False) -> List[str]:
        """Complete versions, oldest first; the Pusher writes saved_model.pb last, so it marks a finished copy."""
        try:
            names = [entry.name for entry in os.scandir(self.serving_dir) if entry.name.isdigit()]
        except FileNotFoundError:
            names = []
        versions = sorted((n for n in names if (self.serving_dir / n / "saved_model.pb").is_file()), key=int)
        if required and not versions:
            raise RegistryError(f"the registry at {self.serving_dir} has no model version yet; `vtx run` pushes one")
        return versions

    def _known(self, versions: List[str]) -> str:
        shown = ", ".join(versions[::-1][:5]) + (", ..." if len(versions) > 5 else "")
        return f"choose {PRODUCTION}, {STAGING}, {LATEST} or a version: {shown}"

    def _aliases(self, versions: List[str]) -> Dict[str, List[str]]:
        aliases: Dict[str, List[str]] = {v: [] for v in versions}
        if versions:
            state = history.read_state(self.history_path)
            stack = history.production_stack(versions, state.events, state.staged_since)
            if stack:
                aliases[stack[-1]].append(PRODUCTION)
            staging = history.staged(versions, state.staged_since)
            if staging:
                aliases[staging].append(STAGING)
            aliases[versions[-1]].append(LATEST)
        return aliases

    def _facts(self, versions: List[str]) -> Dict[str, lineage.Facts]:
        """Each version's lineage: from its cache file, else from ML Metadata (cached once found there)."""
        facts: Dict[str, lineage.Facts] = {}
        for version in versions:
            cached = self._cached(version)
            if cached is not None:
                facts[version] = cached
        missing = [v for v in versions if v not in facts]
        found = lineage.lookup(self.metadata_path, missing)
        for version in missing:
            if version in found:
                self._cache(version, found[version])
            facts[version] = found.get(version, lineage.Facts(found=False))
        return {v: facts[v] for v in versions}

    def _cached(self, version: str) -> Optional[lineage.Facts]:
        try:
            data = json.loads((self._facts_dir / f"{version}.json").read_text())
            return lineage.Facts(
                found=True,
                blessed=bool(data["blessed"]),
                pipeline_run=data["pipeline_run"],
                data_fingerprint=data["data_fingerprint"],
                metrics={str(k): float(v) for k, v in data["metrics"].items()},
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            # No cache yet, or a damaged one: ML Metadata is the source; the cache is rewritten from it.
            return None

    def _cache(self, version: str, facts: lineage.Facts) -> None:
        body = {
            "blessed": facts.blessed,
            "pipeline_run": facts.pipeline_run,
            "data_fingerprint": facts.data_fingerprint,
            "metrics": facts.metrics,
        }
        # A read-only serving dir (e.g. mounted into a server) still resolves; it just reads ML Metadata again.
        with contextlib.suppress(OSError):
            history.write_atomically(self._facts_dir / f"{version}.json", json.dumps(body, indent=2) + "\n")

    def _model_version(self, version: str, facts: lineage.Facts, aliases: Dict[str, List[str]]) -> ModelVersion:
        return ModelVersion(
            version=version,
            uri=str((self.serving_dir / version).resolve()),
            pushed_at=datetime.fromtimestamp(int(version), tz=timezone.utc),
            metrics=dict(facts.metrics),
            blessed=facts.blessed,
            data_fingerprint=facts.data_fingerprint,
            pipeline_run=facts.pipeline_run,
            aliases=tuple(aliases.get(version, [])),
        )
