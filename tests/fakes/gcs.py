"""gcp-storage-emulator on loopback, so Google Cloud Storage clients in tests never leave the machine."""

import socket
from typing import Iterator

import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StorageEmulator:
    """A running in-memory GCS; `host` is what STORAGE_EMULATOR_HOST must say."""

    def __init__(self) -> None:
        from gcp_storage_emulator.server import create_server

        self.port = _free_port()
        self.host = f"http://127.0.0.1:{self.port}"
        self._server = create_server("127.0.0.1", self.port, in_memory=True)
        self._server.start()

    def client(self, project: str = "test-project"):
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage

        return storage.Client(project=project, credentials=AnonymousCredentials())

    def wipe(self) -> None:
        self._server.wipe()

    def stop(self) -> None:
        self._server.stop()


@pytest.fixture(scope="session")
def _storage_server() -> Iterator[StorageEmulator]:
    emulator = StorageEmulator()
    yield emulator
    emulator.stop()


@pytest.fixture
def storage_emulator(_storage_server: StorageEmulator, monkeypatch) -> Iterator[StorageEmulator]:
    """An empty emulated GCS for one test; google-cloud-storage clients made during the test use it."""
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", _storage_server.host)
    _storage_server.wipe()
    yield _storage_server
    _storage_server.wipe()
