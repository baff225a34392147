"""Scheduled batch prediction: a Cloud Run job running `vtx batch-predict`, started by a Cloud Scheduler job."""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from google.api_core import exceptions
from google.protobuf import duration_pb2, field_mask_pb2

from pipeline.config import PipelineConfig
from pipeline.schedule.clients import client_arguments, retry_policy
from pipeline.schedule.errors import SettingError, explained

RUN_ROLES = "roles/run.admin (create, update, IAM) and roles/iam.serviceAccountUser on the job's service account"
SCHEDULER_ROLES = "roles/cloudscheduler.admin, and roles/iam.serviceAccountUser on the invoker service account"
# The invoker needs run.jobs.run on the job, which this role holds; it is granted on the job alone.
INVOKER_ROLE = "roles/run.invoker"
OAUTH_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
SCHEDULER_FIELDS = ["description", "schedule", "time_zone", "http_target"]


@dataclass(frozen=True)
class Row:
    """One Cloud Scheduler job, as `vtx schedule list` shows it."""

    name: str
    cron: str
    time_zone: str
    state: str
    next_run: str
    target: str


def _gcs(value: Optional[str], key: str) -> str:
    if not value:
        raise SettingError(f"set schedule.batch_prediction.{key} (a gs:// prefix) to schedule batch prediction")
    if not value.startswith("gs://"):
        raise SettingError(f"schedule.batch_prediction.{key} must be a gs:// prefix for Cloud Run (got {value})")
    return value


