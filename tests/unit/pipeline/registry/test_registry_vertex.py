"""The Vertex AI Model Registry backend against the loopback Vertex fake: what it reads, and the requests it sends."""

import pytest
from google.cloud.aiplatform_v1.types import ModelContainerSpec

from components.vertex import registry as vertex_registry
from pipeline.config.loader import load_config
from pipeline.registry import RegistryError, open_registry
from pipeline.registry.vertex import VertexRegistry

pytestmark = pytest.mark.unit

PROJECT, REGION, MODEL = "test-project", "europe-west4", "vertex-tfx-penguins"
# The pusher's default serving container: the project's image running `vtx serve`.
CONTAINER = ModelContainerSpec(
    image_uri=f"{REGION}-docker.pkg.dev/{PROJECT}/vtx/vertex-tfx:abc", command=["vtx", "serve"]
)


@pytest.fixture
def registry(vertex_fake) -> VertexRegistry:
    config = load_config(
        profile="vertex",
        overrides=[
            "data_root=gs://bucket/data",
            f"vertex.project={PROJECT}",
            f"vertex.region={REGION}",
            "vertex.pipeline_root=gs://bucket/root",
            "vertex.image=image",
            f"vertex.api_endpoint={vertex_fake.endpoint}",
            "vertex.labels={team: penguins}",
        ],
        environ={},
    )
    registry = open_registry(config)
    assert isinstance(registry, VertexRegistry)
    return registry


def push(vertex_fake, run: str, accuracy: str) -> str:
    """What the VertexPusher does for a blessed model: upload a version with its labels, then make it production."""
    vertex_registry.connect(PROJECT, REGION, vertex_fake.endpoint)
    labels = {"pipeline": MODEL, "team": "penguins", "pipeline_run": run, "accuracy": accuracy, "loss": "0_0123"}
    version = vertex_registry.upload_version(MODEL, f"gs://bucket/models/{run}", CONTAINER, labels, "candidate")
    vertex_registry.move_alias(version, "production")
    return version.version_id


def test_versions_are_read_with_their_metrics_run_and_aliases(registry, vertex_fake):
    push(vertex_fake, "run-1", "0_95")
    push(vertex_fake, "run-2", "0_987")
    listed = registry.list()
    assert [v.version for v in listed] == ["2", "1"]
    newest = listed[0]
    assert newest.uri == "gs://bucket/models/run-2"
    assert newest.metrics == {"accuracy": 0.987, "loss": 0.0123}
    assert (newest.pipeline_run, newest.blessed, newest.data_fingerprint) == ("run-2", True, None)
    assert set(newest.aliases) == {"candidate", "production", "latest"} and listed[1].aliases == ()
    assert newest.pushed_at.tzinfo is not None
    assert registry.resolve("production") == registry.resolve("latest") == registry.get("2") == newest
    assert registry.resolve("1").uri == "gs://bucket/models/run-1"


def test_promote_moves_the_production_alias_and_labels_the_version(registry, vertex_fake):
    push(vertex_fake, "run-1", "0_95")
    push(vertex_fake, "run-2", "0_96")
    vertex_fake.requests.clear()
    promoted = registry.promote("1")
    assert promoted.version == "1" and "production" in promoted.aliases
    [patch] = vertex_fake.find("PATCH", r"/models/\d+@1$")
    assert patch.query["updateMask"] == "labels"
    assert patch.body["labels"]["vtx_promoted"].isdigit()
    assert patch.body["labels"]["pipeline_run"] == "run-1"  # the other labels are kept
    merges = [(r.path.rsplit("@", 1)[1], r.body) for r in vertex_fake.find("POST", r":mergeVersionAliases$")]
    assert merges == [
        ("2:mergeVersionAliases", {"versionAliases": ["-production"]}),
        ("1:mergeVersionAliases", {"versionAliases": ["production"]}),
    ]
    assert registry.resolve("production").version == "1"
    assert registry.resolve("latest").version == "2"


def test_rollback_walks_back_through_production_versions(registry, vertex_fake, monkeypatch):
    import itertools
    import time
    import types

    from pipeline.registry import vertex

    # Each promote or rollback is seconds apart, as a person types them (labels have one-second resolution).
    clock = itertools.count(int(time.time()) + 10, 10)
    monkeypatch.setattr(vertex, "time", types.SimpleNamespace(time=lambda: next(clock)))
    for run in ("run-1", "run-2", "run-3"):
        push(vertex_fake, run, "0_95")
    assert registry.rollback().version == "2"
    assert registry.resolve("production").version == "2"
    assert registry.rollback().version == "1"
    with pytest.raises(RegistryError, match="version 1 is the only production version; nothing to roll back to"):
        registry.rollback()
    registry.promote("3")
    assert registry.rollback().version == "1"


def test_unknown_versions_a_missing_model_and_api_failures_are_registry_errors(registry, vertex_fake):
    with pytest.raises(RegistryError, match=f"no model named '{MODEL}' .* the VertexPusher creates it on its first"):
        registry.resolve("production")
    assert registry.list() == []
    push(vertex_fake, "run-1", "0_95")
    with pytest.raises(
        RegistryError, match=r"has no version '7'; choose production, latest, another alias or a version: 1$"
    ):
        registry.resolve("7")
    vertex_fake.fail_next("GET", r":listVersions$", status=403, message="Permission denied on the model")
    with pytest.raises(RegistryError, match="Vertex AI registry call failed .*403 Forbidden: Permission denied"):
        registry.resolve("production")
