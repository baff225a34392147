"""The routes of the Vertex AI fake: which REST method and path reach which store."""

import re
from typing import Any, Callable, Dict, List, Pattern, Tuple

from tests.fakes.vertex.common import Operations
from tests.fakes.vertex.endpoints import EndpointStore
from tests.fakes.vertex.jobs import PipelineJobStore, SecretStore
from tests.fakes.vertex.models import ModelStore
from tests.fakes.vertex.schedules import ScheduleStore

_LOC = r"/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
_MODEL = _LOC + r"/models/(?P<model>[^/@:]+)"
_ENDPOINT = _LOC + r"/endpoints/(?P<endpoint>[^/:]+)"
_JOB = _LOC + r"/pipelineJobs/(?P<job>[^/:]+)"
_SCHEDULE = _LOC + r"/schedules/(?P<schedule>[^/:]+)"
# (path groups, query parameters, JSON body) -> JSON answer
Handler = Callable[[Dict[str, str], Dict[str, str], Any], Dict[str, Any]]


def route_table(
    models: ModelStore,
    endpoints: EndpointStore,
    jobs: PipelineJobStore,
    operations: Operations,
    secrets: SecretStore,
    schedules: ScheduleStore,
) -> List[Tuple[str, Pattern[str], Handler]]:
    """(HTTP method, path pattern that must match the whole path, handler), in the order they are tried."""
    table: List[Tuple[str, str, Handler]] = [
        ("POST", _LOC + r"/models:upload", lambda m, q, b: models.upload(m["project"], m["location"], b)),
        ("GET", _LOC + r"/models", lambda m, q, b: models.list(m["project"], m["location"], q.get("filter"))),
        ("GET", _MODEL + r"(?:@(?P<version>[^/:]+))?", lambda m, q, b: models.get(m["model"], m["version"])),
        (
            "PATCH",
            _MODEL + r"(?:@(?P<version>[^/:]+))?",
            lambda m, q, b: models.patch(m["model"], m["version"], q.get("updateMask"), b),
        ),
        ("GET", _MODEL + r":listVersions", lambda m, q, b: models.list_versions(m["model"], q.get("filter"))),
        (
            "POST",
            _MODEL + r"@(?P<version>[^/:]+):mergeVersionAliases",
            lambda m, q, b: models.merge_aliases(m["model"], m["version"], b),
        ),
        (
            "POST",
            _LOC + r"/endpoints",
            lambda m, q, b: endpoints.create(m["project"], m["location"], q.get("endpointId"), b),
        ),
        ("GET", _LOC + r"/endpoints", lambda m, q, b: endpoints.list(m["project"], m["location"], q.get("filter"))),
        ("GET", _ENDPOINT, lambda m, q, b: endpoints.get(m["endpoint"])),
        ("PATCH", _ENDPOINT, lambda m, q, b: endpoints.patch(m["endpoint"], q.get("updateMask"), b)),
        ("POST", _ENDPOINT + r":deployModel", lambda m, q, b: endpoints.deploy(m["endpoint"], b)),
        ("POST", _ENDPOINT + r":undeployModel", lambda m, q, b: endpoints.undeploy(m["endpoint"], b)),
        (
            "POST",
            _LOC + r"/pipelineJobs",
            lambda m, q, b: jobs.create(m["project"], m["location"], q.get("pipelineJobId"), b),
        ),
        ("GET", _LOC + r"/pipelineJobs", lambda m, q, b: jobs.list(m["project"], m["location"], q.get("filter"))),
        ("GET", _JOB, lambda m, q, b: jobs.get(m["job"])),
        ("POST", _JOB + r":cancel", lambda m, q, b: jobs.cancel(m["job"])),
        ("POST", _LOC + r"/schedules", lambda m, q, b: schedules.create(m["project"], m["location"], b)),
        ("GET", _LOC + r"/schedules", lambda m, q, b: schedules.list(m["project"], m["location"], q.get("filter"))),
        ("GET", _SCHEDULE, lambda m, q, b: schedules.get(m["schedule"])),
        ("PATCH", _SCHEDULE, lambda m, q, b: schedules.patch(m["schedule"], q.get("updateMask"), b)),
        ("DELETE", _SCHEDULE, lambda m, q, b: schedules.delete(m["schedule"])),
        # The GAPIC REST clients read operations under /ui/ first; Vertex serves them under /v1/ too.
        ("GET", r"/(?:v1|ui)/(?P<name>.+/operations/[^/]+)", lambda m, q, b: operations.get(m["name"])),
        (
            "GET",
            r"/v1/projects/(?P<project>[^/]+)/secrets/(?P<secret>[^/]+)/versions/(?P<version>[^/:]+):access",
            lambda m, q, b: secrets.access(m["project"], m["secret"], m["version"]),
        ),
    ]
    return [(method, re.compile(pattern), handler) for method, pattern, handler in table]
