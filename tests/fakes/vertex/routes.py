"""The routes of the Vertex AI fake: which RPC of the real clients' REST transports reaches which store.

Paths, methods and body fields come from the installed clients (tests/fakes/api.py), so a request the
real client would send to another URL cannot reach a handler here by accident.
"""

from typing import Any, Dict, List, Tuple

from tests.fakes.api import Rpc
from tests.fakes.routing import Call, Handler, Router
from tests.fakes.vertex.common import Operations
from tests.fakes.vertex.endpoints import EndpointStore
from tests.fakes.vertex.jobs import PipelineJobStore, SecretStore
from tests.fakes.vertex.metadata import MetadataFake
from tests.fakes.vertex.models import ModelStore
from tests.fakes.vertex.schedules import ScheduleStore


def _parent(call: Call, field: str = "parent") -> Tuple[str, str]:
    """(project, location) of a `projects/P/locations/L` path variable."""
    parts = call.path[field].split("/")
    return parts[1], parts[3]


def _last(call: Call, field: str = "name") -> str:
    """The resource id of a path variable, e.g. `7` of `projects/p/locations/l/endpoints/7`."""
    return call.path[field].rsplit("/", 1)[-1]


def _transports():
    from google.cloud.aiplatform_v1.services.endpoint_service.transports.rest import EndpointServiceRestTransport
    from google.cloud.aiplatform_v1.services.metadata_service.transports.rest import MetadataServiceRestTransport
    from google.cloud.aiplatform_v1.services.model_service.transports.rest import ModelServiceRestTransport
    from google.cloud.aiplatform_v1.services.pipeline_service.transports.rest import PipelineServiceRestTransport
    from google.cloud.aiplatform_v1.services.schedule_service.transports.rest import ScheduleServiceRestTransport
    from google.cloud.secretmanager_v1.services.secret_manager_service.transports.rest import (
        SecretManagerServiceRestTransport,
    )

    return (
        ModelServiceRestTransport,
        EndpointServiceRestTransport,
        PipelineServiceRestTransport,
        ScheduleServiceRestTransport,
        SecretManagerServiceRestTransport,
        MetadataServiceRestTransport,
    )


def router(
    models: ModelStore,
    endpoints: EndpointStore,
    jobs: PipelineJobStore,
    operations: Operations,
    secrets: SecretStore,
    schedules: ScheduleStore,
    metadata: MetadataFake,
) -> Router:
    """Every RPC the fake serves, with the store method that answers it."""
    model, endpoint, pipeline, schedule, secret, meta = _transports()
    table: List[Tuple[type, str, Handler]] = [
        (model, "UploadModel", lambda c: models.upload(*_parent(c), c.body)),
        (model, "ListModels", lambda c: models.list(*_parent(c), c.query.get("filter"))),
        (model, "GetModel", lambda c: models.get(*models.parse(c.path["name"]))),
        (
            model,
            "UpdateModel",
            lambda c: models.patch(*models.parse(c.path["model.name"]), c.query.get("updateMask"), c.body),
        ),
        (
            model,
            "ListModelVersions",
            lambda c: models.list_versions(models.parse(c.path["name"])[0], c.query.get("filter")),
        ),
        (model, "MergeVersionAliases", lambda c: models.merge_aliases(*models.parse(c.path["name"]), c.body)),
        (endpoint, "CreateEndpoint", lambda c: endpoints.create(*_parent(c), c.query.get("endpointId"), c.body)),
        (endpoint, "ListEndpoints", lambda c: endpoints.list(*_parent(c), c.query.get("filter"))),
        (endpoint, "GetEndpoint", lambda c: endpoints.get(_last(c))),
        (
            endpoint,
            "UpdateEndpoint",
            lambda c: endpoints.patch(_last(c, "endpoint.name"), c.query.get("updateMask"), c.body),
        ),
        (endpoint, "DeployModel", lambda c: endpoints.deploy(_last(c, "endpoint"), c.body)),
        (endpoint, "UndeployModel", lambda c: endpoints.undeploy(_last(c, "endpoint"), c.body)),
        (pipeline, "CreatePipelineJob", lambda c: jobs.create(*_parent(c), c.query.get("pipelineJobId"), c.body)),
        (pipeline, "ListPipelineJobs", lambda c: jobs.list(*_parent(c), c.query.get("filter"))),
        (pipeline, "GetPipelineJob", lambda c: jobs.get(_last(c))),
        (pipeline, "CancelPipelineJob", lambda c: jobs.cancel(_last(c))),
        (schedule, "CreateSchedule", lambda c: schedules.create(*_parent(c), c.body)),
        (schedule, "ListSchedules", lambda c: schedules.list(*_parent(c), c.query.get("filter"))),
        (schedule, "GetSchedule", lambda c: schedules.get(_last(c))),
        (
            schedule,
            "UpdateSchedule",
            lambda c: schedules.patch(_last(c, "schedule.name"), c.query.get("updateMask"), c.body),
        ),
        (schedule, "DeleteSchedule", lambda c: schedules.delete(_last(c))),
        # One operations route serves all three services: they share the same http rules.
        (model, "GetOperation", lambda c: operations.get(c.path["name"])),
        (secret, "AccessSecretVersion", lambda c: secrets.access(*_secret_version(c))),
        *_metadata_routes(meta, metadata, operations),
    ]
    return Router([(Rpc.of(transport, name), handler) for transport, name, handler in table])


