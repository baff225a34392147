"""A temp copy of the project whose data/ and modules/ a test may change, and commands run inside it."""

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# What a fresh clone has that the commands of docs/your-data.md use.
COPIED = ("pipeline", "components", "modules", "data", "tests/data")
# Words only the bundled penguins put into an output.
PENGUIN_WORDS = ("penguin", "Adelie", "Gentoo", "Chinstrap", "island", "bill_length", "flipper", "species")


def project_copy(target: Path) -> Path:
    """pipeline/, components/, modules/, data/ and tests/data/ copied, the .venv linked: a checkout of its own."""
    for name in COPIED:
        shutil.copytree(PROJECT_ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    (target / ".venv").symlink_to(PROJECT_ROOT / ".venv")
    return target


def environment(project: Path, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """No VTX_* or NEPTUNE_* variable of the caller; the copy's packages first on the path (ahead of the repo's)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("VTX_", "NEPTUNE_"))}
    environ.update({"PYTHONPATH": str(project), "NEPTUNE_MODE": "debug", **(extra or {})})
    return environ


def shell(project: Path, line: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """One shell line, as a reader types it at the project root of the copy."""
    return subprocess.run(
        ["bash", "-c", line], cwd=project, env=environment(project), capture_output=True, text=True, timeout=timeout
    )


def serve(project: Path, port: int) -> subprocess.Popen:
    """`vtx serve` on 127.0.0.1:`port` in the copy, its output kept for `serving.stop`."""
    return subprocess.Popen(
        [".venv/bin/vtx", "serve", "--port", str(port)],
        cwd=project,
        env=environment(project),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def documented_commands(page: Path, heading: str) -> List[str]:
    """The lines of the first shell block under a heading of a Markdown page, as the page shows them."""
    text = page.read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1]
    block = re.search(r"```bash\n(.*?)\n```", section, re.DOTALL)
    assert block, f"no bash block under '## {heading}' in {page}"
    return [line for line in block.group(1).splitlines() if line.strip()]


def penguin_words(text: str) -> List[str]:
    return [word for word in PENGUIN_WORDS if word.lower() in text.lower()]
