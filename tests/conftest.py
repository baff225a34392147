"""Test-wide setup: TFT needs Keras 2, chosen before any test imports TensorFlow."""

import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"

# The `vertex_fake` fixture: a loopback Vertex AI and Secret Manager for the Google Cloud client libraries.
# `storage_emulator`: gcp-storage-emulator for google-cloud-storage clients.
# `cloud_run_fake`: a loopback Cloud Scheduler and Cloud Run Admin API.
pytest_plugins = ["tests.fakes.vertex.server", "tests.fakes.gcs", "tests.fakes.cloud_run.server"]
