"""What remote Beam workers get: the project's content-addressed wheel, and servers that listen on loopback only."""

import socket
import zipfile
from concurrent import futures

import pytest

from pipeline.config.loader import load_config
from pipeline.local import loopback, staging

pytestmark = pytest.mark.unit


def test_the_direct_runner_stages_nothing(tmp_path):
    config = load_config(overrides=[f"output_root={tmp_path}"], environ={})

    assert staging.with_project_wheel(config) is config


def test_a_remote_runner_stages_the_projects_wheel_from_its_content_address(tmp_path):
    config = load_config(
        overrides=[f"output_root={tmp_path}", "beam.runner=portable", "beam.extra_args=[--job_endpoint=127.0.0.1:1]"],
        environ={},
    )

    staged = staging.with_project_wheel(config)

    flags = [arg for arg in staged.beam_args() if arg.startswith("--extra_package=")]
    assert len(flags) == 1
    wheel = flags[0].split("=", 1)[1]
    assert wheel.startswith(str(tmp_path / "wheels") + "/") and wheel.endswith("vertex_tfx-0.1.0-py3-none-any.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"pipeline/dag/factory.py", "components/csv_example_gen.py", "modules/preprocessing.py"} <= set(names)
    assert "pipeline/config/profiles/base.yaml" in names
    # The same code, the same flags: a cached Beam step stays cached.
    assert staging.with_project_wheel(config).beam_args() == staged.beam_args()
    assert staged.beam_args()[:3] == [
        "--runner=PortableRunner",
        "--job_server_timeout=86400",
        "--job_endpoint=127.0.0.1:1",
    ]


@pytest.mark.parametrize(
    "address, bound",
    [
        ("[::]:0", "127.0.0.1:0"),
        ("0.0.0.0:8099", "127.0.0.1:8099"),
        ("localhost:51000", "127.0.0.1:51000"),
        ("10.1.2.3:8099", "10.1.2.3:8099"),
    ],
)
def test_wildcard_and_localhost_addresses_become_loopback(address, bound):
    assert loopback.loopback_address(address) == bound


def test_a_grpc_server_made_after_binding_listens_on_loopback_only():
    import grpc

    loopback.bind_grpc_to_loopback()
    server = grpc.server(futures.ThreadPoolExecutor(1))
    port = server.add_insecure_port("[::]:0")
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        other = socket.gethostbyname(socket.gethostname())
        if other != "127.0.0.1" and not other.startswith("127."):
            with pytest.raises(OSError):
                socket.create_connection((other, port), timeout=2).close()
    finally:
        server.stop(None)
