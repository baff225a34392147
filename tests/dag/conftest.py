"""Shared fixtures for the DAG tests: pipelines built from the local profile with outputs in a temp folder."""

import socket
from pathlib import Path
from typing import Callable, Dict

import pytest
from tfx.dsl.compiler.compiler import Compiler
from tfx.orchestration import pipeline as tfx_pipeline
from tfx.proto.orchestration import pipeline_pb2

from pipeline.config.loader import load_config
from pipeline.dag.factory import create_pipeline
from tests.builders.pipeline_runs import FAKE_TOKEN


@pytest.fixture(scope="session")
def output_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("outputs")


@pytest.fixture(scope="session")
def build(output_root: Path) -> Callable[..., tfx_pipeline.Pipeline]:
    """create_pipeline(load_config(...)) with extra --set overrides, isolated from the environment."""

    def run(*overrides: str) -> tfx_pipeline.Pipeline:
        return create_pipeline(load_config(overrides=[f"output_root={output_root}", *overrides], environ={}))

    return run


@pytest.fixture(scope="session")
def compile_nodes() -> Callable[[tfx_pipeline.Pipeline], Dict[str, pipeline_pb2.PipelineNode]]:
    """Compiles a pipeline to IR; node id -> PipelineNode, in IR order."""

    def run(pipeline: tfx_pipeline.Pipeline) -> Dict[str, pipeline_pb2.PipelineNode]:
        ir = Compiler().compile(pipeline)
        return {node.pipeline_node.node_info.id: node.pipeline_node for node in ir.nodes}

    return run


@pytest.fixture(scope="module")
def offline():
    """No socket may leave the machine and no Google credentials may be looked up while compiling."""
    patch = pytest.MonkeyPatch()

    def refuse(*args, **kwargs):
        raise AssertionError(f"compiling tried to reach the network: {args[1:]!r}")

    def no_credentials(*args, **kwargs):
        raise AssertionError("compiling asked for Google credentials")

    import google.auth

    patch.setattr(socket.socket, "connect", refuse)
    patch.setattr(socket, "getaddrinfo", refuse)
    patch.setattr(google.auth, "default", no_credentials)
    patch.setenv("NEPTUNE_API_TOKEN", FAKE_TOKEN)
    patch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/credentials.json")
    yield
    patch.undo()
