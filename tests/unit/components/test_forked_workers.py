"""Beam's multi-processing workers forked from one warm process: the same results and errors as Beam's own
subprocesses, the asker's stdio and environment, and no process left behind."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import apache_beam as beam
import psutil
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.portability import python_urns
from apache_beam.runners.portability.fn_api_runner import worker_handlers
from apache_beam.testing.util import assert_that, equal_to

from components import fork_client, fork_server, forked_worker_handler, forked_workers
from pipeline.config import PROJECT_ROOT
from pipeline.config.loader import load_config
from pipeline.local import loopback

pytestmark = pytest.mark.unit


def beam_flags(tmp_path, workers=2):
    flags = load_config(
        overrides=["beam.direct_running_mode=multi_processing", f"beam.direct_num_workers={workers}"], environ={}
    ).beam_args()
    return PipelineOptions([*flags, f"--temp_location={tmp_path}"])


@pytest.fixture
def installed():
    loopback.bind_grpc_to_loopback()
    forked_workers.install()
    yield forked_workers.warm()


def test_the_workers_are_forks_of_the_warm_process_and_give_beams_results(installed, tmp_path):
    launcher, warm = os.getpid(), installed.process.pid

    def whoami(_):
        import os
        import sys

        return os.getpid(), os.getppid(), "tensorflow" in sys.modules

    with beam.Pipeline(options=beam_flags(tmp_path)) as pipeline:
        squares = pipeline | beam.Create(range(200)) | beam.Map(lambda x: x * x)
        assert_that(squares, equal_to([x * x for x in range(200)]), label="results")
        seen = pipeline | "one" >> beam.Create([0]) | beam.Map(whoami)
        assert_that(
            seen | beam.Map(lambda row: (row[0] != launcher, row[1] == warm, row[2])),
            equal_to([(True, True, True)]),
            label="forked",
        )


def test_beams_own_worker_command_is_the_one_forked(tmp_path):
    """FnApiRunner's multi-processing command, read from a pipeline it builds: a Beam upgrade that changes it
    fails here instead of silently starting fresh workers again."""
    from apache_beam.runners.portability.fn_api_runner import fn_runner

    commands = []

    class Recorder(fn_runner.FnApiRunner):
        def run_via_runner_api(self, pipeline_proto, options):
            for environment in pipeline_proto.components.environments.values():
                if environment.urn == python_urns.SUBPROCESS_SDK:
                    commands.append(environment.payload.decode())
            raise StopIteration

    pipeline = beam.Pipeline(runner=Recorder(), options=beam_flags(tmp_path))
    _ = pipeline | beam.Create([1]) | beam.Map(str)
    with pytest.raises(StopIteration):
        pipeline.run()
    assert commands and set(commands) == {forked_worker_handler.BEAM_COMMAND}


def test_a_failing_function_fails_the_step_with_its_error_and_the_next_step_still_runs(installed, tmp_path):
    def fail(x):
        raise ValueError(f"bad row {x}")

    with pytest.raises(Exception, match="bad row 7"), beam.Pipeline(options=beam_flags(tmp_path, workers=1)) as p:
        _ = p | beam.Create([7]) | beam.Map(fail)

    assert installed.running()
    with beam.Pipeline(options=beam_flags(tmp_path, workers=1)) as pipeline:
        assert_that(pipeline | beam.Create([1, 2]) | beam.Map(lambda x: x + 1), equal_to([2, 3]))


def test_install_is_once_and_the_handler_registered_is_ours(installed):
    forked_workers.install()
    assert forked_workers.warm() is installed
    handler, _ = worker_handlers.WorkerHandler._registered_environments[python_urns.SUBPROCESS_SDK]
    assert handler is forked_worker_handler.ForkedSdkWorkerHandler


def test_an_ended_warm_process_is_started_again(installed):
    installed.process.kill()
    installed.process.wait()
    again = forked_workers.warm()
    assert again is not installed and again.running()
    assert not os.path.exists(installed.folder), "the old socket's folder is removed"


def test_with_no_warm_process_the_workers_start_as_beam_starts_them(installed, tmp_path, monkeypatch, capfd):
    installed.process.kill()
    installed.process.wait()
    monkeypatch.setattr(forked_workers, "warm", lambda: installed)
    launcher, dead = os.getpid(), installed.process.pid

    def parents(_):
        import psutil

        return [parent.pid for parent in psutil.Process().parents()]

    with beam.Pipeline(options=beam_flags(tmp_path, workers=1)) as pipeline:
        seen = pipeline | beam.Create([0]) | beam.Map(parents) | beam.Map(lambda up: (launcher in up, dead in up))
        assert_that(seen, equal_to([(True, False)]), label="Beam's own subprocess")
    assert "starts afresh instead" in capfd.readouterr().err


def test_a_warm_process_that_is_gone_gives_no_worker(warm_process):
    warm_process.process.kill()
    warm_process.process.wait()
    with pytest.raises(fork_client.NotForkedError, match="is gone"):
        fork_client.ask(warm_process.path, {}, "/")


def test_install_does_nothing_where_fork_is_not_supported(monkeypatch):
    monkeypatch.setattr(forked_workers, "supported", lambda: False)
    monkeypatch.setattr(forked_workers, "warm", lambda: pytest.fail("no warm process where fork is unsupported"))
    forked_workers.install()


# The warm process itself, asked directly as ForkedSdkWorker asks it.


@pytest.fixture
def warm_process():
    process = forked_workers.WarmProcess()
    yield process
    process.stop()


def test_a_worker_gets_the_askers_stdio_environment_and_folder_and_its_exit_code_comes_back(warm_process, tmp_path):
    """Without a control endpoint Beam's worker main fails at once: its traceback reaches the asker's stderr."""
    err = tmp_path / "stderr"
    with open(err, "wb") as stderr:
        saved = os.dup(2)
        os.dup2(stderr.fileno(), 2)
        try:
            code = fork_client.ask(warm_process.path, {"PIPELINE_OPTIONS": "{}", "ONLY_HERE": "1"}, str(tmp_path))
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    assert code == 1
    assert "CONTROL_API_SERVICE_DESCRIPTOR" in err.read_text(), "the worker's traceback went to the asker's stderr"


def ask_and_hang_up(path):
    """An asker whose worker waits for a control endpoint that never answers; it then goes away."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    environ = {
        "CONTROL_API_SERVICE_DESCRIPTOR": f'url: "127.0.0.1:{listener.getsockname()[1]}"',
        "PIPELINE_OPTIONS": "{}",
    }
    import json

    body = json.dumps({"environ": environ, "cwd": "/"}).encode()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    socket.send_fds(conn, [fork_server.LENGTH.pack(len(body))], [0, 1, 2])
    conn.sendall(body)
    return conn, listener


