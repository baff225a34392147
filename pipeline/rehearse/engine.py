"""The rehearsal: every task of the spec in order, answered from the cache, the artifact store or a local run."""

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping

from google.protobuf import json_format

from pipeline.rehearse import executor_input, spec, task_process
from pipeline.rehearse.cache import cache_key
from pipeline.rehearse.image import task_environment
from pipeline.rehearse.places import Places
from pipeline.rehearse.store import Store

Artifacts = Dict[str, List[Dict[str, Any]]]
PUSHER_PREFIX = "components.vertex.pusher."


@dataclass(frozen=True)
class Setup:
    """What one rehearsal needs: the spec, where it runs, and the job's settings."""

    job: Dict[str, Any]
    root: Path
    places: Places
    project: str
    region: str
    parameters: Mapping[str, Any]
    no_push: bool = False
    environment: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Prepared:
    outputs: Dict[str, Dict[str, Any]]
    output_file: str
    text: str


@dataclass
class TaskResult:
    name: str
    status: str  # executed, cached, resolved, skipped, failed, not run
    seconds: float = 0.0
    outputs: Artifacts = field(default_factory=dict)
    detail: str = ""


@dataclass
class Outcome:
    job_name: str
    tasks: List[TaskResult]

    def named(self, status: str) -> List[str]:
        return [task.name for task in self.tasks if task.status == status]

    @property
    def failed(self) -> bool:
        return bool(self.named("failed"))


def project_number(project: str) -> str:
    """A stand-in for the project's number (Vertex AI's paths use it): 12 digits from the project id."""
    return str(int(hashlib.sha256(project.encode()).hexdigest(), 16) % 10**12).rjust(12, "1")


def _written_parameters(output_file: Path) -> Dict[str, Any]:
    """The parameter values a driver wrote to the task's executor_output.json."""
    if not output_file.exists():
        return {}
    return dict(json.loads(output_file.read_text()).get("parameterValues", {}))


def resolve(task: spec.Task, inputs: Artifacts, store: Store) -> Artifacts:
    """A resolver's answer: per output, the newest artifact its filter matches, or none."""
    outputs: Artifacts = {}
    for key, query in task.executor["resolver"]["outputArtifactQueries"].items():
        text = spec.fill_input_metadata(query["filter"], inputs)
        found = store.query(text) if text is not None else None
        outputs[key] = [found] if found else []
    return outputs


