"""Submits a compiled spec as a Vertex AI PipelineJob, follows it, and explains failures in one line."""

import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Tuple

from google.api_core import exceptions, retry

from pipeline.config import PipelineConfig
from pipeline.config.vertex import VertexConfig

# The REST transport raises by HTTP status, gRPC by status code: both are listed.
TRANSIENT = (
    exceptions.ServiceUnavailable,
    exceptions.TooManyRequests,
    exceptions.ResourceExhausted,
    exceptions.DeadlineExceeded,
    exceptions.GatewayTimeout,
)
DENIED = (exceptions.PermissionDenied, exceptions.Forbidden)
RETRY_INITIAL_SECONDS = 1.0
RETRY_DEADLINE_SECONDS = 300.0
TERMINAL = {"PIPELINE_STATE_SUCCEEDED", "PIPELINE_STATE_FAILED", "PIPELINE_STATE_CANCELLED"}


class SubmitError(RuntimeError):
    """A submission or a run that failed; the message is meant for the terminal as is."""


@dataclass(frozen=True)
class JobRequest:
    """Everything a submission sends, so --dry-run can print exactly that."""

    spec_path: str
    job_id: str
    parameter_values: Dict[str, Any]
    enable_caching: bool
    labels: Dict[str, str] = field(default_factory=dict)


def job_id(pipeline_name: str, now: Optional[float] = None) -> str:
    return f"{pipeline_name}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime(now))}"[:128]


def job_labels(config: PipelineConfig, git_commit: str) -> Dict[str, str]:
    """The configured labels plus the commit, cut to Google Cloud's label rules."""
    labels = dict(config.vertex.labels) if config.vertex else {}
    labels["git_commit"] = re.sub(r"[^a-z0-9_-]", "-", git_commit.lower())[:63]
    labels["pipeline"] = config.pipeline_name[:63]
    return labels


def with_retries(call: Callable) -> Callable:
    """`call` retried with exponential backoff on transient errors; when retries run out, the last error is raised."""
    retrying = retry.Retry(
        predicate=retry.if_exception_type(*TRANSIENT),
        initial=RETRY_INITIAL_SECONDS,
        maximum=30.0,
        multiplier=2.0,
        timeout=RETRY_DEADLINE_SECONDS,
    )(call)

    def run() -> Any:
        try:
            return retrying()
        except exceptions.RetryError as error:
            if isinstance(error.cause, exceptions.GoogleAPICallError):
                raise error.cause from None
            raise

    return run


def explain(error: exceptions.GoogleAPICallError, what: str, config: PipelineConfig) -> SubmitError:
    """One clear line for the errors a user can act on."""
    vertex = config.vertex
    account = (vertex.service_account if vertex else None) or "the caller's credentials"
    project = vertex.project if vertex else "?"
    # REST errors start with "POST https://...: "; the reason is what follows.
    message = re.sub(r"^[A-Z]+ \S+: ", "", str(error.message))
    if isinstance(error, DENIED):
        return SubmitError(
            f"{what}: permission denied in project {project} for {account} "
            f"(needs roles/aiplatform.user and access to the pipeline root): {message}"
        )
    if isinstance(error, (exceptions.ResourceExhausted, exceptions.TooManyRequests)):
        return SubmitError(f"{what}: quota exhausted in project {project}, retries gave up: {message}")
    if isinstance(error, exceptions.NotFound):
        return SubmitError(f"{what}: not found (check vertex.project, vertex.region and the spec): {message}")
    return SubmitError(f"{what}: {error.code} {message}")


