"""One rehearsal root, project copy and Vertex AI fake shared by the rehearsal tests, which run in order."""

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest

from tests.builders.pipeline_runs import VTX
from tests.builders.project_copy import PROJECT_ROOT, environment, project_copy
from tests.builders.vertex_settings import REQUIRED
from tests.fakes.vertex import VertexFake

# Tiny training: one tuner trial of 10 steps, 30 training steps, one tuning replica.
SMALL = [
    *REQUIRED,
    "tuning.trials=1",
    "tuning.train_steps=10",
    "training.train_steps=30",
    "vertex.tuning.parallel_trials=1",
]
MODULES_URI = "gs://my-bucket-1/modules"
_TASK = re.compile(r"^  (\S+)\s+(executed|cached|resolved|skipped|failed|not run)\b", re.MULTILINE)


@dataclass
class Rehearsed:
    """One finished `vtx rehearse`: its exit code, output, and each task's status."""

    returncode: int
    output: str
    seconds: float

    @property
    def tasks(self) -> Dict[str, str]:
        return dict(_TASK.findall(self.output))

    def named(self, status: str) -> List[str]:
        return sorted(task for task, found in self.tasks.items() if found == status)


class Rehearsals:
    """`vtx rehearse` from a project copy, into one root, against one fake; each rehearsal sees the ones before."""

    def __init__(self, project: Path, root: Path, fake: VertexFake) -> None:
        self.project, self.root, self.fake = project, root, fake

    def run(self, *args: str, commit: str = "0123456789ab", data: Optional[Path] = None) -> Rehearsed:
        import time

        command = [VTX, "rehearse", "--root", str(self.root), "--vertex-endpoint", self.fake.endpoint]
        command += ["--modules-uri", MODULES_URI, "--data", str(data or self.project / "data")]
        for item in SMALL:
            command += ["--set", item]
        started = time.monotonic()
        done = subprocess.run(
            [*command, *args],
            cwd=self.project,
            env=environment(self.project, {"VTX_GIT_COMMIT": commit}),
            capture_output=True,
            text=True,
            timeout=900,
        )
        return Rehearsed(done.returncode, done.stdout + done.stderr, time.monotonic() - started)

    def artifacts(self) -> List[dict]:
        return json.loads((self.root / "store.json").read_text())["artifacts"]

    def versions(self) -> Dict[str, List[str]]:
        """Version id -> aliases (but Vertex AI's own `default`), of the one model in the fake's registry."""
        models = list(self.fake.models.models.values())
        if not models:
            return {}
        (versions,) = models
        return {
            version_id: sorted(set(version.get("versionAliases", [])) - {"default"})
            for version_id, version in versions.items()
        }


@pytest.fixture(scope="module")
def rehearsals(tmp_path_factory) -> Iterator[Rehearsals]:
    project = project_copy(tmp_path_factory.mktemp("project"))
    # The image's ENV, which every task runs with.
    shutil.copy2(PROJECT_ROOT / "Dockerfile", project / "Dockerfile")
    fake = VertexFake().start()
    try:
        yield Rehearsals(project, tmp_path_factory.mktemp("rehearsal"), fake)
    finally:
        fake.stop()
    assert fake.bugs == [], f"the Vertex AI fake answered what the real API could not: {fake.bugs}"
