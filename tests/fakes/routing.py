"""Routing of a loopback fake: each RPC with its handler, tried in order, and what a handler is given."""

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Tuple

from google.protobuf.message import Message

from tests.fakes.api import Rpc
from tests.fakes.errors import ApiError


@dataclass
class Call:
    """One request as a handler sees it: path variables by field path, query values, the JSON body, the message."""

    path: Dict[str, str]
    query: Dict[str, str]
    body: Dict[str, Any]
    message: Message


Handler = Callable[[Call], Dict[str, Any]]


class Router:
    """RPCs and their handlers in the order they are tried; answers one HTTP request or raises ApiError."""

    def __init__(self, routes: List[Tuple[Rpc, Handler]]):
        self.routes = routes

    def dispatch(self, method: str, path: str, query: Dict[str, List[str]], body: Any) -> Dict[str, Any]:
        for rpc, handler in self.routes:
            found = rpc.match(method, path)
            if found is None:
                continue
            fields, body_field = found
            message = rpc.parse(fields, query, body, body_field)
            result = handler(Call(fields, {k: v[-1] for k, v in query.items()}, body or {}, message))
            rpc.check_response(result)
            return result
        raise ApiError(404, f"The fake has no route for {method} {path}.", "NOT_FOUND")
