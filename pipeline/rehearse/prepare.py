"""Before a rehearsal: calls to Google refused, data and modules staged at their gs:// places, Dataflow named."""

import json
import shutil
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional

from pipeline.rehearse import beam_args, spec
from pipeline.rehearse.places import GS, Places
from pipeline.rehearse.vertex_fake import is_loopback


def _custom_configs(job: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    for task in spec.tasks_in_order(job):
        text = task.task.get("inputs", {}).get("parameters", {}).get(spec.CUSTOM_CONFIG, {})
        constant = text.get("runtimeValue", {}).get("constant")
        if isinstance(constant, str) and constant.startswith("{"):
            yield json.loads(constant)


def vertex_endpoint(job: Dict[str, Any]) -> Optional[str]:
    """The api_endpoint the spec's Pusher calls ("" is Google's), or None when it has no such parameter."""
    for task in spec.tasks_in_order(job):
        value = task.task.get("inputs", {}).get("parameters", {}).get("api_endpoint")
        if value is not None:
            return str(value.get("runtimeValue", {}).get("constant", ""))
    return None


def google_calls(job: Dict[str, Any]) -> List[str]:
    """What in the spec would call Google's own Vertex AI: the Pusher, a tracker (backend vertex)."""
    calls = []
    endpoint = vertex_endpoint(job)
    if endpoint is not None and not is_loopback(endpoint):
        calls.append("the Pusher")
    for config in _custom_configs(job):
        tracking = config.get("tracking") or {}
        if tracking.get("backend") == "vertex" and not is_loopback(str(tracking.get("api_endpoint", ""))):
            calls.append("the Vertex AI Experiments tracker")
            break
    return calls


def dataflow_flags(job: Dict[str, Any]) -> List[str]:
    """Every Beam flag the spec's command lines give Dataflow, once each, in order."""
    flags: List[str] = []
    for task in spec.tasks_in_order(job):
        container = task.executor.get("container", {})
        for lines in (container, container.get("lifecycle", {}).get("preCacheCheck", {})):
            for flag in beam_args.direct(list(lines.get("args", [])))[1]:
                if flag not in flags:
                    flags.append(flag)
    return flags


def stage(source: Path, uri: str, places: Places, replace: bool) -> Optional[str]:
    """Copies `source` to the local place of gs:// `uri` (keeping mtimes: ExampleGen's fingerprint reads them).

    Without `replace`, a place that already holds files is left as it is. Returns the local path when copied.
    """
    if not uri.startswith(GS):
        return None
    target = Path(places.local(uri))
    if target.exists() and not replace:
        return None
    if target.is_dir():
        shutil.rmtree(target)
    if source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    else:
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return str(target)


def job_values(job: Dict[str, Any], overrides: Mapping[str, Any]) -> Dict[str, Any]:
    return spec.job_parameters(job, overrides)
