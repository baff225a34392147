"""The rehearsal's artifact store: every artifact a rehearsal produced, and the cache entries that reuse them."""

import json
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from pipeline.rehearse import filters

LIVE = "LIVE"


class Store:
    """A JSON file under the rehearsal root, standing in for Vertex ML Metadata and the pipeline cache."""

    def __init__(self, path: Path) -> None:
        self.path = path
        data = json.loads(path.read_text()) if path.exists() else {}
        self.artifacts: List[Dict[str, Any]] = data.get("artifacts", [])
        self.cache: Dict[str, Dict[str, Any]] = data.get("cache", {})
        self.next_id: int = data.get("next_id", 1)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        data = {"artifacts": self.artifacts, "cache": self.cache, "next_id": self.next_id}
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        tmp.replace(self.path)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def record(self, artifact: Dict[str, Any]) -> Dict[str, Any]:
        """Adds a produced artifact (name, type, schema_title, uri, metadata), LIVE and timestamped."""
        stored = {**artifact, "state": LIVE, "create_time": time.time_ns()}
        self.artifacts.append(stored)
        return stored

    def by_name(self, name: str) -> Dict[str, Any]:
        return next(artifact for artifact in self.artifacts if artifact["name"] == name)

    def query(self, expression: str) -> Optional[Dict[str, Any]]:
        """The newest artifact the AIP-160 filter matches, as an outputArtifactQueries answer gives; else None."""
        clauses = filters.parse(expression)
        found = [artifact for artifact in self.artifacts if filters.matches(artifact, clauses)]
        return max(found, key=lambda artifact: artifact["create_time"]) if found else None

    def cached(self, key: str) -> Optional[Dict[str, List[Dict[str, Any]]]]:
        """The outputs a task with this cache key produced before, or None."""
        entry = self.cache.get(key)
        if entry is None:
            return None
        return {output: [self.by_name(name) for name in names] for output, names in entry["outputs"].items()}

    def remember(self, key: str, task: str, outputs: Dict[str, List[Dict[str, Any]]]) -> None:
        names = {output: [artifact["name"] for artifact in artifacts] for output, artifacts in outputs.items()}
        self.cache[key] = {"task": task, "outputs": names}
