"""One container task run here: its exact command line, the image's environment, a log, and a rerun script."""

import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

from pipeline.rehearse import beam_args, image
from pipeline.rehearse.spec import Task

TAIL_LINES = 25


@dataclass(frozen=True)
class Finished:
    returncode: int
    log: Path
    rerun: Path

    def tail(self) -> str:
        lines = self.log.read_text(errors="replace").splitlines()
        return "\n".join(lines[-TAIL_LINES:])


def command_line(task: Task, command: List[str], args: List[str]) -> List[str]:
    """A command of the task's container with its args; a Vertex Training launcher runs under local_training."""
    command = image.local_command(command)
    if task.runs_vertex_training() and command[1:2] == ["-m"]:
        command = [command[0], "-m", "pipeline.rehearse.local_training", *command[1:]]
    args, _ = beam_args.direct(args)
    return [*command, *args]


def _script(command: List[str], environment: Dict[str, str], cwd: Path, base: Dict[str, str]) -> str:
    changed = {key: value for key, value in environment.items() if base.get(key) != value}
    exports = "".join(f"export {key}={shlex.quote(value)}\n" for key, value in sorted(changed.items()))
    head = "#!/bin/sh\n# Reruns this task alone, as the rehearsal ran it.\n"
    return f"{head}{exports}cd {shlex.quote(str(cwd))}\nexec {shlex.join(command)}\n"


def run(command: List[str], environment: Dict[str, str], cwd: Path, log: Path, base: Dict[str, str]) -> Finished:
    """Runs `command` in `cwd`, its output in `log`; writes the script that reruns it beside the log."""
    log.parent.mkdir(parents=True, exist_ok=True)
    rerun = log.with_suffix(".rerun.sh")
    rerun.write_text(_script(command, environment, cwd, base))
    rerun.chmod(0o755)
    with log.open("w") as out:
        done = subprocess.run(command, env=environment, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, check=False)
    return Finished(done.returncode, log, rerun)
