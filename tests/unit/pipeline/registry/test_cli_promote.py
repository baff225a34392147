"""`vtx promote` locally: each refusal is one line with its exit status, a promote and a rollback print one line."""

from pathlib import Path

import pytest

from pipeline.registry.local import LocalRegistry
from pipeline.registry.model import SmokeRecord
from tests.unit.pipeline.registry.conftest import add_version

pytestmark = pytest.mark.unit

OLD, NEW = "1600000000", "1700000100"


@pytest.fixture
def output(tmp_path: Path) -> Path:
    """An upgraded registry: an old push that is production, and a push to staging since."""
    serving = tmp_path / "serving_model" / "penguins"
    add_version(serving, OLD)
    LocalRegistry(str(serving), str(tmp_path / "metadata.sqlite")).mark_staged(1700000000)
    add_version(serving, NEW)
    return tmp_path


def smoked(output: Path, version: str, passed: bool) -> None:
    registry = LocalRegistry(str(output / "serving_model" / "penguins"), str(output / "metadata.sqlite"))
    failed = () if passed else ("FAIL  outputs      69/69 invalid; prediction 1: probability nan is not finite",)
    registry.record_smoke(version, SmokeRecord(passed, "2026-12-04T17:00:00+00:00", failed))


def test_refusals_are_one_line_each(vtx, output):
    cases = [
        ((), 1, f"Error: version {NEW} has no smoke test; run `vtx smoke --stage staging` against it first"),
        (("42",), 1, "Error: unknown version: no version '42' in "),
    ]
    for args, code, line in cases:
        done = vtx("promote", *args, "--output", str(output))
        assert (done.returncode, done.stdout) == (code, ""), done.stderr
        assert done.stderr.startswith(line) and len(done.stderr.splitlines()) == 1, done.stderr
    smoked(output, NEW, passed=False)
    done = vtx("promote", "--output", str(output))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"Error: version {NEW} failed its smoke test of 2026-12-04T17:00:00+00:00 (FAIL  outputs      69/69 "
        "invalid; prediction 1: probability nan is not finite); not promoted"
    )
    done = vtx("promote", "--rollback", NEW, "--output", str(output))
    assert (done.returncode, done.stderr.strip()) == (
        2,
        "Error: --rollback takes no VERSION: it goes back to the previous production version",
    )


def test_promote_then_again_then_rollback(vtx, output):
    smoked(output, NEW, passed=True)
    done = vtx("promote", "--to", "production", "--output", str(output))
    assert (done.returncode, done.stdout.strip()) == (0, f"Promoted version {NEW} to production (was {OLD})")
    done = vtx("promote", NEW, "--output", str(output))
    assert (done.returncode, done.stdout.strip()) == (0, f"version {NEW} is already in production; nothing to do")
    done = vtx("promote", "--rollback", "--output", str(output))
    assert (done.returncode, done.stdout.strip()) == (0, f"Rolled back production to version {OLD} (was {NEW})")
    done = vtx("promote", "--rollback", "--output", str(output))
    assert (done.returncode, done.stderr.strip()) == (
        1,
        f"Error: version {OLD} is the only production version there has been; nothing to roll back to",
    )
