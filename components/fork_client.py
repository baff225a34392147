"""Beam's worker command when workers are forked: asks the warm process for a worker, or becomes Beam's own.

components/forked_worker_handler.py gives Beam's subprocess handler `python -m components.fork_client SOCKET`
in place of Beam's `python -m apache_beam.runners.worker.sdk_worker_main`. Beam starts it as it would start its
own worker (the environment with the control and logging endpoints and pipeline options, the launcher's stdio),
waits for it and reads its exit code. This process passes all of that to the warm process (fork_server.py) and
exits with the forked worker's code. If the warm process gives no worker, it becomes Beam's own worker instead
(exec), with a warning: the step still runs, only without the warm imports. It imports no Beam itself.
"""

import json
import os
import socket
import sys
from typing import Dict, List, Sequence

from components import fork_server

BEAM_WORKER = ["-m", "apache_beam.runners.worker.sdk_worker_main"]


class NotForkedError(RuntimeError):
    """The warm process gave no worker (it is gone, or refused the request); nothing ran."""


def ask(path: str, environ: Dict[str, str], cwd: str, fds: Sequence[int] = (0, 1, 2)) -> int:
    """One worker with this environment, folder and stdin, stdout, stderr; waits for it; its exit code."""
    body = json.dumps({"environ": environ, "cwd": cwd}).encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        try:
            conn.connect(path)
            socket.send_fds(conn, [fork_server.LENGTH.pack(len(body))], list(fds))
            conn.sendall(body)
        except OSError as error:
            raise NotForkedError(f"the warm process for Beam's workers is gone: {error}") from None
        said = _all(conn).decode(errors="replace").strip()
    if said.startswith("refused "):
        raise NotForkedError(f"the warm process for Beam's workers refused a worker: {said[8:]}")
    words = said.split()
    if len(words) != 2 or words[0] != "exit" or not words[1].isdigit():
        print("fork_client: the warm process for Beam's workers ended during this worker", file=sys.stderr)
        return 1
    return int(words[1])


def _all(conn: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := conn.recv(64):
            data += chunk
    except OSError:
        pass  # the warm process is gone: what came before is all there is
    return data


def main(argv: List[str]) -> None:
    try:
        code = ask(argv[1], dict(os.environ), os.getcwd())
    except NotForkedError as error:
        print(f"WARNING: {error}; this Beam worker starts afresh instead", file=sys.stderr, flush=True)
        os.execv(sys.executable, [sys.executable, *BEAM_WORKER])
    sys.exit(code)


if __name__ == "__main__":
    main(sys.argv)
