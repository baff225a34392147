"""`vtx promote`: a smoked version to production (or the previous one back), refused in one line otherwise."""

from dataclasses import dataclass
from typing import Optional, Protocol

from pipeline.config.release import PRODUCTION, STAGING
from pipeline.registry.model import ModelVersion, Registry, RegistryError


class PromotionRefusedError(Exception):
    """Promotion refused; `code` is the exit status (0 for a no-op such as a version already in production)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


class Deployer(Protocol):
    """Puts a version on a stage's endpoint, undeploying the old one only once the new one serves (Vertex AI)."""

    def deploy(self, version: ModelVersion, stage: str) -> str: ...


@dataclass(frozen=True)
class Moved:
    before: Optional[ModelVersion]
    after: ModelVersion
    deployed: str  # what the deployer did, "" locally

    def line(self, rollback: bool = False) -> str:
        was = f" (was {self.before.version})" if self.before else ""
        where = f"; {self.deployed}" if self.deployed else ""
        if rollback:
            return f"Rolled back {PRODUCTION} to version {self.after.version}{was}{where}"
        return f"Promoted version {self.after.version} to {PRODUCTION}{was}{where}"


def _current(registry: Registry) -> Optional[ModelVersion]:
    try:
        return registry.resolve(PRODUCTION)
    except RegistryError:
        return None


def check(registry: Registry, ref: Optional[str]) -> ModelVersion:
    """The version to promote (default: staging's), if it may be promoted; PromotionRefusedError says why not."""
    try:
        version = registry.resolve(ref or STAGING)
    except RegistryError as error:
        raise PromotionRefusedError(f"unknown version: {error}") from None
    current = _current(registry)
    if current is not None and current.version == version.version:
        raise PromotionRefusedError(f"version {version.version} is already in {PRODUCTION}; nothing to do", code=0)
    record = registry.smoke_record(version.version)
    if record is None:
        raise PromotionRefusedError(
            f"version {version.version} has no smoke test; run `vtx smoke --stage {STAGING}` against it first"
        )
    if not record.passed:
        failed = "; ".join(record.failed) or "see its smoke test"
        message = f"version {version.version} failed its smoke test of {record.at} ({failed}); not promoted"
        raise PromotionRefusedError(message)
    return version


def promote(registry: Registry, ref: Optional[str], deployer: Optional[Deployer]) -> Moved:
    version = check(registry, ref)
    before = _current(registry)
    deployed = deployer.deploy(version, PRODUCTION) if deployer else ""
    # The alias moves last: it says what serves, so it moves once the endpoint serves the version.
    return Moved(before, registry.promote(version.version), deployed)


def rollback(registry: Registry, deployer: Optional[Deployer]) -> Moved:
    before = _current(registry)
    if before is None:
        raise PromotionRefusedError(f"no version is in {PRODUCTION} yet; nothing to roll back")
    target = registry.previous_production()
    if target is None:
        raise PromotionRefusedError(
            f"version {before.version} is the only {PRODUCTION} version there has been; nothing to roll back to"
        )
    deployed = deployer.deploy(target, PRODUCTION) if deployer else ""
    return Moved(before, registry.rollback(), deployed)