class BatchSchedules:
    """Creates, updates, lists and deletes the Cloud Run job and the Cloud Scheduler job that starts it."""

    def __init__(self, config: PipelineConfig):
        if config.vertex is None or config.schedule is None:
            raise SettingError(f"profile '{config.profile}' has no vertex or schedule settings; use --profile vertex")
        self.config = config
        self.vertex = config.vertex
        self.schedule = config.schedule
        self.settings = config.schedule.batch_prediction
        self.parent = f"projects/{self.vertex.project}/locations/{self.vertex.region}"
        self.job_name = f"{self.parent}/jobs/{self.settings.job_name}"
        self.where = f"project {self.vertex.project}, region {self.vertex.region}"
        self._run: Any = None
        self._scheduler: Any = None

    # ------------------------------------------------------------------ what is sent

    @property
    def runtime_account(self) -> Optional[str]:
        return self.settings.service_account or self.vertex.service_account

    def invoker(self) -> str:
        account = self.settings.invoker_service_account or self.runtime_account
        if not account:
            raise SettingError(
                "set schedule.batch_prediction.invoker_service_account (or service_account, or "
                "vertex.service_account): Cloud Scheduler starts the Cloud Run job with that account's token"
            )
        return account

    def args(self) -> List[str]:
        settings = self.settings
        return [
            "batch-predict",
            *("--input", _gcs(settings.input, "input")),
            *("--to", _gcs(settings.output, "output")),
            *("--model", settings.model),
        ]

    def env(self) -> Dict[str, str]:
        """The settings `vtx batch-predict` builds its config from in the container, as VTX_* variables."""
        vertex = self.vertex
        env = {
            "VTX_PROFILE": self.config.profile,
            "VTX_DATA_ROOT": self.config.data_root,
            "VTX_VERTEX__PROJECT": vertex.project,
            "VTX_VERTEX__REGION": vertex.region,
            "VTX_VERTEX__PIPELINE_ROOT": vertex.pipeline_root,
            "VTX_VERTEX__IMAGE": vertex.image,
        }
        return {**env, **self.settings.env}

    def run_job(self):
        """The Cloud Run job: the project's image, `vtx batch-predict` with the configured URIs."""
        from google.cloud import run_v2

        settings = self.settings
        container = run_v2.Container(
            image=self.vertex.image,
            # Explicit, so the job runs `vtx` whatever the image's entry point does with its arguments.
            command=["vtx"],
            args=self.args(),
            env=[run_v2.EnvVar(name=name, value=value) for name, value in sorted(self.env().items())],
            resources=run_v2.ResourceRequirements(limits={"cpu": settings.cpu, "memory": settings.memory}),
        )
        task = run_v2.TaskTemplate(
            containers=[container],
            max_retries=settings.max_retries,
            timeout=duration_pb2.Duration(seconds=settings.task_timeout_seconds),
            service_account=self.runtime_account or "",
        )
        labels = {**self.vertex.labels, "pipeline": self.config.pipeline_name[:63], "managed-by": "vtx-schedule"}
        return run_v2.Job(labels=labels, template=run_v2.ExecutionTemplate(task_count=1, template=task))

    def scheduler_job(self):
        """The Cloud Scheduler job: on the cron, POST the Cloud Run Admin API's jobs.run with an OAuth token."""
        from google.cloud import scheduler_v1

        return scheduler_v1.Job(
            name=f"{self.parent}/jobs/{self.settings.job_name}",
            description=f"Runs the Cloud Run job {self.settings.job_name}: vtx {' '.join(self.args())}",
            schedule=self.settings.cron,
            time_zone=self.schedule.time_zone,
            http_target=scheduler_v1.HttpTarget(
                uri=f"https://run.googleapis.com/v2/{self.job_name}:run",
                http_method=scheduler_v1.HttpMethod.POST,
                headers={"Content-Type": "application/json"},
                body=b"{}",
                oauth_token=scheduler_v1.OAuthToken(service_account_email=self.invoker(), scope=OAUTH_SCOPE),
            ),
        )

    # ------------------------------------------------------------------ what is done

    @property
    def run_client(self):
        if self._run is None:
            from google.cloud import run_v2

            with explained("connecting to Cloud Run", self.where, RUN_ROLES):
                self._run = run_v2.JobsClient(**client_arguments(self.schedule.run_api_endpoint))
        return self._run

    @property
    def scheduler_client(self):
        if self._scheduler is None:
            from google.cloud import scheduler_v1

            with explained("connecting to Cloud Scheduler", self.where, SCHEDULER_ROLES):
                self._scheduler = scheduler_v1.CloudSchedulerClient(
                    **client_arguments(self.schedule.scheduler_api_endpoint)
                )
        return self._scheduler

    def apply(self) -> Tuple[str, str]:
        """Creates or updates both jobs (Cloud Run first, so the trigger never points at nothing)."""
        job, trigger = self.run_job(), self.scheduler_job()
        return self._apply_run_job(job), self._apply_scheduler_job(trigger)

    def _apply_run_job(self, job) -> str:
        client = self.run_client
        with explained("creating or updating the Cloud Run job", self.where, RUN_ROLES):
            try:
                client.get_job(name=self.job_name, retry=retry_policy())
            except exceptions.NotFound:
                client.create_job(parent=self.parent, job=job, job_id=self.settings.job_name).result()
                action = "created"
            else:
                job.name = self.job_name
                client.update_job(job=job, retry=retry_policy()).result()
                action = "updated"
            self._grant_invoker()
        return action

    def _grant_invoker(self) -> None:
        """Lets the invoker account run this job, and nothing else; an existing grant is left as it is."""
        member = f"serviceAccount:{self.invoker()}"
        policy = self.run_client.get_iam_policy(request={"resource": self.job_name}, retry=retry_policy())
        for binding in policy.bindings:
            if binding.role == INVOKER_ROLE:
                if member in binding.members:
                    return
                binding.members.append(member)
                break
        else:
            policy.bindings.add(role=INVOKER_ROLE, members=[member])
        self.run_client.set_iam_policy(request={"resource": self.job_name, "policy": policy})

    def _apply_scheduler_job(self, trigger) -> str:
        client = self.scheduler_client
        with explained("creating or updating the Cloud Scheduler job", self.where, SCHEDULER_ROLES):
            try:
                client.get_job(name=trigger.name)
            except exceptions.NotFound:
                client.create_job(parent=self.parent, job=trigger)
                return "created"
            mask = field_mask_pb2.FieldMask(paths=SCHEDULER_FIELDS)
            client.update_job(job=trigger, update_mask=mask, retry=retry_policy())
        return "updated"

    def delete(self) -> Tuple[bool, bool]:
        """Deletes the trigger first, then the Cloud Run job; says which of them existed."""
        trigger_name = f"{self.parent}/jobs/{self.settings.job_name}"
        with explained("deleting the Cloud Scheduler job", self.where, SCHEDULER_ROLES):
            try:
                self.scheduler_client.delete_job(name=trigger_name)
                trigger = True
            except exceptions.NotFound:
                trigger = False
        with explained("deleting the Cloud Run job", self.where, RUN_ROLES):
            try:
                self.run_client.delete_job(name=self.job_name, retry=retry_policy()).result()
                job = True
            except exceptions.NotFound:
                job = False
        return trigger, job

    def rows(self) -> List[Row]:
        """Every Cloud Scheduler job in this project and region."""
        with explained("listing Cloud Scheduler jobs", self.where, SCHEDULER_ROLES):
            jobs = list(self.scheduler_client.list_jobs(parent=self.parent))
        return [_row(job) for job in jobs]


def _row(job) -> Row:
    if "http_target" in job:
        target = f"{job.http_target.http_method.name} {job.http_target.uri}"
    else:
        target = "Pub/Sub" if "pubsub_target" in job else "App Engine"
    next_run = job.schedule_time.strftime("%Y-%m-%d %H:%M UTC") if "schedule_time" in job else "-"
    return Row(
        name=job.name.rsplit("/", 1)[-1],
        cron=job.schedule,
        time_zone=job.time_zone or "Etc/UTC",
        state=job.state.name,
        next_run=next_run,
        target=target,
    )
