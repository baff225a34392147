"""Runs the real `vtx run` in a subprocess and inspects what it left behind."""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VTX = str(Path(sys.executable).parent / "vtx")
# The DAG's node ids, in pipeline order.
NODE_IDS = [
    "CsvExampleGen",
    "StatisticsGen",
    "SchemaGen",
    "ExampleValidator",
    "Transform",
    "Tuner",
    "Trainer",
    "Resolver",
    "Evaluator",
    "Pusher",
]
# Set while the first run executes; it must never be written anywhere.
FAKE_TOKEN = "neptune-token-that-must-not-leak-5f2b9c"


@dataclass
class Run:
    """One finished `vtx run`: its exit code, console output and output folder."""

    returncode: int
    stdout: str
    stderr: str
    output: Path

    @property
    def console(self) -> str:
        return self.stdout + self.stderr


def vtx_run(output: Path, *args: str, env: Optional[Dict[str, str]] = None) -> Run:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("NEPTUNE_", "VTX_"))}
    environ.update(env or {})
    command: List[str] = [VTX, "run", "--output", str(output), *args]
    done = subprocess.run(command, capture_output=True, text=True, env=environ, cwd=PROJECT_ROOT, timeout=900)
    return Run(done.returncode, done.stdout, done.stderr, output)


def serving_versions(output: Path) -> List[str]:
    root = output / "serving_model"
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []
