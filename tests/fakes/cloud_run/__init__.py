"""A fake of the Cloud Scheduler and Cloud Run Admin APIs on loopback."""

from tests.fakes.cloud_run.server import CloudRunFake

__all__ = ["CloudRunFake"]
