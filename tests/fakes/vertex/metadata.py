"""The ML Metadata part of the Vertex AI fake: what Vertex AI Experiments stores (contexts, executions, artifacts).

The SDK keeps an experiment as a system.Experiment context, each experiment run as a system.ExperimentRun
context under it (parameters and metrics in its metadata), and a pipeline job's run as a system.PipelineRun
context that AddContextChildren puts under the experiment. Filters are the subset the SDK sends; any other
clause is a 400, so a new kind of query shows up as a failed test, not a silently wrong answer.
"""

import copy
import re
from typing import Any, Dict, List, Optional, Set

from tests.fakes.vertex.common import ApiError, Ids, all_clauses, location_path, now

KINDS = ("contexts", "executions", "artifacts")
# Output-only fields: a request may carry them (the SDK sends whole resources) but they never change.
OUTPUT_ONLY = {"name", "createTime", "updateTime", "parentContexts", "etag"}
_CLAUSE = re.compile(
    r'^\s*(?:(?P<field>[\w.]+)\s*(?P<op>=|:)\s*"(?P<value>[^"]*)"'
    r'|in_context\("(?P<context>[^"]*)"\)'
    r'|with_(?P<kind>execution|artifact)\("(?P<node>[^"]*)"\))\s*$'
)


class MetadataFake:
    """Metadata stores and their contexts, executions and artifacts, keyed by full resource name."""

    def __init__(self, ids: Ids):
        self._ids = ids
        self.stores: Dict[str, Dict[str, Any]] = {}
        self.nodes: Dict[str, Dict[str, Dict[str, Any]]] = {kind: {} for kind in KINDS}
        self.children: Dict[str, List[str]] = {}
        self.members: Dict[str, Set[str]] = {}
        self.events: Dict[str, List[Dict[str, Any]]] = {}

    # ------------------------------------------------------------------ metadata stores

    def create_store(self, project: str, location: str, store_id: Optional[str], body: Dict[str, Any]):
        name = f"{location_path(project, location)}/metadataStores/{store_id or 'default'}"
        if name in self.stores:
            raise ApiError(409, f"MetadataStore {name} already exists.", "ALREADY_EXISTS")
        self.stores[name] = {**copy.deepcopy(body), "name": name, "createTime": now(), "updateTime": now()}
        return self.stores[name]

    def get_store(self, name: str) -> Dict[str, Any]:
        if name not in self.stores:
            raise ApiError(404, f"MetadataStore {name} not found.", "NOT_FOUND")
        return copy.deepcopy(self.stores[name])

    def pipeline_run_context(self, job_name: str) -> Dict[str, Any]:
        """The system.PipelineRun context Vertex AI Pipelines makes for a running job, in the default store."""
        parts = job_name.split("/")
        store = f"{location_path(parts[1], parts[3])}/metadataStores/default"
        if store not in self.stores:
            self.stores[store] = {"name": store, "createTime": now(), "updateTime": now()}
        body = {"displayName": parts[-1], "schemaTitle": "system.PipelineRun", "schemaVersion": "0.0.1"}
        return self.create("contexts", store, parts[-1], body)

    # ------------------------------------------------------------------ contexts, executions, artifacts

    def create(self, kind: str, store: str, node_id: Optional[str], body: Dict[str, Any]) -> Dict[str, Any]:
        self.get_store(store)
        name = f"{store}/{kind}/{node_id or self._ids.next()}"
        if name in self.nodes[kind]:
            raise ApiError(409, f"{kind[:-1].capitalize()} {name} already exists.", "ALREADY_EXISTS")
        stamp = now()
        node = {**copy.deepcopy(body), "name": name, "createTime": stamp, "updateTime": stamp, "etag": "1"}
        if kind == "contexts":
            node.setdefault("parentContexts", [])
        self.nodes[kind][name] = node
        return copy.deepcopy(node)

    def get(self, kind: str, name: str) -> Dict[str, Any]:
        return copy.deepcopy(self._node(kind, name))

    def update(self, kind: str, name: str, update_mask: Optional[str], body: Dict[str, Any]) -> Dict[str, Any]:
        node = self._node(kind, name)
        masked = [path for path in (update_mask or "").split(",") if path]
        # Without a mask, every field the request sets is updated, output-only fields ignored (as the API does).
        paths = masked or [k for k in body if k not in OUTPUT_ONLY]
        for path in paths:
            key = re.sub(r"_(\w)", lambda m: m.group(1).upper(), path)
            if key in OUTPUT_ONLY:
                raise ApiError(400, f"Field {path} cannot be updated.", "INVALID_ARGUMENT")
            if key in body:
                node[key] = copy.deepcopy(body[key])
            else:
                node.pop(key, None)
        node["updateTime"] = now()
        node["etag"] = str(int(node["etag"]) + 1)
        return copy.deepcopy(node)

    def list(self, kind: str, store: str, expression: Optional[str]) -> Dict[str, Any]:
        self.get_store(store)
        prefix = f"{store}/{kind}/"
        found = [n for name, n in self.nodes[kind].items() if name.startswith(prefix) and self._matches(n, expression)]
        return {kind: copy.deepcopy(found)}

    def add_children(self, context: str, children: List[str]) -> Dict[str, Any]:
        self._node("contexts", context)
        for child in children:
            node = self._node("contexts", child)
            if child == context or context in self._ancestors(child) | {child}:
                raise ApiError(400, f"Adding {child} under {context} would make a cycle.", "INVALID_ARGUMENT")
            if context not in node["parentContexts"]:
                node["parentContexts"].append(context)
                self.children.setdefault(context, []).append(child)
        return {}

    def add_members(self, context: str, artifacts: List[str], executions: List[str]) -> Dict[str, Any]:
        self._node("contexts", context)
        for name in artifacts:
            self._node("artifacts", name)
        for name in executions:
            self._node("executions", name)
        self.members.setdefault(context, set()).update(artifacts + executions)
        return {}

    def add_events(self, execution: str, events: List[Dict[str, Any]]) -> Dict[str, Any]:
        self._node("executions", execution)
        for event in events:
            self._node("artifacts", event["artifact"])
            self.events.setdefault(execution, []).append({**copy.deepcopy(event), "execution": execution})
        return {}

    def lineage(self, context: str) -> Dict[str, Any]:
        """QueryContextLineageSubgraph: the artifacts and executions of the context, and their events."""
        self._node("contexts", context)
        members = self.members.get(context, set())
        executions = [n for name, n in self.nodes["executions"].items() if name in members]
        artifacts = [n for name, n in self.nodes["artifacts"].items() if name in members]
        events = [e for name in members for e in self.events.get(name, [])]
        return {"artifacts": copy.deepcopy(artifacts), "executions": copy.deepcopy(executions), "events": events}

    # ------------------------------------------------------------------ helpers

    def _node(self, kind: str, name: str) -> Dict[str, Any]:
        if name not in self.nodes[kind]:
            raise ApiError(404, f"{kind[:-1].capitalize()} {name} not found.", "NOT_FOUND")
        return self.nodes[kind][name]

    def _ancestors(self, name: str) -> Set[str]:
        seen: Set[str] = set()
        stack = list(self.nodes["contexts"][name]["parentContexts"])
        while stack:
            parent = stack.pop()
            if parent not in seen:
                seen.add(parent)
                stack.extend(self.nodes["contexts"].get(parent, {}).get("parentContexts", []))
        return seen

    def _matches(self, node: Dict[str, Any], expression: Optional[str]) -> bool:
        return all_clauses(expression, _CLAUSE, lambda found: self._clause(node, found))

    def _clause(self, node: Dict[str, Any], found: "re.Match[str]") -> bool:
        if found["context"] is not None:
            context = found["context"]
            return node["name"] in self.members.get(context, set()) or context in node.get("parentContexts", [])
        if found["kind"] is not None:
            raise ApiError(400, f"Unsupported filter: with_{found['kind']}", "INVALID_ARGUMENT")
        field, op, value = found["field"], found["op"], found["value"]
        if field in ("schema_title", "schemaTitle"):
            return node.get("schemaTitle") == value
        if field in ("display_name", "displayName"):
            return node.get("displayName") == value
        if field in ("parent_contexts", "parentContexts") and op == ":":
            return value in node.get("parentContexts", [])
        if field == "state":
            return node.get("state") == value
        raise ApiError(400, f"Unsupported filter field: {field!r}", "INVALID_ARGUMENT")
