"""A loopback fake of the Cloud Scheduler v1 and Cloud Run Admin v2 REST APIs, for the real Google clients.

Point `scheduler_v1.CloudSchedulerClient` and `run_v2.JobsClient` at `fake.endpoint` with REST transport and
anonymous credentials (`fake.client_options`, `fake.credentials`); every request lands in `fake.requests`.
"""

from typing import Iterator, List, Tuple

import pytest

from tests.fakes.api import Rpc
from tests.fakes.cloud_run.stores import RunJobStore, SchedulerJobStore
from tests.fakes.loopback import LoopbackFake
from tests.fakes.routing import Call, Handler, Router


def _parent(call: Call) -> str:
    return call.path["parent"]


def router(scheduler: SchedulerJobStore, run: RunJobStore) -> Router:
    """Every RPC the fake serves, as the installed clients' REST transports map them, with its store method."""
    from google.cloud.run_v2.services.jobs.transports.rest import JobsRestTransport
    from google.cloud.scheduler_v1.services.cloud_scheduler.transports.rest import CloudSchedulerRestTransport

    table: List[Tuple[type, str, Handler]] = []
    for transport, store in ((CloudSchedulerRestTransport, scheduler), (JobsRestTransport, run)):
        table += [
            (transport, "CreateJob", lambda c, s=store: s.create(_parent(c), c.query.get("jobId"), c.body)),
            (transport, "ListJobs", lambda c, s=store: s.list(_parent(c))),
            (transport, "GetJob", lambda c, s=store: s.get(c.path["name"])),
            (transport, "UpdateJob", lambda c, s=store: s.patch(c.path["job.name"], c.query.get("updateMask"), c.body)),
            (transport, "DeleteJob", lambda c, s=store: s.delete(c.path["name"])),
        ]
    table += [
        (JobsRestTransport, "GetIamPolicy", lambda c: run.get_iam_policy(c.path["resource"])),
        (JobsRestTransport, "SetIamPolicy", lambda c: run.set_iam_policy(c.path["resource"], c.body)),
        (JobsRestTransport, "GetOperation", lambda c: run.operation(c.path["name"])),
    ]
    return Router([(Rpc.of(transport, name), handler) for transport, name, handler in table])


class CloudRunFake(LoopbackFake):
    """In-memory Cloud Scheduler jobs (/v1/...) and Cloud Run jobs (/v2/...) on 127.0.0.1."""

    def __init__(self) -> None:
        self.scheduler = SchedulerJobStore()
        self.run = RunJobStore()
        super().__init__(router(self.scheduler, self.run))

    def _register_types(self) -> None:
        from google.cloud import run_v2
        from google.protobuf import symbol_database

        # Operation responses are Anys; the client parses them into the class proto-plus knows.
        symbol_database.Default().RegisterMessage(run_v2.Job.pb())


@pytest.fixture
def cloud_run_fake() -> Iterator[CloudRunFake]:
    """A running CloudRunFake (Cloud Scheduler and Cloud Run) for one test."""
    fake = CloudRunFake().start()
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.bugs == [], f"the Cloud Scheduler and Cloud Run fake answered what the real APIs could not: {fake.bugs}"
