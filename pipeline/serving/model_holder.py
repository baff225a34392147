"""The model being served, and hot reload: poll the registry, load a new version aside, then swap it in."""

import asyncio
import logging
from typing import Any, Callable, Optional, Protocol, Tuple, Type

from pipeline.serving import model as model_module
from pipeline.serving.metrics import ServerMetrics
from pipeline.serving.model import LoadedModel, ModelLoadError

log = logging.getLogger(__name__)
PRODUCTION = "production"


class ModelSource(Protocol):
    """What serving needs of the model registry: the version an alias points to, and where it is."""

    def resolve(self, ref: str) -> Any: ...  # a pipeline.registry.ModelVersion: .version, .uri


class ModelHolder:
    """Holds the current LoadedModel; `watch` swaps in each new version of the alias once it is loaded.

    The swap is one reference assignment: a request validated against the old model is still answered
    by it, and the old model is freed when its last request is done.
    """

    def __init__(
        self,
        source: ModelSource,
        metrics: ServerMetrics,
        source_errors: Tuple[Type[Exception], ...] = (),
        load: Callable[[str, str], LoadedModel] = model_module.load,
        announce: Callable[[str], None] = log.warning,
        alias: str = PRODUCTION,
    ):
        self.source, self.metrics, self.source_errors = source, metrics, source_errors
        self.alias = alias
        self._load, self._announce = load, announce
        self._current: Optional[LoadedModel] = None
        self._refused: Optional[Tuple[str, str]] = None

    @property
    def current(self) -> LoadedModel:
        assert self._current is not None, "load_production() first"
        return self._current

    @property
    def ready(self) -> bool:
        return self._current is not None

    def load_production(self) -> LoadedModel:
        """At start: the version of the alias (production), loaded; the source's and the loader's errors propagate."""
        ref = self.source.resolve(self.alias)
        self._swap(self._load(str(ref.version), str(ref.uri)))
        return self.current

    def _swap(self, model: LoadedModel) -> None:
        previous, self._current = self._current, model
        self.metrics.serving(model.version)
        if previous is not None:
            self.metrics.reloads.labels(outcome="loaded").inc()
            self._announce(
                f"Serving version {model.version} (was {previous.version}), loaded in {model.load_seconds:.1f} s"
            )

    async def check(self) -> bool:
        """Asks the source once; loads and swaps in a new production version. True if it swapped."""
        try:
            ref = await asyncio.to_thread(self.source.resolve, self.alias)
        except self.source_errors as error:
            log.warning("model registry: %s; still serving version %s", error, self.current.version)
            return False
        wanted = (str(ref.version), str(ref.uri))
        if wanted == (self.current.version, self.current.uri) or wanted == self._refused:
            return False
        try:
            model = await asyncio.to_thread(self._load, *wanted)
        except ModelLoadError as error:
            # Not retried until production points elsewhere: a broken version stays broken.
            self._refused = wanted
            self.metrics.reloads.labels(outcome="failed").inc()
            self._announce(f"Not serving version {wanted[0]}: {error}; still serving {self.current.version}")
            return False
        self._swap(model)
        return True

    async def watch(self, poll_seconds: float) -> None:
        """Checks the source every poll_seconds until cancelled."""
        while True:
            await asyncio.sleep(poll_seconds)
            await self.check()
