"""The Vertex AI endpoints part of the fake: deployed models, traffic split and request-response logging."""

import copy
from typing import Any, Callable, Dict, List, Optional

from tests.fakes.vertex.catalog import check_machine_spec
from tests.fakes.vertex.common import ApiError, Ids, Operations, camel, location_path, matches_filter, now
from tests.fakes.vertex.models import ModelStore

NEW_DEPLOYED_MODEL_KEY = "0"
_UPDATABLE = {"displayName", "description", "labels", "trafficSplit", "predictRequestResponseLoggingConfig"}
# What a deployed model's serving container answers: (the deployed model, the instances) -> the predictions;
# it raises ApiError for a request the container refuses. Vertex AI forwards a predict call to it.
Container = Callable[[Dict[str, Any], List[Any]], List[Any]]


class EndpointStore:
    """Endpoints by id, each with its deployed models and where the traffic goes."""

    def __init__(self, ids: Ids, operations: Operations, models: ModelStore):
        self._ids = ids
        self._operations = operations
        self._models = models
        self.endpoints: Dict[str, Dict[str, Any]] = {}
        # Set by a test: the serving container every deployed model runs; None answers predict calls with a 503.
        self.container: Optional[Container] = None

    def create(self, project: str, location: str, endpoint_id: Optional[str], body: Dict[str, Any]) -> Dict[str, Any]:
        endpoint_id = endpoint_id or self._ids.next()
        if endpoint_id in self.endpoints:
            raise ApiError(409, f"Endpoint {endpoint_id} already exists.")
        stamp = now()
        endpoint = copy.deepcopy(body)
        endpoint.update(
            name=f"{location_path(project, location)}/endpoints/{endpoint_id}",
            deployedModels=[],
            trafficSplit={},
            createTime=stamp,
            updateTime=stamp,
            etag=stamp,
        )
        self.endpoints[endpoint_id] = endpoint
        return self._operations.start(location_path(project, location), "Endpoint", copy.deepcopy(endpoint))

    def get(self, endpoint_id: str) -> Dict[str, Any]:
        return copy.deepcopy(self._endpoint(endpoint_id))

    def list(self, project: str, location: str, expression: Optional[str]) -> Dict[str, Any]:
        prefix = location_path(project, location) + "/endpoints/"
        found = [e for e in self.endpoints.values() if e["name"].startswith(prefix) and matches_filter(e, expression)]
        return {"endpoints": copy.deepcopy(found)}

    def patch(self, endpoint_id: str, update_mask: Optional[str], body: Dict[str, Any]) -> Dict[str, Any]:
        endpoint = self._endpoint(endpoint_id)
        if not update_mask:
            raise ApiError(400, "update_mask is required.", "INVALID_ARGUMENT")
        for path in (camel(part.strip()) for part in update_mask.split(",")):
            if path not in _UPDATABLE:
                raise ApiError(400, f"Field {path!r} cannot be updated.", "INVALID_ARGUMENT")
            if path == "trafficSplit":
                self._check_split(endpoint, body.get(path) or {})
            if path in body:
                endpoint[path] = copy.deepcopy(body[path])
            else:
                endpoint.pop(path, None)
        endpoint["updateTime"] = endpoint["etag"] = now()
        return copy.deepcopy(endpoint)

    def deploy(self, endpoint_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
        endpoint = self._endpoint(endpoint_id)
        requested = copy.deepcopy(body.get("deployedModel") or {})
        version = self._models.resolve(requested.get("model", ""))
        if not requested.get("dedicatedResources") and not requested.get("automaticResources"):
            raise ApiError(400, "Deployed model needs dedicated or automatic resources.", "INVALID_ARGUMENT")
        if requested.get("dedicatedResources"):
            spec = requested["dedicatedResources"].get("machineSpec", {})
            check_machine_spec(spec, "deployed_model.dedicated_resources.machine_spec")
        deployed_id = self._ids.next()
        requested.update(
            id=deployed_id,
            model=version["name"],
            modelVersionId=version["versionId"],
            displayName=requested.get("displayName") or version["displayName"],
            createTime=now(),
        )
        split = {(deployed_id if key == NEW_DEPLOYED_MODEL_KEY else key): value for key, value in _split(body).items()}
        if not split:
            split = dict(endpoint["trafficSplit"]) if endpoint["deployedModels"] else {deployed_id: 100}
        endpoint["deployedModels"].append(requested)
        self._check_split(endpoint, split)
        endpoint["trafficSplit"] = split
        endpoint["updateTime"] = now()
        parent = endpoint["name"].rsplit("/endpoints/", 1)[0]
        return self._operations.start(parent, "DeployModelResponse", {"deployedModel": copy.deepcopy(requested)})

    def undeploy(self, endpoint_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
        endpoint = self._endpoint(endpoint_id)
        deployed_id = str(body.get("deployedModelId", ""))
        if deployed_id not in {d["id"] for d in endpoint["deployedModels"]}:
            raise ApiError(404, f"Deployed model {deployed_id} is not on endpoint {endpoint_id}.", "NOT_FOUND")
        split = _split(body) or {k: v for k, v in endpoint["trafficSplit"].items() if k != deployed_id}
        if split.get(deployed_id):
            raise ApiError(400, f"Deployed model {deployed_id} would still get traffic.")
        split.pop(deployed_id, None)
        endpoint["deployedModels"] = [d for d in endpoint["deployedModels"] if d["id"] != deployed_id]
        self._check_split(endpoint, split)
        endpoint["trafficSplit"] = split
        endpoint["updateTime"] = now()
        parent = endpoint["name"].rsplit("/endpoints/", 1)[0]
        return self._operations.start(parent, "UndeployModelResponse", {})

    def predict(self, endpoint_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
        """Forwards the instances to the deployed model with the largest share of traffic, as its container would."""
        endpoint = self._endpoint(endpoint_id)
        split = endpoint["trafficSplit"]
        if not split or not any(split.values()):
            raise ApiError(400, f"Endpoint {endpoint['name']} does not have traffic split set.", "FAILED_PRECONDITION")
        chosen = max(split, key=lambda deployed_id: (split[deployed_id], deployed_id))
        deployed = next(d for d in endpoint["deployedModels"] if d["id"] == chosen)
        instances = body.get("instances")
        if not instances:
            raise ApiError(400, "instances must not be empty.", "INVALID_ARGUMENT")
        if self.container is None:
            raise ApiError(503, "The deployed model's container is not answering.", "UNAVAILABLE")
        version = self._models.resolve(deployed["model"] + "@" + deployed["modelVersionId"])
        return {
            "predictions": self.container(copy.deepcopy(deployed), copy.deepcopy(instances)),
            "deployedModelId": chosen,
            "model": deployed["model"],
            "modelDisplayName": version["displayName"],
            "modelVersionId": deployed["modelVersionId"],
        }

    def _endpoint(self, endpoint_id: str) -> Dict[str, Any]:
        if endpoint_id not in self.endpoints:
            raise ApiError(404, f"Endpoint {endpoint_id} does not exist.", "NOT_FOUND")
        return self.endpoints[endpoint_id]

    @staticmethod
    def _check_split(endpoint: Dict[str, Any], split: Dict[str, int]) -> None:
        deployed = {d["id"] for d in endpoint["deployedModels"]}
        unknown = set(split) - deployed
        if unknown:
            raise ApiError(400, f"Traffic split names unknown deployed models {sorted(unknown)}.", "INVALID_ARGUMENT")
        total = sum(split.values())
        if deployed and total != 100:
            raise ApiError(400, f"Traffic split must add up to 100, not {total}.", "INVALID_ARGUMENT")


def _split(body: Dict[str, Any]) -> Dict[str, int]:
    return {key: int(value) for key, value in (body.get("trafficSplit") or {}).items()}
