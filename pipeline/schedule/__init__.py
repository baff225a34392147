"""Schedules as code: continuous training on Vertex AI Pipelines and batch prediction through Cloud Scheduler."""
