"""The image installs exactly uv.lock: the Dockerfile's own uv commands, run here as a dry run, against the lock.

Docker cannot build on the test machines, so the test runs each `uv sync` the Dockerfile runs, with the
same flags, against an empty venv (`--dry-run --offline`), and compares the packages it would install
with the ones uv.lock resolves for the project's `main` group on the image's platform.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
import tomli
from packaging.markers import Marker, default_environment

from pipeline.config import PROJECT_ROOT

pytestmark = pytest.mark.unit

BIN = Path(sys.executable).parent
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()
PROJECT = "vertex-tfx"
# " + name==version" for a registry package; " + vertex-tfx @ file:///..." for the project itself (editable).
_PLANNED = re.compile(r"^ \+ (?P<name>[\w.-]+)(?:==(?P<version>\S+)| @ file://(?P<path>\S+))$", re.MULTILINE)


def instructions(dockerfile: str) -> List[str]:
    """The Dockerfile's instructions, each on one line (continuations joined, comments dropped)."""
    lines = [line for line in dockerfile.splitlines() if not line.lstrip().startswith("#")]
    return [part.strip() for part in re.sub(r"\\\n", " ", "\n".join(lines)).splitlines() if part.strip()]


def env_values(dockerfile: str) -> Dict[str, str]:
    values: Dict[str, str] = {}
    for instruction in instructions(dockerfile):
        if instruction.startswith("ENV "):
            values.update(item.split("=", 1) for item in shlex.split(instruction[4:]))
    return values


def uv_syncs(dockerfile: str) -> List[List[str]]:
    """The argument lists of every `uv sync` the Dockerfile's RUN instructions run, in order."""
    syncs = []
    for instruction in instructions(dockerfile):
        if instruction.startswith("RUN "):
            for command in instruction[4:].split("&&"):
                argv = shlex.split(command)
                if len(argv) > 1 and Path(argv[0]).name == "uv" and argv[1] == "sync":
                    syncs.append(argv[2:])
    return syncs


def locked_main_packages() -> Dict[str, str]:
    """name -> version of every package uv.lock holds for the project's dependencies (no dev group) on Linux x86_64."""
    lock = tomli.loads((PROJECT_ROOT / "uv.lock").read_text())
    names = [package["name"] for package in lock["package"]]
    assert len(names) == len(set(names)), "uv.lock holds two versions of a package"
    packages = {package["name"]: package for package in lock["package"]}
    environment = {**default_environment(), "extra": ""}
    seen, todo = set(), [(PROJECT, frozenset())]
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        package = packages[name]
        dependencies = list(package.get("dependencies", []))
        for extra in extras:
            dependencies += package.get("optional-dependencies", {}).get(extra, [])
        for dependency in dependencies:
            if "marker" not in dependency or Marker(dependency["marker"]).evaluate(environment):
                todo.append((dependency["name"], frozenset(dependency.get("extra", []))))
    return {name: packages[name]["version"] for name, _ in seen}


def planned(flags: List[str], venv: Path) -> Dict[str, str]:
    """What `uv sync FLAGS` would install into the empty venv, from the checkout, without network."""
    environment = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON_DOWNLOADS": "never"}
    result = subprocess.run(
        [str(BIN / "uv"), "sync", *flags, "--dry-run", "--offline"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    found = {m["name"]: m["version"] or m["path"] for m in _PLANNED.finditer(result.stdout + result.stderr)}
    assert len(found) == int(re.search(r"Would install (\d+) packages", result.stderr + result.stdout)[1])
    return found


@pytest.fixture(scope="module")
def empty_venv(tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("image") / "venv"
    subprocess.run([str(BIN / "uv"), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    return venv


def test_the_image_syncs_the_frozen_lock_without_dev_tools_in_two_layers():
    deps, code = uv_syncs(DOCKERFILE)

    for flags in (deps, code):
        assert "--frozen" in flags and "--no-dev" in flags
        assert not {"--all-groups", "--group", "--extra", "--all-extras", "--inexact"} & set(flags)
    assert "--no-install-project" in deps and "--no-install-project" not in code
    assert DOCKERFILE.index("COPY pyproject.toml uv.lock ./") < DOCKERFILE.index(" ".join(deps))
    assert DOCKERFILE.index(" ".join(deps)) < DOCKERFILE.index("COPY . .") < DOCKERFILE.index(" ".join(code))


def test_the_image_installs_exactly_the_locked_packages(empty_venv):
    locked = locked_main_packages()
    deps, code = uv_syncs(DOCKERFILE)

    assert planned(deps, empty_venv) == {name: version for name, version in locked.items() if name != PROJECT}
    # The project is the checkout itself, installed editable: the code at /pipeline is what runs.
    assert planned(code, empty_venv) == {**locked, PROJECT: str(PROJECT_ROOT)}
    assert {"tfx", "apache-beam", "tensorflow"} <= set(locked)
    assert not {"pytest", "ruff", "mypy"} & set(locked)


def test_the_venv_is_on_the_path_for_beams_boot_and_every_command():
    env = env_values(DOCKERFILE)

    assert env["UV_PROJECT_ENVIRONMENT"] == env["VIRTUAL_ENV"] == "/opt/venv"
    assert env["PATH"].startswith("/opt/venv/bin:")
    # Beam's boot would otherwise run each Dataflow worker in a new venv over the base interpreter.
    assert env["RUN_PYTHON_SDK_IN_DEFAULT_ENVIRONMENT"] == "1"
    assert 'uv venv --python "$(command -v python)" /opt/venv' in DOCKERFILE
    assert DOCKERFILE.index("uv venv") < DOCKERFILE.index("PATH=/opt/venv/bin")
