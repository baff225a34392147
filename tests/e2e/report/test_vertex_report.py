"""`vtx report --profile vertex`: a real run's artifacts in emulated GCS, its tasks in the Vertex fake, same report."""

import datetime
from pathlib import Path
from typing import Any, Dict, List

import pytest
from click.testing import CliRunner

from pipeline import mlmd
from pipeline.cli import main
from pipeline.config.loader import load_config
from pipeline.report import build, runs, vertex_runs
from pipeline.vertex.compile import compile_for_vertex
from tests.builders.pipeline_runs import Run

pytestmark = pytest.mark.e2e

BUCKET = "vtx-root"
ROOT = f"gs://{BUCKET}/pipeline-root"
SETTINGS = [
    f"data_root=gs://{BUCKET}/data",
    "vertex.project=my-proj-1",
    "vertex.region=europe-west4",
    f"vertex.pipeline_root={ROOT}",
    "vertex.image=europe-west4-docker.pkg.dev/my-proj-1/vtx/vertex-tfx:0123abc",
]


def flags(fake) -> List[str]:
    found = ["--profile", "vertex"]
    for item in [*SETTINGS, f"vertex.api_endpoint={fake.endpoint}"]:
        found += ["--set", item]
    return found


def _stamp(ms: float) -> str:
    when = datetime.datetime.fromtimestamp(ms / 1000.0, tz=datetime.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _upload(local: Path, output: Path, bucket) -> str:
    """Copies an artifact folder to the emulated pipeline root; returns its gs:// URI."""
    relative = local.relative_to(output).as_posix()
    for path in local.rglob("*"):
        if path.is_file():
            bucket.blob(f"pipeline-root/{relative}/{path.relative_to(local).as_posix()}").upload_from_filename(path)
    return f"{ROOT}/{relative}"


def _artifacts(by_key, output: Path, bucket) -> Dict[str, Any]:
    found: Dict[str, Any] = {}
    for key, artifacts in by_key.items():
        listed = []
        for artifact in artifacts:
            properties = {name: mlmd.custom_property(artifact, name) for name in artifact.custom_properties}
            uri = artifact.uri
            if key in vertex_runs.READ_KEYS and Path(uri).is_dir():
                uri = _upload(Path(uri), output, bucket)
            plain = {k: v for k, v in properties.items() if isinstance(v, (str, int, float))}
            listed.append({"uri": uri, "metadata": plain})
        found[key] = {"artifacts": listed}
    return found


def vertex_tasks(record: runs.RunRecord, output: Path, bucket) -> List[Dict[str, Any]]:
    """The local run's nodes as Vertex task details, their artifacts copied to the emulated root."""
    tasks = []
    for node in record.nodes.values():
        name = "Resolver-model-resolver" if node.node_id == "Resolver" else node.node_id
        tasks.append(
            {
                "taskName": name,
                "state": "SUCCEEDED",
                "createTime": _stamp(node.started_ms),
                "startTime": _stamp(node.started_ms),
                "endTime": _stamp(node.started_ms + node.seconds * 1000),
                "execution": {"state": "CACHED" if node.status == "cached" else "COMPLETE"},
                "inputs": _artifacts(node.inputs, output, bucket),
                "outputs": _artifacts(node.outputs, output, bucket),
            }
        )
    return tasks


@pytest.fixture
def submitted(first_run: Run, vertex_fake, storage_emulator, tmp_path: Path) -> Dict[str, Any]:
    """A Vertex job of the first run, submitted with `vtx submit` from the compiled spec."""
    local = runs.load(str(first_run.output / "metadata.sqlite"), "vertex-tfx-penguins", first_run.run_id)
    bucket = storage_emulator.client().create_bucket(BUCKET)
    vertex_fake.script_pipeline_job(["SUCCEEDED"], tasks=vertex_tasks(local, first_run.output, bucket))
    spec = compile_for_vertex(load_config(profile="vertex", overrides=SETTINGS, environ={}), tmp_path / "p.json")
    done = CliRunner().invoke(main, ["submit", "--spec", str(spec), *flags(vertex_fake)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    (job_id,) = vertex_fake.pipeline_jobs.jobs
    return {"local": local, "job_id": job_id}


def test_a_vertex_job_reports_what_the_same_run_reports_locally(submitted, vertex_fake, tmp_path: Path):
    out = tmp_path / "vertex.html"

    done = CliRunner().invoke(
        main, ["report", *flags(vertex_fake), "--output", str(tmp_path), "--out", str(out)], catch_exceptions=False
    )

    assert done.exit_code == 0, done.output
    assert done.stdout == f"Report of run {submitted['job_id']}: {out}\n"
    config = load_config(profile="vertex", overrides=[*SETTINGS, f"vertex.api_endpoint={vertex_fake.endpoint}"])
    record = vertex_runs.load(config, submitted["job_id"], tmp_path / "cache")
    # Every artifact the report reads came from the emulated bucket, not from the local run's folder.
    read = [
        a.uri
        for node in record.nodes.values()
        if node.node_id != vertex_runs.RESOLVER
        for key, found in node.outputs.items()
        if key in vertex_runs.READ_KEYS
        for a in found
    ]
    assert read and all(uri.startswith(str(tmp_path / "cache")) for uri in read), read
    remote = build.build(record)
    local = build.build(submitted["local"])
    assert remote.overview.verdict == local.overview.verdict == "pushed"
    assert remote.overview.version == local.overview.version
    assert remote.overview.facts["git_commit"]
    assert [s.node_id for s in remote.timeline.steps] == [s.node_id for s in local.timeline.steps]
    assert remote.data.features == local.data.features
    assert (remote.validation.source, remote.validation.anomalies) == ("curated", local.validation.anomalies)
    assert remote.tuning.trials == local.tuning.trials
    assert remote.evaluation.slices == local.evaluation.slices
    assert remote.evaluation.blessed is True
    assert remote.model.signatures == local.model.signatures
    page = out.read_text()
    assert f"Pipeline run <code>{submitted['job_id']}</code>" in page
    assert "Blessed and pushed" in page


def test_an_unknown_job_is_one_line(submitted, vertex_fake):
    done = CliRunner().invoke(main, ["report", *flags(vertex_fake), "--run", "no-such-job"], catch_exceptions=False)

    assert done.exit_code == 2
    assert done.stderr == "Error: no pipeline job 'no-such-job' in project my-proj-1, region europe-west4\n"


def test_no_job_yet_is_one_line(vertex_fake):
    done = CliRunner().invoke(main, ["report", *flags(vertex_fake)], catch_exceptions=False)

    assert done.exit_code == 2
    assert done.stderr == (
        "Error: no pipeline job of 'vertex-tfx-penguins' in project my-proj-1, region europe-west4 yet; "
        "submit one with `vtx submit`\n"
    )
