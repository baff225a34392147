"""The Model section: the trained SavedModel's signatures and size, and where it was pushed."""

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from pipeline import mlmd

SERVING_DIR = "Format-Serving"
SAVED_MODEL = "saved_model.pb"
_TYPES_PROTO = "tensorflow.core.framework.types_pb2"
_SAVED_MODEL_PROTO = "tensorflow.core.protobuf.saved_model_pb2"
# Every generated module this file parses with (the report's worker loads them ahead).
PROTOS = (_TYPES_PROTO, _SAVED_MODEL_PROTO)


@dataclass
class Tensor:
    name: str
    dtype: str
    shape: str


@dataclass
class Signature:
    name: str
    inputs: List[Tensor]
    outputs: List[Tensor]


@dataclass
class ModelSection:
    """pushed: True when this run's blessed model is in the serving directory (now or by an earlier run)."""

    trained: bool = False
    trainer_status: str = "not run"
    path: Optional[str] = None
    size_bytes: int = 0
    signatures: List[Signature] = field(default_factory=list)
    pushed: bool = False
    pushed_now: bool = False
    version: Optional[str] = None
    destination: Optional[str] = None


def _tensor(name: str, info) -> Tensor:
    from components import protos

    types_pb2 = protos.module(_TYPES_PROTO)
    dtype = types_pb2.DataType.Name(info.dtype).removeprefix("DT_").lower()
    if info.tensor_shape.unknown_rank:
        shape = "unknown"
    else:
        shape = "(" + ", ".join("None" if d.size < 0 else str(d.size) for d in info.tensor_shape.dim) + ")"
    return Tensor(name, dtype, shape)


def signatures(saved_model_dir: str) -> List[Signature]:
    """The serving signatures, read from saved_model.pb without loading the graph."""
    from components import protos

    saved_model = protos.module(_SAVED_MODEL_PROTO).SavedModel()
    with open(os.path.join(saved_model_dir, SAVED_MODEL), "rb") as handle:
        saved_model.ParseFromString(handle.read())
    found = []
    for graph in saved_model.meta_graphs:
        for name, signature in sorted(graph.signature_def.items()):
            if name.startswith("__"):
                continue
            inputs = [_tensor(k, v) for k, v in sorted(signature.inputs.items())]
            outputs = [_tensor(k, v) for k, v in sorted(signature.outputs.items())]
            found.append(Signature(name, inputs, outputs))
    return found


def directory_size(path: str) -> int:
    return sum(os.path.getsize(os.path.join(root, name)) for root, _, names in os.walk(path) for name in names)


def _push(pusher: Optional[mlmd.NodeRun], section: ModelSection) -> None:
    if pusher is None or not pusher.outputs.get("pushed_model"):
        return
    pushed = pusher.outputs["pushed_model"][0]
    section.pushed = mlmd.custom_property(pushed, "pushed") == 1
    unchanged = mlmd.custom_property(pushed, "unchanged_version")
    if unchanged is not None:
        # A version already held this very model, so the Pusher pushed nothing (components/executors.py).
        section.pushed, section.version = True, str(unchanged)
        section.destination = mlmd.custom_property(pushed, "pushed_destination")
    elif section.pushed:
        section.pushed_now = pusher.status == "executed"
        section.version = str(mlmd.custom_property(pushed, "pushed_version"))
        section.destination = mlmd.custom_property(pushed, "pushed_destination")


def extract(nodes: Dict[str, mlmd.NodeRun]) -> ModelSection:
    trainer = nodes.get("Trainer")
    section = ModelSection(trainer_status=trainer.status if trainer else "not run")
    if trainer is None or not trainer.outputs.get("model"):
        return section
    path = os.path.join(trainer.outputs["model"][0].uri, SERVING_DIR)
    if os.path.exists(os.path.join(path, SAVED_MODEL)):
        section.trained, section.path = True, path
        section.size_bytes = directory_size(path)
        section.signatures = signatures(path)
    _push(nodes.get("Pusher"), section)
    return section