class Rehearsal:
    """Runs one rehearsal of `setup.job`, reporting each task to `echo` as it finishes."""

    def __init__(self, setup: Setup, echo: Callable[[TaskResult], None]) -> None:
        self.setup = setup
        self.echo = echo
        self.store = Store(setup.root / "store.json")
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        self.job_name = f"{setup.job['pipelineSpec']['pipelineInfo']['name']}-{stamp}"
        self.place = executor_input.JobPlace(
            setup.job["runtimeConfig"]["gcsOutputDirectory"], project_number(setup.project), setup.region, self.job_name
        )
        self.environment = {**task_environment(setup.places.checkout / "Dockerfile"), **setup.environment}

    def run(self) -> Outcome:
        produced: Dict[str, Artifacts] = {}
        results: List[TaskResult] = []
        stopped = False
        for task in spec.tasks_in_order(self.setup.job):
            if stopped:
                result = TaskResult(task.name, "not run")
            else:
                inputs = {
                    key: produced.get(source["producerTask"], {}).get(source["outputArtifactKey"], [])
                    for key, source in task.input_artifacts().items()
                }
                result = self._task(task, inputs)
                produced[task.name] = result.outputs
                stopped = result.status == "failed"
            results.append(result)
            self.echo(result)
        self.store.save()
        return Outcome(self.job_name, results)

    def _task(self, task: spec.Task, inputs: Artifacts) -> TaskResult:
        if task.kind == "resolver":
            return TaskResult(task.name, "resolved", outputs=resolve(task, inputs, self.store))
        if task.kind != "container":
            raise spec.SpecError(f"task {task.name}: {task.kind} tasks are not rehearsed")
        if self.setup.no_push and task.executor_class.startswith(PUSHER_PREFIX):
            return TaskResult(task.name, "skipped", detail="--no-push")
        started = time.monotonic()
        prepared = self.prepare(task, inputs)
        parameters = spec.task_parameters(task, self.setup.parameters, None)
        driver = task.executor["container"].get("lifecycle", {}).get("preCacheCheck")
        if driver:
            # Vertex AI runs the driver before the cache check; what it adds (span, fingerprint) joins the key.
            finished = self._run(task, driver, prepared.text, "driver")
            if finished.returncode != 0:
                return self._failed(task, finished, started)
            parameters.update(_written_parameters(Path(self.setup.places.local(prepared.output_file))))
        key = cache_key(task, parameters, inputs)
        cached = self.store.cached(key) if task.caching else None
        if cached is not None:
            return TaskResult(task.name, "cached", time.monotonic() - started, outputs=cached)
        finished = self._run(task, task.executor["container"], prepared.text, "")
        if finished.returncode != 0:
            return self._failed(task, finished, started)
        local_output = self.setup.places.local(prepared.output_file)
        outputs = self._outputs(task, prepared.outputs, local_output)
        self.store.remember(key, task.name, outputs)
        self.store.save()
        return TaskResult(task.name, "executed", time.monotonic() - started, outputs=outputs)

    def prepare(self, task: spec.Task, inputs: Artifacts) -> "Prepared":
        """The task's output artifacts under a new task folder, and its ExecutorInput with local paths."""
        task_root = self.place.task_root(task.name, self.store.new_id())
        outputs: Dict[str, Dict[str, Any]] = {
            key: {
                "name": self.place.artifact_name(self.store.new_id()),
                "type": artifact_type,
                "uri": f"{task_root}/{key}",
                "metadata": {},
            }
            for key, artifact_type in task.output_types().items()
        }
        output_file = f"{task_root}/{executor_input.OUTPUT_FILE}"
        # Cloud Storage has no folders to make: a file can be written under any prefix. Here they must exist.
        for artifact in outputs.values():
            Path(self.setup.places.local(artifact["uri"])).mkdir(parents=True, exist_ok=True)
        parameters = spec.task_parameters(task, self.setup.parameters, self.job_name)
        message = executor_input.build(parameters, inputs, outputs, output_file)
        text = self.setup.places.localize_text(json_format.MessageToJson(message, indent=None))
        return Prepared(outputs, output_file, text)

    def _run(self, task: spec.Task, container: Mapping[str, Any], text: str, stage: str) -> task_process.Finished:
        places = self.setup.places
        args = [
            places.localize_text(arg).replace(executor_input.PLACEHOLDER, text) for arg in container.get("args", [])
        ]
        command = task_process.command_line(task, list(container.get("command", [])), args)
        name = f"{task.name}.{stage}" if stage else task.name
        log = self.setup.root / "logs" / self.job_name / f"{name}.log"
        return task_process.run(command, self.environment, places.checkout, log, dict(os.environ))

    def _failed(self, task: spec.Task, finished: task_process.Finished, started: float) -> TaskResult:
        detail = f"{finished.tail()}\n\nLog: {finished.log}\nRerun this task alone: sh {finished.rerun}"
        return TaskResult(task.name, "failed", time.monotonic() - started, detail=detail)

    def _outputs(self, task: spec.Task, made: Mapping[str, Dict[str, Any]], output_file: str) -> Artifacts:
        """The task's output artifacts, with what executor_output.json says of them, recorded in the store."""
        written: Dict[str, Any] = {}
        path = Path(output_file)
        if path.exists():
            written = json.loads(path.read_text()).get("artifacts", {})
        outputs: Artifacts = {}
        for key, artifact in made.items():
            reported = (written.get(key, {}).get("artifacts") or [{}])[0]
            metadata = reported.get("metadata", artifact["metadata"])
            stored = self.store.record(
                {
                    **artifact,
                    "uri": self.setup.places.remote(reported.get("uri", artifact["uri"])),
                    "metadata": metadata,
                    "schema_title": spec.schema_title(artifact["type"]),
                    "task": task.name,
                    "job": self.job_name,
                }
            )
            outputs[key] = [stored]
        return outputs
