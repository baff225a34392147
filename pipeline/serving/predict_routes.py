"""The predict paths answered in plain ASGI, in front of FastAPI: no routing table, dependency solving or middleware."""

import re
from typing import AbstractSet, Awaitable, Callable, Dict, Optional, Tuple

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from pipeline.serving.errors import ErrorResponses, error_body

# What a predict request is answered with: the endpoint its log row names, and the model name of its response.
Target = Tuple[str, str]
Service = Callable[[Request, str, str], Awaitable[Response]]

VERTEX_ROUTE = "/v1/projects/{project}/locations/{location}/endpoints/{endpoint}:predict"
# The Vertex AI path as Starlette matches it: each {name} one or more characters other than a slash.
_VERTEX = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", VERTEX_ROUTE) + "$")


class PredictRoutes:
    """POST to a predict path goes straight to the service; another method there is a 405; other paths go on.

    FastAPI's routing, its dependency solving for the path's parameters and its middleware stack cost more
    than the rest of the server's work on a one-instance request, and the predict paths need none of them.
    `exact` maps paths to their targets (a Vertex AI container's AIP_PREDICT_ROUTE first, then /predict);
    a Vertex AI predict path names its own endpoint unless `vertex_endpoint` fixes it (in a container).
    A method other than POST on a path in `app_paths` (a container's AIP_HEALTH_ROUTE) goes to the app.
    """

    def __init__(
        self,
        app: ASGIApp,
        service: Service,
        errors: ErrorResponses,
        exact: Dict[str, Target],
        model_name: str,
        vertex_endpoint: Optional[str],
        app_paths: AbstractSet[str] = frozenset(),
    ):
        self.app, self.service, self.errors = app, service, errors
        self.exact, self.model_name, self.vertex_endpoint = exact, model_name, vertex_endpoint
        self.app_paths = app_paths

    def target(self, path: str) -> Optional[Target]:
        found = self.exact.get(path)
        if found is not None:
            return found
        matched = _VERTEX.match(path)
        if matched is None:
            return None
        project, location, endpoint = matched.group("project", "location", "endpoint")
        name = f"projects/{project}/locations/{location}/models/{self.model_name}"
        return self.vertex_endpoint or endpoint, name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = self.target(scope["path"]) if scope["type"] == "http" else None
        if target is None or (scope["method"] != "POST" and scope["path"] in self.app_paths):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if scope["method"] != "POST":
            message = f"{scope['method']} is not allowed here; use POST"
            response = self.errors.respond(request, error_body(405, message), headers={"Allow": "POST"})
        else:
            response = await self.service(request, *target)
        await response(scope, receive, send)
