"""pipeline.report.tuning on real runs: the trials, their hyperparameters and scores, the best one marked."""

import json

import pytest

from pipeline.report import runs, tuning

pytestmark = pytest.mark.e2e


def test_three_trials_with_the_best_hyperparameters_marked(pushed: runs.RunRecord):
    section = tuning.extract(pushed.nodes)
    best_file = pushed.nodes["Tuner"].outputs["best_hyperparameters"][0].uri + "/best_hyperparameters.txt"
    with open(best_file) as handle:
        best = json.load(handle)["values"]

    assert section.status == "executed"
    assert [t.trial_id for t in section.trials] == ["0", "1", "2"]
    assert section.names == ["hidden_units", "learning_rate", "num_layers"]
    winners = [t for t in section.trials if t.best]
    assert len(winners) == 1 and winners[0].hyperparameters == best == section.best
    assert winners[0].score == max(t.score for t in section.trials if t.score is not None)


def test_a_cached_tuner_still_shows_its_trials(cached: runs.RunRecord, pushed: runs.RunRecord):
    section = tuning.extract(cached.nodes)

    assert section.status == "cached"
    assert section.trials == tuning.extract(pushed.nodes).trials


def test_a_run_stopped_before_the_tuner_has_no_trials(stopped: runs.RunRecord):
    assert tuning.extract(stopped.nodes) == tuning.TuningSection(status="not run")