def children(process):
    return psutil.Process(process.pid).children()


def wait_for(condition, seconds=20.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_worker_whose_asker_goes_away_is_killed(warm_process):
    conn, listener = ask_and_hang_up(warm_process.path)
    assert wait_for(lambda: len(children(warm_process.process)) == 1)
    conn.close()
    assert wait_for(lambda: not children(warm_process.process)), "killed and reaped once its asker left"
    listener.close()
    assert warm_process.running()


def test_a_bad_request_is_refused_and_the_server_goes_on(warm_process):
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(warm_process.path)
        conn.sendall(fork_server.LENGTH.pack(5) + b"hello")  # no descriptors
        assert conn.recv(256) == b"refused a request passes 3 descriptors (stdin, stdout, stderr), not 0\n"
    assert not children(warm_process.process)
    assert fork_client.ask(warm_process.path, {"PIPELINE_OPTIONS": "{}"}, "/") == 1, "the next request is served"


def test_the_server_ends_with_its_stdin_and_takes_running_workers_with_it():
    process = forked_workers.WarmProcess()
    conn, listener = ask_and_hang_up(process.path)
    assert wait_for(lambda: len(children(process.process)) == 1)
    worker = children(process.process)[0]
    process.stop()
    assert process.process.returncode == 0
    assert not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE
    assert not os.path.exists(process.folder)
    conn.close()
    listener.close()


def test_a_killed_worker_reports_128_plus_the_signal():
    assert fork_server.exit_code(signal.SIGKILL) == 128 + signal.SIGKILL
    assert fork_server.exit_code(3 << 8) == 3


def in_fresh_python(script: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_preload_freezes_the_imports_and_adds_no_root_handler(tmp_path):
    (tmp_path / "chatty.py").write_text("import logging\nlogging.basicConfig()\nlogging.warning('imported')\n")
    found = in_fresh_python(
        f"""
        import gc, logging, sys
        sys.path.insert(0, {str(tmp_path)!r})
        from components import fork_server
        fork_server.PRELOAD = ("chatty",)
        fork_server.preload()
        print(len(logging.getLogger().handlers), "chatty" in sys.modules, gc.get_freeze_count() > 0, gc.isenabled())
        """
    )
    assert found == "0 True True True"


def test_each_child_draws_its_own_numpy_random_numbers():
    found = in_fresh_python(
        """
        import os, numpy
        from components import fork_server
        numpy.random.seed(0)
        draws = []
        for _ in range(2):
            read, write = os.pipe()
            if os.fork() == 0:
                fork_server._fresh_random()
                os.write(write, str(numpy.random.randint(1 << 30)).encode())
                os._exit(0)
            os.close(write)
            os.wait()
            draws.append(os.read(read, 64).decode())
        draws.append(str(numpy.random.randint(1 << 30)))
        print(len(set(draws)))
        """
    )
    assert found == "3"
