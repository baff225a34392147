"""The Vertex AI Model Registry part of the fake: versions of models, their aliases and labels."""

import copy
import re
from typing import Any, Dict, List, Optional, Tuple

from tests.fakes.vertex.catalog import check_upload
from tests.fakes.vertex.common import ApiError, Ids, Operations, camel, location_path, matches_filter, now

DEFAULT_ALIAS = "default"
_ALIAS = re.compile(r"^[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]$")
_MODEL_NAME = re.compile(r"projects/[^/]+/locations/[^/]+/models/(?P<model>[^/@]+)(?:@(?P<version>.+))?$")


class ModelStore:
    """Models by id; each model is its versions by version id (1, 2, ...), in upload order."""

    def __init__(self, ids: Ids, operations: Operations):
        self._ids = ids
        self._operations = operations
        self.models: Dict[str, Dict[str, Dict[str, Any]]] = {}

    # ------------------------------------------------------------------ what routes call

    def upload(self, project: str, location: str, body: Dict[str, Any]) -> Dict[str, Any]:
        model = copy.deepcopy(body.get("model") or {})
        check_upload(model)
        if body.get("parentModel"):
            model_id, _ = self.parse(body["parentModel"])
            versions = self._versions(model_id)
            version_id = str(max(int(v) for v in versions) + 1)
        else:
            model_id, versions = body.get("modelId") or self._ids.next(), {}
            version_id = "1"
        aliases = list(model.pop("versionAliases", []))
        self._check_aliases(model_id, version_id, versions, aliases)
        stamp = now()
        model.update(
            name=f"{location_path(project, location)}/models/{model_id}",
            versionId=version_id,
            versionAliases=[],
            createTime=stamp,
            updateTime=stamp,
            versionCreateTime=stamp,
            versionUpdateTime=stamp,
            supportedDeploymentResourcesTypes=["DEDICATED_RESOURCES"],
        )
        versions[version_id] = model
        self.models[model_id] = versions
        if not body.get("parentModel") and DEFAULT_ALIAS not in aliases:
            aliases.append(DEFAULT_ALIAS)
        for alias in aliases:
            self._move_or_add(model_id, version_id, alias)
        return self._operations.start(
            location_path(project, location),
            "UploadModelResponse",
            {"model": model["name"], "modelVersionId": version_id},
        )

    def get(self, model_id: str, version: Optional[str]) -> Dict[str, Any]:
        return copy.deepcopy(self._version(model_id, version))

    def list(self, project: str, location: str, expression: Optional[str]) -> Dict[str, Any]:
        prefix = location_path(project, location) + "/models/"
        defaults = [self._version(model_id, None) for model_id in self.models]
        found = [m for m in defaults if m["name"].startswith(prefix) and matches_filter(m, expression)]
        return {"models": copy.deepcopy(found)}

    def list_versions(self, model_id: str, expression: Optional[str]) -> Dict[str, Any]:
        versions = self._versions(model_id).values()
        return {"models": copy.deepcopy([v for v in versions if matches_filter(v, expression)])}

    def merge_aliases(self, model_id: str, version: str, body: Dict[str, Any]) -> Dict[str, Any]:
        target = self._version(model_id, version)
        changes = body.get("versionAliases") or []
        if not changes:
            raise ApiError(400, "version_aliases must not be empty.", "INVALID_ARGUMENT")
        for change in changes:
            alias = change.lstrip("-")
            if not _ALIAS.match(alias):
                raise ApiError(400, f"Invalid alias {alias!r}.", "INVALID_ARGUMENT")
            if change.startswith("-"):
                if alias == DEFAULT_ALIAS:
                    raise ApiError(400, "The default alias cannot be removed.")
                if alias in target["versionAliases"]:
                    target["versionAliases"].remove(alias)
            else:
                self._add(model_id, target, alias)
        target["versionUpdateTime"] = now()
        return copy.deepcopy(target)

    def patch(self, model_id: str, version: Optional[str], update_mask: Optional[str], body: Dict[str, Any]):
        """UpdateModel of one version (models/1@2) or the default one; only `labels` and descriptions."""
        target = self._version(model_id, version)
        paths = [camel(p.strip()) for p in (update_mask or "").split(",") if p.strip()]
        if not paths:
            raise ApiError(400, "update_mask is required.", "INVALID_ARGUMENT")
        for path in paths:
            if path not in ("labels", "description", "versionDescription", "displayName"):
                raise ApiError(400, f"The fake cannot update {path!r}.", "INVALID_ARGUMENT")
            if path in body:
                target[path] = copy.deepcopy(body[path])
            else:
                target.pop(path, None)
        target["versionUpdateTime"] = now()
        return copy.deepcopy(target)

    # ------------------------------------------------------------------ helpers the endpoints use too

    @staticmethod
    def parse(name: str) -> Tuple[str, Optional[str]]:
        """(model id, version id or alias or None) of a model resource name."""
        found = _MODEL_NAME.search(name)
        if not found:
            raise ApiError(400, f"Invalid model resource name {name!r}.", "INVALID_ARGUMENT")
        return found["model"], found["version"]

    def resolve(self, name: str) -> Dict[str, Any]:
        """The version a resource name like models/1@2, models/1@production or models/1 points to."""
        return self._version(*self.parse(name))

    def holder(self, model_id: str, alias: str) -> Optional[Dict[str, Any]]:
        """The version of `model_id` that has `alias`, if any."""
        for version in self._versions(model_id).values():
            if alias in version["versionAliases"]:
                return version
        return None

    # ------------------------------------------------------------------ internals

    def _versions(self, model_id: str) -> Dict[str, Dict[str, Any]]:
        if model_id not in self.models:
            raise ApiError(404, f"Model {model_id} does not exist.", "NOT_FOUND")
        return self.models[model_id]

    def _version(self, model_id: str, version: Optional[str]) -> Dict[str, Any]:
        versions = self._versions(model_id)
        if version in versions:
            return versions[version]
        found = self.holder(model_id, version or DEFAULT_ALIAS)
        if found is None:
            raise ApiError(404, f"Model {model_id} has no version or alias {version!r}.", "NOT_FOUND")
        return found

    def _check_aliases(self, model_id: str, version_id: str, versions: Dict, aliases: List[str]) -> None:
        for alias in aliases:
            if not _ALIAS.match(alias):
                raise ApiError(400, f"Invalid alias {alias!r}.", "INVALID_ARGUMENT")
            held = [v for v in versions.values() if alias in v["versionAliases"] and v["versionId"] != version_id]
            if held and alias != DEFAULT_ALIAS:
                raise ApiError(400, _taken(model_id, alias, held[0]["versionId"]))

    def _add(self, model_id: str, target: Dict[str, Any], alias: str) -> None:
        held = self.holder(model_id, alias)
        if held is target:
            return
        if held is not None and alias != DEFAULT_ALIAS:
            raise ApiError(400, _taken(model_id, alias, held["versionId"]))
        self._move_or_add(model_id, target["versionId"], alias)

    def _move_or_add(self, model_id: str, version_id: str, alias: str) -> None:
        """Gives `alias` to the version; only `default` moves by itself, as Vertex keeps exactly one."""
        held = self.holder(model_id, alias)
        if held is not None:
            held["versionAliases"].remove(alias)
        self.models[model_id][version_id]["versionAliases"].append(alias)


def _taken(model_id: str, alias: str, version_id: str) -> str:
    return (
        f"Alias {alias!r} is already used by version {version_id} of model {model_id}; "
        "remove it from that version first."
    )
