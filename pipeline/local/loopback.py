"""Makes every gRPC server of this process listen on 127.0.0.1: Beam's job services, worker pools and FnAPI servers.

Beam binds `[::]` (every interface) for the servers a portable run starts in the driver (a LOOPBACK worker
pool, an embedded job service, the FnAPI servers of multi-process direct runs). This file imports nothing of
the project, so a worker environment without it can load it by path.
"""

from typing import Any

LOOPBACK = "127.0.0.1"
# Hosts that mean "every interface" or "this machine" to gRPC.
_ANY_HOST = {"", "[::]", "::", "0.0.0.0", "localhost", "[::1]"}


def loopback_address(address: str) -> str:
    """`[::]:8099` -> `127.0.0.1:8099`; an address naming another host stays as it is."""
    host, sep, port = address.rpartition(":")
    if sep and host in _ANY_HOST:
        return f"{LOOPBACK}:{port}"
    return address


def bind_grpc_to_loopback() -> None:
    """From now on, gRPC servers made with grpc.server() open their ports on 127.0.0.1 only."""
    import grpc

    if getattr(grpc.server, "binds_loopback", False):
        return
    make_server = grpc.server

    def server(*args: Any, **kwargs: Any) -> Any:
        made = make_server(*args, **kwargs)
        add_port = made.add_insecure_port
        made.add_insecure_port = lambda address: add_port(loopback_address(address))
        return made

    server.binds_loopback = True  # type: ignore[attr-defined]
    grpc.server = server
