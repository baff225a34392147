"""A throwaway place to run `vtx run`: its own output folder and its own copy of modules/ to edit."""

import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from harness import PROJECT_ROOT, VTX, Measured, check, run_measured

from pipeline import mlmd
from pipeline.config.core import serving_dir
from pipeline.config.loader import load_config
from pipeline.report import runs

PIPELINE_NAME = load_config(environ={}).pipeline_name
DATASET_NAME = load_config(environ={}).dataset.name
# Python's -X importtime line of the import `vtx run` makes before its first node (it lands in the run's log).
RUNNER_IMPORT = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \| pipeline\.local\.runner$", re.MULTILINE)


@dataclass
class PipelineRun:
    """One timed `vtx run`: what the process measured, and each node's execution as ML Metadata recorded it."""

    measured: Measured
    started_epoch: float
    nodes: Dict[str, mlmd.NodeRun]
    pushed: List[str] = field(default_factory=list)
    # Seconds `import pipeline.local.runner` (TensorFlow, TFX) took inside this run, when it was profiled.
    import_seconds: Optional[float] = None

    @property
    def executed(self) -> List[str]:
        """Components that ran their executor (the Resolver only resolves, like the summary counts it)."""
        return [n.node_id for n in self.nodes.values() if n.status == "executed" and n.node_id != "Resolver"]

    @property
    def accuracy(self) -> float:
        match = re.search(r"^\s+accuracy\s+([0-9.]+)", self.measured.stdout, re.MULTILINE)
        return float(match.group(1)) if match else float("nan")

    def phases(self) -> Dict[str, float]:
        """Seconds from launch to the first node, inside nodes, between nodes, and after the last node."""
        nodes = sorted(self.nodes.values(), key=lambda n: n.started_ms)
        first = nodes[0].started_ms / 1000.0
        last_end = max(n.started_ms / 1000.0 + n.seconds for n in nodes)
        inside = sum(n.seconds for n in nodes)
        return {
            "before_first_node": first - self.started_epoch,
            "inside_nodes": inside,
            "between_nodes": (last_end - first) - inside,
            "after_last_node": self.started_epoch + self.measured.seconds - last_end,
        }


class Sandbox:
    """An output folder and a copy of modules/ that `vtx run` imports instead of the checkout's."""

    def __init__(self, label: str):
        self.root = Path(tempfile.mkdtemp(prefix=f"vtx-bench-{label}-"))
        self.output = self.root / "outputs"
        self.code = self.root / "code"
        shutil.copytree(PROJECT_ROOT / "modules", self.code / "modules", ignore=shutil.ignore_patterns("__pycache__"))

    def edit(self, module: str, old: str, new: str) -> None:
        """Replaces one exact piece of code in the copy of modules/<module>.py; fails if it is not there once."""
        path = self.code / "modules" / f"{module}.py"
        text = path.read_text()
        if text.count(old) != 1:
            raise SystemExit(f"benchmark edit: {old!r} is not in {path} exactly once; update the benchmark")
        path.write_text(text.replace(old, new))

    def run(self, args: Sequence[str], what: str, profile_imports: bool = False) -> PipelineRun:
        """`vtx run` on data/ into this sandbox; PYTHONPATH puts the modules copy before the checkout's.

        profile_imports: Python's import profiler on, to time the run's own imports (it costs well under 1%).
        """
        before = set(self._versions())
        command = [VTX, "run", "--output", str(self.output), "--set", f"modules.package_dir={self.code / 'modules'}"]
        started = time.time()
        # From the sandbox folder: a checkout's folder first on sys.path would shadow the modules copy.
        env = {"PYTHONPATH": str(self.code), **({"PYTHONPROFILEIMPORTTIME": "1"} if profile_imports else {})}
        measured = check(run_measured([*command, *args], env=env, cwd=self.root), what)
        record = runs.load(str(self.output / "metadata.sqlite"), PIPELINE_NAME)
        pushed = sorted(set(self._versions()) - before)
        imports = self._import_seconds(record.run_id) if profile_imports else None
        return PipelineRun(measured, started, record.nodes, pushed, imports)

    def _import_seconds(self, run_id: str) -> Optional[float]:
        log = self.output / "logs" / f"run-{run_id}.log"
        match = RUNNER_IMPORT.search(log.read_text(errors="replace")) if log.is_file() else None
        return int(match.group(1)) / 1e6 if match else None

    def _versions(self) -> List[str]:
        folder = Path(serving_dir(str(self.output), DATASET_NAME))
        return [p.name for p in folder.iterdir()] if folder.is_dir() else []

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
