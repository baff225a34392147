"""A loopback fake of the Vertex AI (schedules, Experiments too) and Secret Manager v1 REST APIs for the real clients.

Point a client at `fake.endpoint` with REST transport and anonymous credentials (`fake.init_aiplatform(...)`,
`fake.client_options`, `fake.credentials`); every request lands in `fake.requests`.
"""

import sys
from typing import Any, Dict, Iterator, List, Optional, Sequence, Union

import pytest

from tests.fakes.loopback import LoopbackFake, Request  # noqa: F401 - Request: what tests read back
from tests.fakes.vertex.common import Ids, Operations, share_response_classes
from tests.fakes.vertex.endpoints import EndpointStore
from tests.fakes.vertex.jobs import PipelineJobStore, SecretStore, Step
from tests.fakes.vertex.metadata import MetadataFake
from tests.fakes.vertex.models import ModelStore
from tests.fakes.vertex.routes import router
from tests.fakes.vertex.schedules import ScheduleStore


class VertexFake(LoopbackFake):
    """In-memory Vertex AI (models, endpoints, pipeline jobs, operations) and Secret Manager on 127.0.0.1."""

    def __init__(self) -> None:
        ids = Ids()
        self.operations = Operations(ids)
        self.models = ModelStore(ids, self.operations)
        self.endpoints = EndpointStore(ids, self.operations, self.models)
        self.metadata = MetadataFake(ids)
        self.pipeline_jobs = PipelineJobStore(ids, self.metadata.pipeline_run_context)
        self.secrets = SecretStore()
        self.schedules = ScheduleStore(ids, self.operations)
        super().__init__(
            router(
                self.models,
                self.endpoints,
                self.pipeline_jobs,
                self.operations,
                self.secrets,
                self.schedules,
                self.metadata,
            )
        )

    # ------------------------------------------------------------------ lifecycle and client wiring

    def _register_types(self) -> None:
        share_response_classes()

    def init_aiplatform(self, project: str = "test-project", location: str = "us-central1") -> None:
        """Points the google-cloud-aiplatform SDK's global config at this fake."""
        from google.cloud import aiplatform

        aiplatform.init(
            project=project,
            location=location,
            api_endpoint=self.endpoint,
            api_transport="rest",
            credentials=self.credentials,
        )

    # ------------------------------------------------------------------ what tests script and inspect

    def add_secret(self, project: str, secret: str, value: Union[str, bytes]) -> str:
        """Adds a new version of the secret (it becomes `latest`); returns the version's resource name."""
        return self.secrets.add(project, secret, value)

    def script_pipeline_job(
        self,
        states: Sequence[Step],
        tasks: Optional[List[Dict[str, Any]]] = None,
        error: Optional[str] = None,
        job_id: Optional[str] = None,
    ) -> None:
        """What successive GETs of a pipeline job return; the create itself answers PIPELINE_STATE_PENDING.

        Each state is a name ('RUNNING' or 'PIPELINE_STATE_RUNNING') or a dict {"state": ..., "tasks": [...],
        "error": "..."} for that step alone. `tasks` (build them with vertex_fake_jobs.pipeline_task) become
        jobDetail.taskDetails; `error` is the job's error message once it is FAILED. The script applies to
        the job created with `job_id`, or else to the next job created; unscripted jobs go RUNNING, SUCCEEDED.
        """
        self.pipeline_jobs.script(states, tasks=tasks, error=error, job_id=job_id)


def _reset_aiplatform() -> None:
    """aiplatform.init only ever adds settings; a fake's endpoint must not outlive its test."""
    if "google.cloud.aiplatform" in sys.modules:
        from google.cloud.aiplatform import initializer

        initializer.global_config.__init__()  # type: ignore[misc]


@pytest.fixture
def vertex_fake() -> Iterator[VertexFake]:
    """A running VertexFake for one test; stopped afterwards, and the aiplatform SDK's settings cleared."""
    fake = VertexFake().start()
    try:
        yield fake
    finally:
        fake.stop()
        _reset_aiplatform()
    assert fake.bugs == [], f"the Vertex AI fake answered what the real API could not: {fake.bugs}"
