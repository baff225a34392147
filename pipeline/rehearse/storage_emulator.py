"""The GCS emulator (gcp-storage-emulator, a dev dependency) on 127.0.0.1, for a rehearsal's Cloud Storage clients.

TensorFlow and TFX read and write gs:// through a local folder (places.py); the Vertex AI SDK stages a local
model folder through google-cloud-storage before it uploads a version, and that client honours STORAGE_EMULATOR_HOST.
"""

import socket
from typing import Any

EMULATOR_ENV = "STORAGE_EMULATOR_HOST"


class EmulatorMissingError(RuntimeError):
    """gcp-storage-emulator is not installed (it is in the dev group: `make setup-core`)."""


class StorageEmulator:
    """An in-memory GCS on 127.0.0.1; `host` is what STORAGE_EMULATOR_HOST must say."""

    def __init__(self) -> None:
        try:
            from gcp_storage_emulator.server import create_server
        except ImportError as error:
            raise EmulatorMissingError(
                "vtx rehearse needs gcp-storage-emulator (the dev dependencies: make setup-core)"
            ) from error
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.host = f"http://127.0.0.1:{port}"
        self._server: Any = create_server("127.0.0.1", port, in_memory=True)
        self._server.start()

    def stop(self) -> None:
        self._server.stop()
