"""The compiled job spec read as Vertex AI reads it: the tasks of root.dag in dependency order, and their values."""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import yaml

# What the launcher substitutes in parameter values: the pipeline job's own name.
JOB_NAME_PLACEHOLDER = "{{$.pipeline_job_name}}"
CUSTOM_CONFIG = "custom_config"
TRAINING_ARGS_KEYS = ("ai_platform_training_args", "ai_platform_tuning_args")


class SpecError(ValueError):
    """A spec this rehearsal cannot read: a task kind or input it does not know."""


@dataclass(frozen=True)
class Task:
    """One task of root.dag, with its component and the executor the deploymentSpec gives it."""

    name: str
    task: Dict[str, Any]
    component: Dict[str, Any]
    executor: Dict[str, Any]

    @property
    def kind(self) -> str:
        """container, resolver or importer: the executor's kind."""
        for kind in ("container", "resolver", "importer"):
            if kind in self.executor:
                return kind
        raise SpecError(f"task {self.name}: executor kind {sorted(self.executor)} is not one Vertex AI runs here")

    @property
    def caching(self) -> bool:
        return bool(self.task.get("cachingOptions", {}).get("enableCache"))

    @property
    def executor_class(self) -> str:
        args = self.executor.get("container", {}).get("args", [])
        return args[args.index("--executor_class_path") + 1] if "--executor_class_path" in args else ""

    def input_artifacts(self) -> Dict[str, Dict[str, str]]:
        """Input key -> {producerTask, outputArtifactKey}."""
        found = {}
        for key, spec in self.task.get("inputs", {}).get("artifacts", {}).items():
            if "taskOutputArtifact" not in spec:
                raise SpecError(f"task {self.name}: input artifact {key} is not another task's output")
            found[key] = spec["taskOutputArtifact"]
        return found

    def output_types(self) -> Dict[str, Dict[str, str]]:
        """Output key -> artifactType ({instanceSchema} or {schemaTitle})."""
        outputs = self.component.get("outputDefinitions", {}).get("artifacts", {})
        return {key: spec["artifactType"] for key, spec in outputs.items()}

    def parameter_types(self) -> Dict[str, str]:
        parameters = self.component.get("inputDefinitions", {}).get("parameters", {})
        return {key: spec.get("parameterType", "STRING") for key, spec in parameters.items()}

    def runs_vertex_training(self) -> bool:
        """Whether its executor starts a Vertex AI Training job (the Tuner's and Trainer's launchers)."""
        constant = self.task.get("inputs", {}).get("parameters", {}).get(CUSTOM_CONFIG, {})
        text = constant.get("runtimeValue", {}).get("constant", "")
        return isinstance(text, str) and any(f'"{key}"' in text for key in TRAINING_ARGS_KEYS)


def load(path: Path) -> Dict[str, Any]:
    try:
        job = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise SpecError(f"cannot read the spec {path}: {error}") from error
    if "root" not in job.get("pipelineSpec", {}):
        raise SpecError(f"{path} is not a compiled pipeline job (no pipelineSpec.root)")
    return job


def schema_title(artifact_type: Mapping[str, str]) -> str:
    if "schemaTitle" in artifact_type:
        return artifact_type["schemaTitle"]
    return str(yaml.safe_load(artifact_type.get("instanceSchema", "")).get("title", "system.Artifact"))


def tasks_in_order(job: Dict[str, Any]) -> List[Task]:
    """Every task of root.dag, each after the tasks it depends on or reads from (ties by name)."""
    spec = job["pipelineSpec"]
    dag = spec["root"]["dag"]["tasks"]
    executors = spec["deploymentSpec"]["executors"]
    tasks = {}
    for name, task in dag.items():
        component = spec["components"][task["componentRef"]["name"]]
        tasks[name] = Task(name, task, component, executors[component["executorLabel"]])
    after: Dict[str, set] = {
        name: set(task.task.get("dependentTasks", []))
        | {source["producerTask"] for source in task.input_artifacts().values()}
        for name, task in tasks.items()
    }
    ordered: List[Task] = []
    while after:
        ready = sorted(name for name, needs in after.items() if not needs - {t.name for t in ordered})
        if not ready:
            raise SpecError(f"root.dag has a cycle among {sorted(after)}")
        for name in ready:
            ordered.append(tasks[name])
            del after[name]
    return ordered


def _typed(value: Any, parameter_type: str) -> Any:
    if parameter_type == "NUMBER_INTEGER" and isinstance(value, (int, float)):
        return int(value)
    if parameter_type == "NUMBER_DOUBLE" and isinstance(value, (int, float)):
        return float(value)
    return value


def job_parameters(job: Dict[str, Any], overrides: Mapping[str, Any]) -> Dict[str, Any]:
    """The job's parameter values: runtimeConfig's, then --param's; a name the spec lacks is an error."""
    declared = job["pipelineSpec"]["root"].get("inputDefinitions", {}).get("parameters", {})
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise SpecError(f"--param {', '.join(unknown)}: the spec's parameters are {', '.join(sorted(declared))}")
    values = {**job.get("runtimeConfig", {}).get("parameterValues", {}), **overrides}
    return {name: _typed(values.get(name), spec.get("parameterType", "")) for name, spec in declared.items()}


def task_parameters(task: Task, job_values: Mapping[str, Any], job_name: Optional[str]) -> Dict[str, Any]:
    """The task's parameter values as the spec gives them; with job_name, its placeholder substituted."""
    types = task.parameter_types()
    values = {}
    for key, spec in task.task.get("inputs", {}).get("parameters", {}).items():
        if "componentInputParameter" in spec:
            value = job_values[spec["componentInputParameter"]]
        elif "runtimeValue" in spec:
            value = spec["runtimeValue"].get("constant")
        else:
            raise SpecError(f"task {task.name}: parameter {key} is neither a job parameter nor a constant")
        if job_name is not None and isinstance(value, str):
            value = value.replace(JOB_NAME_PLACEHOLDER, job_name)
        values[key] = _typed(value, types.get(key, ""))
    return values


_ARTIFACT_METADATA = re.compile(r"\{\{\$\.inputs\.artifacts\['(?P<key>[^']+)'\]\.metadata\['(?P<field>[^']+)'\]\}\}")


def fill_input_metadata(text: str, inputs: Mapping[str, List[Dict[str, Any]]]) -> Optional[str]:
    """`text` with each {{$.inputs.artifacts['k'].metadata['f']}} filled in; None when an input has no artifact."""
    missing = False

    def value(found: "re.Match[str]") -> str:
        nonlocal missing
        artifacts = inputs.get(found["key"]) or []
        if not artifacts or found["field"] not in artifacts[0].get("metadata", {}):
            missing = True
            return ""
        return str(artifacts[0]["metadata"][found["field"]])

    filled = _ARTIFACT_METADATA.sub(value, text)
    return None if missing else filled
