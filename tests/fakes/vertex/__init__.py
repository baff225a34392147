"""A fake of the Vertex AI API on loopback: models, endpoints, pipeline jobs, schedules, and Secret Manager."""

from tests.fakes.vertex.server import VertexFake

__all__ = ["VertexFake"]
