"""deploy.yml's release jobs: smoke on the staging environment, then promote behind the production environment."""

from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

WORKFLOW = Path(__file__).resolve().parents[3] / ".github" / "workflows" / "deploy.yml"


@pytest.fixture(scope="module")
def jobs() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]


def steps_text(job: dict) -> str:
    return "\n".join(str(step.get("run", "")) + str(step.get("uses", "")) for step in job["steps"])


def test_the_jobs_run_in_release_order(jobs):
    assert list(jobs) == ["decide", "deploy", "smoke", "promote"]
    assert jobs["deploy"]["needs"] == "decide"
    assert jobs["smoke"]["needs"] == ["decide", "deploy"]
    assert jobs["promote"]["needs"] == ["decide", "smoke"]


def test_each_release_job_has_its_environment_and_runs_only_when_the_script_says(jobs):
    assert jobs["smoke"]["environment"] == "staging"
    assert jobs["promote"]["environment"] == "production"
    assert "environment" not in jobs["deploy"] and "environment" not in jobs["decide"]
    for name in ("smoke", "promote"):
        assert jobs[name]["if"] == "needs.decide.outputs.release == 'true'"
    assert jobs["decide"]["outputs"]["release"] == "${{ steps.path.outputs.release }}"
    # The decision is the tested script's: the workflow only passes the event and the input along.
    assert "python3 .ci/deploy_path.py" in steps_text(jobs["decide"])
    assert jobs["deploy"]["env"]["WAIT"] == "${{ needs.decide.outputs.wait }}"


def test_the_jobs_run_the_release_commands_and_write_the_step_summary(jobs):
    smoke, promote = steps_text(jobs["smoke"]), steps_text(jobs["promote"])
    assert 'vtx smoke --stage staging --examples held_out.jsonl --summary "$GITHUB_STEP_SUMMARY"' in smoke
    assert 'vtx promote --to production --summary "$GITHUB_STEP_SUMMARY"' in promote
    uploads = [
        step for step in jobs["smoke"]["steps"] if str(step.get("uses", "")).startswith("actions/upload-artifact")
    ]
    assert [step["with"]["path"] for step in uploads] == ["report.html"]
    assert "vtx report --profile vertex --out report.html" in smoke
    for name in ("smoke", "promote"):
        assert jobs[name]["permissions"] == {"contents": "read", "id-token": "write"}
        assert jobs[name]["env"]["VTX_PROFILE"] == "vertex"
