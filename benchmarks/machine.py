"""What a benchmark ran on: CPU, cores, memory, load, and the versions of Python and the TFX stack."""

import datetime
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Dict

import psutil

PACKAGES = (
    "tfx",
    "tensorflow",
    "tf-keras",
    "apache-beam",
    "tensorflow-data-validation",
    "tensorflow-transform",
    "tensorflow-model-analysis",
    "tfx-bsl",
    "keras-tuner",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit(root: Path) -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True
        )
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True)
    except OSError:
        return "unknown"
    if head.returncode != 0:
        return "unknown"
    return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def snapshot(root: Path) -> Dict[str, object]:
    """The machine now: model, cores, memory, the 1/5/15-minute load averages, and the time."""
    load = os.getloadavg()
    return {
        "taken": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "cpu_model": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average": [round(value, 2) for value in load],
        "os": f"{platform.system()} {platform.release()}",
        "git_commit": _git_commit(root),
    }


def versions() -> Dict[str, str]:
    """Python's version and each package's installed version ('not installed' when absent)."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found
