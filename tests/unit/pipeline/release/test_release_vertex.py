"""The release path on Vertex AI, against the loopback fake: the pusher's staging deployment, `vtx smoke` through the
official client, promotion's requests in order (deploy with traffic, undeploy after, then the alias), rollback."""

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from pipeline.config.loader import load_config
from pipeline.registry import open_registry
from pipeline.release import promote, smoke
from pipeline.release.clients import VertexClient
from pipeline.release.examples import from_file
from pipeline.release.vertex import VertexDeployer
from tests.builders.vertex_push import push_once
from tests.fakes.errors import ApiError

pytestmark = pytest.mark.unit

PROJECT, REGION, MODEL = "test-project", "europe-west4", "vertex-tfx-penguins"
CLASSES = ["Adelie", "Chinstrap", "Gentoo"]
FEATURES = ["bill_length_mm", "island"]


def config_for(vertex_fake, *overrides: str):
    settings = [
        "data_root=gs://bucket/data",
        f"vertex.project={PROJECT}",
        f"vertex.region={REGION}",
        "vertex.pipeline_root=gs://bucket/root",
        "vertex.image=europe-west4-docker.pkg.dev/test-project/vtx/vertex-tfx:abc",
        f"vertex.api_endpoint={vertex_fake.endpoint}",
        *overrides,
    ]
    return load_config(profile="vertex", overrides=settings, environ={})


def pusher_parameters(config, vertex_fake) -> Dict[str, Any]:
    stage = config.release.stage("staging")
    return dict(
        project=PROJECT,
        region=REGION,
        model_display_name=MODEL,
        serving_container=json.dumps({"imageUri": config.vertex.image, "command": ["vtx", "serve"]}),
        stage="staging",
        endpoint_display_name=config.release.endpoint_display_name("staging", config.pipeline_name),
        machine_type=stage.machine_type,
        min_replicas=stage.min_replicas,
        max_replicas=stage.max_replicas,
        traffic_percentage=stage.traffic_percentage,
        request_logging=0,
        logging_sampling_rate=1.0,
        logging_bigquery_table="",
        labels=json.dumps({"pipeline": MODEL}),
        pipeline_run_id="vertex-tfx-penguins-20261204",
        api_endpoint=vertex_fake.endpoint,
    )


def penguin_container(deployed: Dict[str, Any], instances: List[Any]) -> List[Any]:
    """A serving container: Gentoo for long bills, else Adelie; an instance with a non-scalar value is a 400."""
    answers = []
    for instance in instances:
        if any(isinstance(value, (dict, list)) for value in instance.values()):
            raise ApiError(400, "instance 0: bill_length_mm must be a number or null", "INVALID_ARGUMENT")
        gentoo = (instance.get("bill_length_mm") or 0) > 45
        probabilities = [0.1, 0.1, 0.8] if gentoo else [0.8, 0.1, 0.1]
        answers.append(
            {"classes": "Gentoo" if gentoo else "Adelie", "probabilities": probabilities, "class_names": CLASSES}
        )
    return answers


@pytest.fixture
def examples(tmp_path: Path):
    rows = [{"bill_length_mm": 39.1, "island": "Torgersen", "species": "Adelie"}] * 3
    rows += [{"bill_length_mm": 47.5, "island": "Biscoe", "species": "Gentoo"}] * 2
    path = tmp_path / "held_out.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return from_file(str(path), FEATURES, "species", 100)


def endpoints_by_name(vertex_fake) -> Dict[str, Dict[str, Any]]:
    return {e["displayName"]: e for e in vertex_fake.endpoints.endpoints.values()}


def staged(vertex_fake, tmp_path: Path, config, run: int, accuracy: float = 1.0) -> str:
    pushed = push_once(
        tmp_path / f"run{run}",
        f"gs://bucket/Trainer/model/{run}",
        pusher_parameters(config, vertex_fake),
        True,
        accuracy,
    )
    return str(pushed.get_string_custom_property("pushed_version"))


def test_the_pusher_deploys_to_the_staging_endpoint_only(vertex_fake, tmp_path):
    config = config_for(vertex_fake)
    version = staged(vertex_fake, tmp_path, config, 1)
    assert set(endpoints_by_name(vertex_fake)) == {"vertex-tfx-penguins-staging"}
    (deployed,) = endpoints_by_name(vertex_fake)["vertex-tfx-penguins-staging"]["deployedModels"]
    assert deployed["dedicatedResources"]["maxReplicaCount"] == 1
    registry = open_registry(config)
    assert registry.resolve("staging").version == version
    assert "production" not in registry.get(version).aliases


def test_smoke_through_the_official_client_passes_and_is_kept_on_the_version(vertex_fake, tmp_path, examples):
    config = config_for(vertex_fake)
    version = staged(vertex_fake, tmp_path, config, 1)
    vertex_fake.endpoints.container = penguin_container
    registry = open_registry(config)
    endpoint = VertexDeployer(config, registry).endpoint_resource("staging")
    result = smoke.run(VertexClient(endpoint), "staging", registry.resolve("staging"), examples, config.release.smoke)
    lines = [check.line for check in result.checks]
    assert result.passed and result.confirmed, lines
    assert lines[0] == f"PASS  version      {version}, the staging version, answered every call"
    assert lines[3].startswith("PASS  accuracy     1.0000 on 5 examples, Evaluator 1.0000: gap 0.0000 <= 0.05")
    assert lines[-1] == "PASS  malformed    refused with 400, a 4xx"
    predicts = vertex_fake.find("POST", r":predict$")
    assert len(predicts) == 6 and predicts[-1].body["instances"][0]["bill_length_mm"] == {"not": "a value"}
    registry.record_smoke(version, result.record())
    record = registry.smoke_record(version)
    assert record is not None and record.passed
    assert vertex_fake.models.resolve(_model_name(vertex_fake, version))["labels"]["vtx_smoke"].startswith("passed_")


def _model_name(vertex_fake, version: str) -> str:
    (model_id,) = vertex_fake.models.models
    return f"projects/{PROJECT}/locations/{REGION}/models/{model_id}@{version}"


def test_a_nan_answer_fails_the_outputs_line_and_promotion_is_refused(vertex_fake, tmp_path, examples):
    config = config_for(vertex_fake)
    version = staged(vertex_fake, tmp_path, config, 1)

    def broken(deployed, instances):
        answers = penguin_container(deployed, instances)
        return [{**answer, "probabilities": [float("nan")] * 3} for answer in answers]

    vertex_fake.endpoints.container = broken
    registry = open_registry(config)
    client = VertexClient(VertexDeployer(config, registry).endpoint_resource("staging"))
    result = smoke.run(client, "staging", registry.resolve("staging"), examples, config.release.smoke)
    failed = [check.line for check in result.checks if not check.passed]
    # JSON has no NaN: protobuf's Value carries it as the string "NaN", which is what a client gets.
    assert failed == ["FAIL  outputs      5/5 invalid; prediction 1: probability 'NaN' is not a finite number"]
    registry.record_smoke(version, result.record())
    with pytest.raises(promote.PromotionRefusedError, match=f"version {version} failed its smoke test of .*outputs"):
        promote.promote(registry, None, VertexDeployer(config, registry))


def test_promotion_deploys_with_the_traffic_split_undeploys_after_and_moves_the_alias_last(vertex_fake, tmp_path):
    config = config_for(vertex_fake, "release.stages.production.traffic_percentage=100")
    registry = open_registry(config)
    deployer = VertexDeployer(config, registry)
    record = smoke.Result("staging", None, "", "", [], True).record()  # type: ignore[arg-type] # all passed
    first = staged(vertex_fake, tmp_path, config, 1)
    with pytest.raises(promote.PromotionRefusedError, match=f"version {first} has no smoke test; run `vtx smoke"):
        promote.promote(registry, None, deployer)
    registry.record_smoke(first, record)
    moved = promote.promote(registry, None, deployer)
    assert moved.line().startswith(f"Promoted version {first} to production; deployed as ")
    production = endpoints_by_name(vertex_fake)["vertex-tfx-penguins"]
    assert production["predictRequestResponseLoggingConfig"]["enabled"] is True

    second = staged(vertex_fake, tmp_path, config, 2)
    registry.record_smoke(second, record)
    vertex_fake.requests.clear()
    promote.promote(registry, second, deployer)
    order = [(r.method, r.path.rsplit("/", 1)[-1]) for r in vertex_fake.requests if r.method == "POST"]
    steps = [path.split(":")[-1] for _, path in order if ":" in path]
    assert steps.index("deployModel") < steps.index("undeployModel") < steps.index("mergeVersionAliases")
    (serving,) = endpoints_by_name(vertex_fake)["vertex-tfx-penguins"]["deployedModels"]
    assert serving["modelVersionId"] == second
    assert registry.resolve("production").version == second
    assert _refused_code(registry, second) == 0

    back = promote.rollback(registry, deployer)
    assert (back.before.version, back.after.version) == (second, first)
    (serving,) = endpoints_by_name(vertex_fake)["vertex-tfx-penguins"]["deployedModels"]
    assert serving["modelVersionId"] == first


def _refused_code(registry, version: str) -> int:
    with pytest.raises(promote.PromotionRefusedError) as refused:
        promote.check(registry, version)
    assert str(refused.value) == f"version {version} is already in production; nothing to do"
    return refused.value.code


def test_a_canary_split_keeps_the_old_deployment_serving(vertex_fake, tmp_path):
    config = config_for(vertex_fake, "release.stages.production.traffic_percentage=20")
    registry = open_registry(config)
    deployer = VertexDeployer(config, registry)
    record = smoke.Result("staging", None, "", "", [], True).record()  # type: ignore[arg-type]
    for run in (1, 2):
        version = staged(vertex_fake, tmp_path, config, run)
        registry.record_smoke(version, record)
        promote.promote(registry, None, deployer)
    production = endpoints_by_name(vertex_fake)["vertex-tfx-penguins"]
    shares = {d["modelVersionId"]: production["trafficSplit"][d["id"]] for d in production["deployedModels"]}
    assert shares == {"1": 80, "2": 20}
