"""The `none` backend, and what a tracker becomes once it failed: a run that records nothing."""

from typing import Any, List, Mapping, Optional

from modules.runtime.tracking.base import Backend, Run, RunRecord


class NoRun(Run):
    def log_params(self, params: Mapping[str, Any]) -> None:
        pass

    def log_metrics(self, metrics: Mapping[str, float], step: Optional[int] = None) -> None:
        pass

    def set_tags(self, tags: Mapping[str, str]) -> None:
        pass

    def child(self, name: str) -> Run:
        return self

    def end(self, failed: bool = False) -> None:
        pass


class NoBackend(Backend):
    name = "none"

    def pipeline_run(self, run_id: str) -> Run:
        return NoRun()

    def list_runs(self, limit: int) -> List[RunRecord]:
        return []
