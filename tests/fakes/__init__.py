"""Loopback stand-ins for Google Cloud, each driven by the real client library: Vertex AI, Cloud Run, GCS."""
