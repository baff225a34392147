"""pipeline.report.timeline on real runs: every node in the order it started, executed or cached."""

import pytest

from pipeline.report import runs, timeline
from tests.builders.pipeline_runs import NODE_IDS

pytestmark = pytest.mark.e2e


def test_a_cold_run_executes_every_node_one_after_another(pushed: runs.RunRecord):
    steps = timeline.extract(pushed.nodes, 61.5)

    assert [s.node_id for s in steps.steps][0] == "CsvExampleGen"
    assert {s.node_id for s in steps.steps} == set(NODE_IDS)
    assert all(s.status == "executed" for s in steps.steps)
    starts = [s.start for s in steps.steps]
    assert starts == sorted(starts) and starts[0] == 0.0
    by_node = {s.node_id: s for s in steps.steps}
    # A node starts after the nodes it reads from have finished (to the millisecond MLMD records).
    for upstream, downstream in [("CsvExampleGen", "StatisticsGen"), ("Transform", "Tuner"), ("Trainer", "Evaluator")]:
        assert by_node[downstream].start >= by_node[upstream].start + by_node[upstream].seconds - 0.001
    assert by_node["Trainer"].seconds > 1.0
    assert steps.total_seconds == 61.5
    assert (steps.executed, steps.cached) == (9, 0)


def test_a_repeated_run_is_all_cached_and_its_total_defaults_to_the_span(cached: runs.RunRecord):
    steps = timeline.extract(cached.nodes)

    assert (steps.executed, steps.cached) == (0, 9)
    assert steps.total_seconds == pytest.approx(max(s.start + s.seconds for s in steps.steps))


def test_a_stopped_run_ends_with_the_failed_validator(stopped: runs.RunRecord):
    steps = timeline.extract(stopped.nodes).steps

    assert steps[-1].node_id == "ExampleValidator" and steps[-1].status == "failed"
    assert "Transform" not in {s.node_id for s in steps}
