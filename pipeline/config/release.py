"""Typed settings of the release path: the stages a model goes through (staging, then production) and the smoke test."""

from typing import Dict, Optional

from pydantic import Field, field_validator, model_validator

from pipeline.config.base import Section

STAGING, PRODUCTION = "staging", "production"
STAGES = (STAGING, PRODUCTION)


class StageConfig(Section):
    """One stage's endpoint on Vertex AI: its name, its machines, and the share of traffic a new version gets."""

    # null: <pipeline_name>-staging for staging; <pipeline_name> for production, the endpoint pushes went to before.
    endpoint_display_name: Optional[str] = Field(default=None, min_length=1, max_length=128)
    machine_type: str = "n1-standard-2"
    min_replicas: int = Field(default=1, ge=1, le=1000)
    max_replicas: int = Field(default=1, ge=1, le=1000)
    # At 100 the versions deployed before are undeployed once the new one serves; below, they keep the rest.
    traffic_percentage: int = Field(default=100, ge=1, le=100)

    @model_validator(mode="after")
    def _replicas(self) -> "StageConfig":
        if self.max_replicas < self.min_replicas:
            raise ValueError(f"max_replicas ({self.max_replicas}) is below min_replicas ({self.min_replicas})")
        return self


class SmokeConfig(Section):
    """`vtx smoke`: what a live endpoint must do before its version may be promoted."""

    # The smoke test's accuracy may differ from the Evaluator's for the same version by at most this.
    max_accuracy_gap: float = Field(default=0.05, ge=0.0, le=1.0)
    # Held-out examples sent, one request each (the eval split's first ones).
    max_examples: int = Field(default=100, ge=1, le=100_000)
    p50_ms: float = Field(default=500.0, gt=0.0)
    p99_ms: float = Field(default=2000.0, gt=0.0)
    timeout_seconds: float = Field(default=30.0, gt=0.0, le=600.0)


def _default_stages() -> Dict[str, StageConfig]:
    return {STAGING: StageConfig(), PRODUCTION: StageConfig(max_replicas=2)}


class ReleaseConfig(Section):
    """The stages in order: the pusher deploys to the first, `vtx promote` moves a smoked version to the next."""

    stages: Dict[str, StageConfig] = Field(default_factory=_default_stages)
    smoke: SmokeConfig = SmokeConfig()

    @field_validator("stages")
    @classmethod
    def _two_stages(cls, stages: Dict[str, StageConfig]) -> Dict[str, StageConfig]:
        if tuple(stages) != STAGES:
            raise ValueError(
                f"the stages are {' then '.join(STAGES)}, in that order, not {', '.join(stages) or 'none'}"
            )
        return stages

    def stage(self, name: str) -> StageConfig:
        return self.stages[name]

    def endpoint_display_name(self, stage: str, pipeline_name: str) -> str:
        """The stage's endpoint: as set, else derived from the pipeline's (the dataset's) name."""
        explicit = self.stages[stage].endpoint_display_name
        if explicit:
            return explicit
        return pipeline_name if stage == PRODUCTION else f"{pipeline_name}-{stage}"