def init_aiplatform(vertex: VertexConfig, api_endpoint: Optional[str] = None, dry_run: bool = False):
    """Points the aiplatform SDK at the project and region (and an endpoint); returns the credentials to pass on."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import aiplatform

    # A dry run sends nothing, and plain http is only ever a loopback fake: neither needs credentials.
    credentials = AnonymousCredentials() if dry_run else None
    kwargs: Dict[str, Any] = {}
    if api_endpoint:
        kwargs.update(api_endpoint=api_endpoint, api_transport="rest")
        if api_endpoint.startswith("http://"):
            credentials = AnonymousCredentials()
    aiplatform.init(project=vertex.project, location=vertex.region, credentials=credentials, **kwargs)
    return credentials


class Submitter:
    """Creates and follows one PipelineJob through the official SDK."""

    def __init__(self, config: PipelineConfig, api_endpoint: Optional[str] = None, dry_run: bool = False):
        if config.vertex is None:
            raise ValueError("submitting needs the vertex settings: use --profile vertex")
        self.config = config
        self.vertex = config.vertex
        from google.cloud import aiplatform

        self._credentials = init_aiplatform(config.vertex, api_endpoint, dry_run)
        self._aiplatform = aiplatform

    def build(self, request: JobRequest):
        vertex = self.vertex
        return self._aiplatform.PipelineJob(
            display_name=self.config.pipeline_name,
            template_path=request.spec_path,
            job_id=request.job_id,
            pipeline_root=vertex.pipeline_root,
            parameter_values=request.parameter_values,
            enable_caching=request.enable_caching,
            labels=request.labels,
            project=vertex.project,
            location=vertex.region,
            credentials=self._credentials,
        )

    def create_request(self, request: JobRequest):
        """(the SDK's job, the CreatePipelineJobRequest a submission sends for it): --dry-run prints the latter."""
        from google.cloud.aiplatform_v1 import CreatePipelineJobRequest

        job = self.build(request)
        if self.vertex.service_account:
            job._gca_resource.service_account = self.vertex.service_account
        create = CreatePipelineJobRequest(
            parent=job._parent, pipeline_job=job._gca_resource, pipeline_job_id=request.job_id
        )
        return job, create

    def dry_run(self, request: JobRequest) -> Dict[str, Any]:
        """The CreatePipelineJobRequest a submission would send, as JSON; nothing is sent."""
        from google.protobuf import json_format

        _, create = self.create_request(request)
        return json_format.MessageToDict(type(create).pb(create))

    def submit(self, request: JobRequest):
        from google.auth import exceptions as auth_exceptions

        try:
            return self._submit(request)
        except auth_exceptions.DefaultCredentialsError:
            raise SubmitError(
                "no Google credentials: run `gcloud auth application-default login`, "
                "or set GOOGLE_APPLICATION_CREDENTIALS (CI: Workload Identity Federation)"
            ) from None

    def _submit(self, request: JobRequest):
        """Creates the job, retrying transient errors; a retry that finds the job already created is a success.

        This is PipelineJob.submit() without its bucket step: that one creates a missing bucket and checks
        its owner through Resource Manager, while our pipeline root is a configured, existing bucket.
        """
        job, create_request = self.create_request(request)

        def create() -> None:
            try:
                job._gca_resource = job.api_client.create_pipeline_job(request=create_request)
            except exceptions.AlreadyExists:
                job._gca_resource = job.api_client.get_pipeline_job(name=self._name(request.job_id))

        try:
            with_retries(create)()
        except exceptions.GoogleAPICallError as error:
            raise explain(error, "submitting the pipeline job", self.config) from None
        return job

    def _name(self, job_id: str) -> str:
        vertex = self.vertex
        return f"projects/{vertex.project}/locations/{vertex.region}/pipelineJobs/{job_id}"

    def states(self, job, poll_seconds: float) -> Iterator[Tuple[str, Mapping[str, str]]]:
        """Yields (job state, task name -> state) on every poll until the job ends."""
        while True:
            try:
                gca = with_retries(lambda: job.api_client.get_pipeline_job(name=job.resource_name))()
            except exceptions.GoogleAPICallError as error:
                raise explain(error, "following the pipeline job", self.config) from None
            job._gca_resource = gca
            state = gca.state.name
            tasks = {task.task_name: task.state.name for task in gca.job_detail.task_details}
            yield state, tasks
            if state in TERMINAL:
                return
            time.sleep(poll_seconds)


@dataclass(frozen=True)
class Outcome:
    """What a finished job says: state, failed tasks, the Evaluator's verdict and the pushed version."""

    state: str
    failed_tasks: Dict[str, str]
    blessed: Optional[bool]
    pushed_version: Optional[str]
    pushed_destination: Optional[str]
    not_pushed_reason: Optional[str]
    error: Optional[str]


def _output_metadata(task: Dict[str, Any], key: str) -> Dict[str, Any]:
    artifacts = task.get("outputs", {}).get(key, {}).get("artifacts", [])
    return artifacts[0].get("metadata", {}) if artifacts else {}


def outcome(job) -> Outcome:
    from google.protobuf import json_format

    resource = json_format.MessageToDict(job._gca_resource._pb)
    tasks = {task.get("taskName"): task for task in resource.get("jobDetail", {}).get("taskDetails", [])}
    failed = {
        name: task.get("error", {}).get("message", "no message")
        for name, task in tasks.items()
        if task.get("state") == "FAILED"
    }
    blessing = _output_metadata(tasks.get("Evaluator", {}), "blessing")
    pushed = _output_metadata(tasks.get("Pusher", {}), "pushed_model")
    return Outcome(
        state=job._gca_resource.state.name,
        failed_tasks=failed,
        blessed=None if "blessed" not in blessing else int(blessing["blessed"]) == 1,
        pushed_version=str(pushed["pushed_version"]) if int(pushed.get("pushed", 0)) == 1 else None,
        pushed_destination=pushed.get("pushed_destination"),
        not_pushed_reason=pushed.get("reason"),
        error=resource.get("error", {}).get("message"),
    )