def _secret_version(call: Call) -> Tuple[str, str, str]:
    """(project, secret, version) of `projects/P/secrets/S/versions/V`."""
    parts = call.path["name"].split("/")
    return parts[1], parts[3], parts[5]


def _store_id(call: Call) -> str:
    """The metadata store of a `parent` (or node `name`) path variable: projects/P/locations/L/metadataStores/S."""
    path = call.path.get("parent") or call.path.get("name") or ""
    return "/".join(path.split("/")[:6])


def _metadata_routes(meta: type, metadata: MetadataFake, operations: Operations) -> List[Tuple[type, str, Handler]]:
    """Vertex AI Experiments' RPCs: metadata stores, contexts, executions, artifacts and how they connect."""

    def create_store(call: Call) -> Dict[str, Any]:
        project, location = _parent(call)
        store = metadata.create_store(project, location, call.query.get("metadataStoreId"), call.body)
        return operations.start(call.path["parent"], "MetadataStore", store)

    table: List[Tuple[type, str, Handler]] = [
        (meta, "CreateMetadataStore", create_store),
        (meta, "GetMetadataStore", lambda c: metadata.get_store(c.path["name"])),
    ]
    for kind, singular, query_id in (
        ("contexts", "Context", "contextId"),
        ("executions", "Execution", "executionId"),
        ("artifacts", "Artifact", "artifactId"),
    ):
        table += [
            (meta, f"Create{singular}", _create(metadata, kind, query_id)),
            (meta, f"Get{singular}", _get(metadata, kind)),
            (meta, f"List{singular}s", _list(metadata, kind)),
            (meta, f"Update{singular}", _update(metadata, kind, singular.lower())),
        ]
    table += [
        (
            meta,
            "AddContextChildren",
            lambda c: metadata.add_children(c.path["context"], c.body.get("childContexts", [])),
        ),
        (
            meta,
            "AddContextArtifactsAndExecutions",
            lambda c: metadata.add_members(
                c.path["context"], c.body.get("artifacts", []), c.body.get("executions", [])
            ),
        ),
        (meta, "AddExecutionEvents", lambda c: metadata.add_events(c.path["execution"], c.body.get("events", []))),
        (meta, "QueryContextLineageSubgraph", lambda c: metadata.lineage(c.path["context"])),
    ]
    return table


def _create(metadata: MetadataFake, kind: str, query_id: str) -> Handler:
    return lambda c: metadata.create(kind, _store_id(c), c.query.get(query_id), c.body)


def _get(metadata: MetadataFake, kind: str) -> Handler:
    return lambda c: metadata.get(kind, c.path["name"])


def _list(metadata: MetadataFake, kind: str) -> Handler:
    return lambda c: metadata.list(kind, _store_id(c), c.query.get("filter"))


def _update(metadata: MetadataFake, kind: str, field: str) -> Handler:
    return lambda c: metadata.update(kind, c.path[f"{field}.name"], c.query.get("updateMask"), c.body)
