"""One `vtx rehearse`: compile (or read) the spec, stage its inputs, start the Vertex AI fake, run, sum up."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional

from pipeline.config import PROJECT_ROOT, PipelineConfig
from pipeline.rehearse import prepare, spec
from pipeline.rehearse.engine import Outcome, Rehearsal, Setup, TaskResult
from pipeline.rehearse.places import Places
from pipeline.rehearse.storage_emulator import EMULATOR_ENV, EmulatorMissingError, StorageEmulator
from pipeline.rehearse.vertex_fake import FakeError, VertexFakeProcess, free_port

PORT_FILE = "vertex_fake_port"


class RehearsalError(RuntimeError):
    """A rehearsal that cannot start: a spec that would call Google, or one this rehearsal cannot read."""


@dataclass(frozen=True)
class Request:
    config: PipelineConfig
    spec_path: Optional[Path]
    root: Path
    data: Optional[Path]
    parameters: Mapping[str, Any]
    no_push: bool
    endpoint: str
    start_fake: bool


def planned_endpoint(root: Path, given: Optional[str]) -> str:
    """--vertex-endpoint, else the fake's port of earlier rehearsals in `root` (it is in cache keys), if free."""
    if given:
        return given
    file = root / PORT_FILE
    preferred = int(file.read_text()) if file.exists() and file.read_text().strip().isdigit() else None
    port = free_port(preferred)
    root.mkdir(parents=True, exist_ok=True)
    file.write_text(str(port))
    return f"http://127.0.0.1:{port}"


def _compile(config: PipelineConfig, out: Path) -> Path:
    from pipeline.dag.serving_container import ServingChoiceError
    from pipeline.vertex.compile import compile_for_vertex

    try:
        return compile_for_vertex(config, out)
    except ServingChoiceError as error:
        raise RehearsalError(str(error)) from error


def _places(config: PipelineConfig, root: Path) -> Places:
    assert config.vertex is not None
    return Places(gcs_root=root / "gs", code_root=config.vertex.code_root, checkout=PROJECT_ROOT)


def _stage(job: Dict[str, Any], values: Mapping[str, Any], request: Request, places: Places, say) -> None:
    data_root = str(values.get("data_root", ""))
    if prepare.stage(request.data or PROJECT_ROOT / "data", data_root, places, replace=True):
        say(f"Staged {request.data or 'data/'} at {data_root}")
    # A modules-only deploy uploads modules/ and the schema to their content addresses; so does a rehearsal.
    config = request.config
    if config.vertex and config.vertex.modules_uri:
        shipped = [config.modules.package_dir] + ([config.schema_path] if config.schema_path else [])
        for local in shipped:
            uri = config.runtime_path(local)
            if uri.startswith("gs://") and prepare.stage(Path(local), uri, places, replace=False):
                say(f"Staged {Path(local).relative_to(PROJECT_ROOT)} at {uri}")


def _start_fake(endpoint: str) -> VertexFakeProcess:
    try:
        return VertexFakeProcess(PROJECT_ROOT, int(endpoint.rsplit(":", 1)[1]))
    except FakeError as error:
        raise RehearsalError(str(error)) from error


def _summary(outcome: Outcome, say: Callable[[str], None]) -> None:
    counts = {status: len(outcome.named(status)) for status in ("executed", "cached", "failed", "not run")}
    say(", ".join(f"{count} {status}" for status, count in counts.items() if count) + ".")
    for task in outcome.tasks:
        for artifacts in task.outputs.values():
            for artifact in artifacts:
                metadata = artifact.get("metadata", {})
                if task.status != "executed":
                    continue
                if "blessed" in metadata and artifact.get("schema_title") == "tfx.ModelBlessing":
                    say(f"Verdict: {'BLESSED' if metadata['blessed'] == 1 else 'NOT BLESSED'}")
                if "pushed" in metadata:
                    if metadata["pushed"] == 1:
                        say(f"Model: version {metadata.get('pushed_version')} pushed to the Vertex AI fake")
                    else:
                        say(f"Model: not pushed: {metadata.get('reason', '')}")


def rehearse(request: Request, say: Callable[[str], None], echo_task: Callable[[TaskResult], None]) -> Outcome:
    """Runs the rehearsal; `say` prints a line, `echo_task` a finished task."""
    config = request.config
    assert config.vertex is not None
    request.root.mkdir(parents=True, exist_ok=True)
    spec_path = request.spec_path or _compile(config, request.root / "pipeline.json")
    try:
        job = spec.load(spec_path)
        values = spec.job_parameters(job, request.parameters)
    except spec.SpecError as error:
        raise RehearsalError(str(error)) from error
    calls = prepare.google_calls(job)
    if calls and not request.no_push:
        raise RehearsalError(
            f"{' and '.join(calls)} in {spec_path} would call Google's Vertex AI: compile with "
            "--set vertex.api_endpoint=http://127.0.0.1:PORT, or rehearse without --spec"
        )
    places = _places(config, request.root)
    say(f"Rehearsing {spec_path} in {request.root}")
    try:
        storage = StorageEmulator()
    except EmulatorMissingError as error:
        raise RehearsalError(str(error)) from error
    say(f"  gs:// is the folder {places.gcs_root}/ for TensorFlow and TFX (their GCS filesystem has no emulator")
    say(
        f"  setting); google-cloud-storage clients (the Vertex AI SDK's staging) use the GCS emulator at {storage.host}"
    )
    flags = prepare.dataflow_flags(job)
    if flags:
        say(f"  Beam runs on the DirectRunner here; Dataflow's flags not used: {' '.join(flags)}")
    say("  Vertex AI Training jobs (Tuner, Trainer) run worker pool 0's command here")
    _stage(job, values, request, places, say)
    fake = None
    try:
        if request.start_fake:
            # A spec compiled earlier names its own fake's port; one compiled now names request.endpoint.
            fake = _start_fake(prepare.vertex_endpoint(job) or request.endpoint)
            say(f"  Vertex AI is the loopback fake at {fake.endpoint} (its registry starts empty)")
        else:
            say(f"  Vertex AI is the fake at {request.endpoint}")
        setup = Setup(
            job=job,
            root=request.root,
            places=places,
            project=config.vertex.project,
            region=config.vertex.region,
            parameters=values,
            no_push=request.no_push,
            environment={EMULATOR_ENV: storage.host},
        )
        rehearsal = Rehearsal(setup, echo_task)
        say(f"Job {rehearsal.job_name}:")
        outcome = rehearsal.run()
    finally:
        if fake is not None:
            fake.stop()
        storage.stop()
    _summary(outcome, say)
    return outcome
