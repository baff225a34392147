"""Hot reload: a new production version is loaded aside and swapped in; a broken one or a registry error
leaves the current model serving."""

import asyncio
from types import SimpleNamespace

import pytest

from pipeline.serving.metrics import ServerMetrics
from pipeline.serving.model import LoadedModel, ModelLoadError
from pipeline.serving.model_holder import ModelHolder

pytestmark = pytest.mark.unit


class RegistryDownError(Exception):
    pass


class Source:
    def __init__(self, version: str):
        self.version, self.down = version, False

    def resolve(self, ref: str):
        assert ref == "production"
        if self.down:
            raise RegistryDownError("registry unreachable")
        return SimpleNamespace(version=self.version, uri=f"/models/{self.version}")


class Loader:
    def __init__(self):
        self.loaded = []

    def __call__(self, version: str, uri: str) -> LoadedModel:
        self.loaded.append(version)
        if version == "broken":
            raise ModelLoadError("no serving_raw signature")
        return LoadedModel(version, uri, {}, [], signature=None)


def _holder(source, loader, said):
    return ModelHolder(source, ServerMetrics(), (RegistryDownError,), load=loader, announce=said.append)


def test_a_new_production_version_is_swapped_in_once():
    source, loader, said = Source("1"), Loader(), []
    holder = _holder(source, loader, said)
    first = holder.load_production()

    assert asyncio.run(holder.check()) is False
    source.version = "2"
    assert asyncio.run(holder.check()) is True
    assert asyncio.run(holder.check()) is False

    assert first.version == "1" and holder.current.version == "2"
    assert loader.loaded == ["1", "2"]
    assert said == ["Serving version 2 (was 1), loaded in 0.0 s"]
    assert 'vtx_serve_model_info{version="2"} 1.0' in _metrics(holder)
    assert 'version="1"' not in _metrics(holder)


def test_a_version_that_does_not_load_is_refused_once_and_the_old_one_keeps_serving():
    source, loader, said = Source("1"), Loader(), []
    holder = _holder(source, loader, said)
    holder.load_production()

    source.version = "broken"
    assert asyncio.run(holder.check()) is False
    assert asyncio.run(holder.check()) is False

    assert holder.current.version == "1"
    assert loader.loaded == ["1", "broken"], "a broken version is not loaded again at every poll"
    assert said == ["Not serving version broken: no serving_raw signature; still serving 1"]


def test_a_registry_error_keeps_the_current_model():
    source, loader, said = Source("1"), Loader(), []
    holder = _holder(source, loader, said)
    holder.load_production()

    source.down = True
    assert asyncio.run(holder.check()) is False

    assert holder.current.version == "1" and said == []


def test_at_start_the_registry_error_reaches_the_caller():
    source = Source("1")
    source.down = True
    holder = _holder(source, Loader(), [])

    with pytest.raises(RegistryDownError):
        holder.load_production()
    assert not holder.ready


def _metrics(holder: ModelHolder) -> str:
    from prometheus_client import generate_latest

    return generate_latest(holder.metrics.registry).decode()
