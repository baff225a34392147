"""Typed settings of `vtx schedule`: when training and batch prediction run, on what, and as whom."""

import re
from typing import Dict, Optional

from pydantic import Field, field_validator

from pipeline.config.base import Section
from pipeline.config.cron import check_cron, check_time_zone

_ACCOUNT = r"^[^@\s]+@[^@\s]+\.iam\.gserviceaccount\.com$"


class TrainingScheduleConfig(Section):
    """Continuous training: a Vertex AI pipeline schedule that starts the compiled pipeline on a cron."""

    # Vertex AI gives schedules generated ids; this name is how `vtx schedule` finds its own again.
    display_name: str = Field(pattern=r'^[^"\\]{1,128}$')
    cron: str
    # Runs of this schedule allowed at once; a new run waits (allow_queueing) or is skipped.
    max_concurrent_runs: int = Field(default=1, ge=1, le=100)
    allow_queueing: bool = False

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        return check_cron(value)


class BatchScheduleConfig(Section):
    """Scheduled batch prediction: a Cloud Scheduler job that runs a Cloud Run job of the project's image."""

    # The Cloud Run job and the Cloud Scheduler job share this name.
    job_name: str = Field(pattern=r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
    cron: str
    # Local folders for `vtx schedule crontab`; gs:// prefixes for Cloud Run. Required to schedule it.
    input: Optional[str] = None
    output: Optional[str] = None
    # A registry alias or version, as `vtx batch-predict --model` takes it.
    model: str = Field(default="production", pattern=r"^[\w.-]+$")
    # What the Cloud Run job runs as; defaults to vertex.service_account.
    service_account: Optional[str] = Field(default=None, pattern=_ACCOUNT)
    # Whose OAuth token Cloud Scheduler sends to start the job; defaults to service_account.
    invoker_service_account: Optional[str] = Field(default=None, pattern=_ACCOUNT)
    cpu: str = Field(default="2", pattern=r"^\d+(\.\d+)?$|^\d+m$")
    memory: str = Field(default="4Gi", pattern=r"^\d+(Mi|Gi)$")
    task_timeout_seconds: int = Field(default=3600, ge=60, le=86400)
    max_retries: int = Field(default=1, ge=0, le=10)
    # More environment variables for the job's container, e.g. VTX_* settings of `vtx batch-predict`.
    env: Dict[str, str] = {}

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        return check_cron(value)

    @field_validator("input", "output")
    @classmethod
    def _not_blank(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not value.strip():
            raise ValueError("must not be empty; leave it out (null) instead")
        return value

    @field_validator("env")
    @classmethod
    def _env_names(cls, env: Dict[str, str]) -> Dict[str, str]:
        for name in env:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise ValueError(f"'{name}' is not an environment variable name")
        return env


class ScheduleConfig(Section):
    """Both schedules and their shared time zone; the endpoints are for loopback fakes and private access."""

    time_zone: str = "Etc/UTC"
    training: TrainingScheduleConfig
    batch_prediction: BatchScheduleConfig
    # Other Cloud Scheduler and Cloud Run Admin API endpoints; http:// only for a loopback fake.
    scheduler_api_endpoint: Optional[str] = None
    run_api_endpoint: Optional[str] = None

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        return check_time_zone(value)
