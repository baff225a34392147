"""Continuous training: a Vertex AI pipeline schedule that submits the compiled pipeline on a cron."""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from google.protobuf import field_mask_pb2

from pipeline.config import PipelineConfig
from pipeline.schedule.errors import ScheduleError, SettingError, explained

ROLES = "roles/aiplatform.user, and roles/iam.serviceAccountUser on the pipeline's service account"
# What an update replaces: everything `vtx schedule create` sets, the pipeline job request included, so a
# schedule picks up a newly compiled spec (new image, new defaults) without being deleted.
UPDATED_FIELDS = ["cron", "max_concurrent_run_count", "allow_queueing", "create_pipeline_job_request"]


@dataclass(frozen=True)
class Row:
    """One Vertex AI schedule, as `vtx schedule list` shows it."""

    name: str
    display_name: str
    cron: str
    time_zone: str
    state: str
    next_run: str
    runs: int


def vertex_cron(cron: str, time_zone: str) -> str:
    """Vertex AI takes the time zone as a prefix of the cron expression."""
    return f"TZ={time_zone} {cron}"


def split_cron(cron: str) -> tuple:
    """('0 3 * * 1', 'Europe/Berlin') from 'TZ=Europe/Berlin 0 3 * * 1'; a bare expression is in UTC."""
    head, _, rest = cron.partition(" ")
    if head.startswith(("TZ=", "CRON_TZ=")):
        return rest.strip(), head.partition("=")[2]
    return cron, "Etc/UTC"


class TrainingSchedules:
    """Creates, updates, lists and deletes the pipeline schedule through google-cloud-aiplatform."""

    def __init__(self, config: PipelineConfig, dry_run: bool = False):
        if config.vertex is None or config.schedule is None:
            raise SettingError(f"profile '{config.profile}' has no vertex or schedule settings; use --profile vertex")
        from pipeline.vertex.submit import Submitter

        self.config = config
        self.vertex = config.vertex
        self.settings = config.schedule.training
        self.time_zone = config.schedule.time_zone
        self.where = f"project {self.vertex.project}, region {self.vertex.region}"
        with explained("connecting to Vertex AI", self.where, ROLES):
            self._submitter = Submitter(config, api_endpoint=self.vertex.api_endpoint, dry_run=dry_run)

    def build(self, spec_path: str, parameter_values: Dict[str, Any], labels: Dict[str, str]):
        """The schedule as it would be created, not sent: the pipeline job request and every setting."""
        from google.cloud import aiplatform

        from pipeline.vertex.submit import JobRequest, job_id

        request = JobRequest(
            spec_path=spec_path,
            job_id=job_id(self.config.pipeline_name),
            parameter_values=parameter_values,
            enable_caching=self.config.enable_cache,
            labels=labels,
        )
        # The SDK looks for credentials as it builds the objects, before anything is sent.
        with explained("preparing the Vertex AI schedule", self.where, ROLES):
            job = self._submitter.build(request)
            schedule = aiplatform.PipelineJobSchedule(pipeline_job=job, display_name=self.settings.display_name)
        resource = schedule._gca_resource
        resource.cron = vertex_cron(self.settings.cron, self.time_zone)
        resource.max_concurrent_run_count = self.settings.max_concurrent_runs
        resource.allow_queueing = self.settings.allow_queueing
        if self.vertex.service_account:
            resource.create_pipeline_job_request.pipeline_job.service_account = self.vertex.service_account
        return schedule

    def find(self) -> List[Any]:
        """The schedules named like ours, in this project and region."""
        from google.cloud import aiplatform

        from pipeline.vertex.submit import with_retries

        name = self.settings.display_name
        with explained("listing Vertex AI schedules", self.where, ROLES):
            return with_retries(lambda: aiplatform.PipelineJobSchedule.list(filter=f'display_name="{name}"'))()

    def apply(self, schedule) -> str:
        """Creates the schedule, or updates the one of the same display name; returns 'created' or 'updated'."""
        from pipeline.vertex.submit import with_retries

        existing = self.find()
        if len(existing) > 1:
            raise ScheduleError(
                f"{len(existing)} Vertex AI schedules are named {self.settings.display_name} in {self.where}; "
                "`vtx schedule delete training` deletes them all, then create it again"
            )
        if not existing:
            settings = self.settings
            with explained("creating the Vertex AI schedule", self.where, ROLES):
                schedule.create(
                    cron=schedule._gca_resource.cron,
                    max_concurrent_run_count=settings.max_concurrent_runs,
                    allow_queueing=settings.allow_queueing,
                    service_account=self.vertex.service_account,
                )
            return "created"
        resource = schedule._gca_resource
        resource.name = existing[0].resource_name
        mask = field_mask_pb2.FieldMask(paths=UPDATED_FIELDS)
        with explained("updating the Vertex AI schedule", self.where, ROLES):
            # An update replaces the same fields again, so a transient error is retried, unlike a create.
            update = with_retries(lambda: schedule.api_client.update_schedule(schedule=resource, update_mask=mask))
            schedule._gca_resource = update()
        return "updated"

    def delete(self) -> List[str]:
        """Deletes every schedule of our display name; returns their resource names (none: nothing to delete)."""
        deleted = []
        for schedule in self.find():
            with explained("deleting the Vertex AI schedule", self.where, ROLES):
                schedule.delete()
            deleted.append(schedule.resource_name)
        return deleted

    def rows(self) -> List[Row]:
        """Every pipeline schedule in this project and region."""
        from google.cloud import aiplatform

        from pipeline.vertex.submit import with_retries

        with explained("listing Vertex AI schedules", self.where, ROLES):
            schedules = with_retries(aiplatform.PipelineJobSchedule.list)()
        return [_row(schedule._gca_resource) for schedule in schedules]


def _row(resource) -> Row:
    cron, time_zone = split_cron(resource.cron)
    next_run: Optional[Any] = resource.next_run_time if "next_run_time" in resource else None
    return Row(
        name=resource.name,
        display_name=resource.display_name,
        cron=cron,
        time_zone=time_zone,
        state=resource.state.name,
        next_run=next_run.strftime("%Y-%m-%d %H:%M UTC") if next_run else "-",
        runs=int(resource.started_run_count),
    )
