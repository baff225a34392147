"""The pipeline image's run-time settings on this machine: the Dockerfile's ENV, with its venv as this one."""

import os
import re
import shlex
import sys
from pathlib import Path
from typing import Dict, List

IMAGE_VENV = "/opt/venv"


def dockerfile_env(dockerfile: Path) -> Dict[str, str]:
    """The ENV settings of the Dockerfile, in order, as KEY -> value (with $VAR expanded from earlier ones)."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    env: Dict[str, str] = {}
    for line in text.splitlines():
        words = line.strip().split(None, 1)
        if len(words) != 2 or words[0].upper() != "ENV":
            continue
        for item in shlex.split(words[1]):
            key, _, value = item.partition("=")
            env[key] = re.sub(r"\$(\w+)", lambda found: env.get(found[1], os.environ.get(found[1], "")), value)
    return env


def task_environment(dockerfile: Path) -> Dict[str, str]:
    """This process's environment with the image's ENV applied; the image's venv is the one running this."""
    image = dockerfile_env(dockerfile) if dockerfile.exists() else {}
    venv = sys.prefix
    return {**os.environ, **{key: value.replace(IMAGE_VENV, venv) for key, value in image.items()}}


def local_command(command: List[str]) -> List[str]:
    """A container command run here: `python` is the image venv's, i.e. this interpreter's venv."""
    if command and command[0] in ("python", "python3"):
        return [sys.executable, *command[1:]]
    return command
