"""The micro-batcher: concurrent requests share model calls, in order, within the limit, one model per call."""

import asyncio
import threading
import time

import pytest

from pipeline.serving.batcher import INLINE_INSTANCES, MicroBatcher
from pipeline.serving.instances import Instances
from pipeline.serving.metrics import ServerMetrics

pytestmark = pytest.mark.unit


class SlowModel:
    """Echoes each row's `x` back, taking 20 ms per call, and records the size of each call."""

    features = {"x": None}

    def __init__(self, name: str = "m", fail: bool = False):
        self.name, self.fail, self.calls = name, fail, []
        self._lock = threading.Lock()

    def predict(self, columns):
        with self._lock:
            self.calls.append(len(columns["x"]))
        time.sleep(0.02)
        if self.fail:
            raise RuntimeError("the model broke")
        return [{"x": x, "model": self.name} for x in columns["x"]]


def _instances(*values) -> Instances:
    return Instances({"x": list(values)}, len(values))


async def _serve(batcher: MicroBatcher, requests):
    batcher.start()
    try:
        return await asyncio.gather(*(batcher.predict(i, m) for i, m in requests), return_exceptions=True)
    finally:
        await batcher.stop()


def test_concurrent_requests_share_calls_and_each_gets_its_own_rows():
    model = SlowModel()
    batcher = MicroBatcher(ServerMetrics(), enabled=True, max_instances=256, max_wait_ms=0)
    requests = [(_instances(i, i + 100), model) for i in range(20)]

    results = asyncio.run(_serve(batcher, requests))

    assert [[p["x"] for p in r] for r in results] == [[i, i + 100] for i in range(20)]
    assert sum(model.calls) == 40
    assert len(model.calls) < 20, f"no request was batched: {model.calls}"


def test_a_call_never_takes_more_than_max_instances_and_never_splits_a_request():
    model = SlowModel()
    batcher = MicroBatcher(ServerMetrics(), enabled=True, max_instances=5, max_wait_ms=0)
    requests = [(_instances(*range(3)), model) for _ in range(10)]

    results = asyncio.run(_serve(batcher, requests))

    assert all(len(r) == 3 for r in results)
    assert max(model.calls) <= 5 and all(size % 3 == 0 for size in model.calls)


def test_a_call_holds_requests_of_one_model_only():
    old, new = SlowModel("old"), SlowModel("new")
    batcher = MicroBatcher(ServerMetrics(), enabled=True, max_instances=256, max_wait_ms=5)
    requests = [(_instances(i), old if i % 2 else new) for i in range(12)]

    results = asyncio.run(_serve(batcher, requests))

    assert [r[0]["model"] for r in results] == ["old" if i % 2 else "new" for i in range(12)]
    assert sum(old.calls) == 6 and sum(new.calls) == 6


def test_a_failed_call_fails_its_requests_and_the_next_call_still_runs():
    broken, good = SlowModel("broken", fail=True), SlowModel("good")
    batcher = MicroBatcher(ServerMetrics(), enabled=True, max_instances=256, max_wait_ms=0)

    results = asyncio.run(_serve(batcher, [(_instances(1), broken), (_instances(2), good)]))

    assert isinstance(results[0], RuntimeError)
    assert results[1] == [{"x": 2, "model": "good"}]


def test_without_batching_each_request_is_its_own_call():
    model = SlowModel()
    batcher = MicroBatcher(ServerMetrics(), enabled=False, max_instances=256, max_wait_ms=0)

    results = asyncio.run(_serve(batcher, [(_instances(i), model) for i in range(6)]))

    assert [r[0]["x"] for r in results] == list(range(6))
    assert model.calls == [1] * 6


class PoisonedModel(SlowModel):
    """Fails any call that holds the value "poison", as a model does on input it cannot take."""

    def predict(self, columns):
        if "poison" in columns["x"]:
            with self._lock:
                self.calls.append(len(columns["x"]))
            raise ValueError("cannot take poison")
        return super().predict(columns)


def test_a_failed_batch_is_retried_request_by_request_so_only_the_bad_request_fails():
    model, metrics = PoisonedModel(), ServerMetrics()
    batcher = MicroBatcher(metrics, enabled=True, max_instances=256, max_wait_ms=20)
    values = [1, 2, "poison", 4, 5]
    requests = [(_instances(value, value), model) for value in values]

    results = asyncio.run(_serve(batcher, requests))

    assert isinstance(results[2], ValueError) and str(results[2]) == "cannot take poison"
    assert [r for i, r in enumerate(results) if i != 2] == [[{"x": v, "model": "m"}] * 2 for v in (1, 2, 4, 5)]
    # One batched call of all five, then each request alone.
    assert model.calls == [10, 2, 2, 2, 2, 2]
    assert metrics.registry.get_sample_value("vtx_serve_batch_retries_total") == 1


def test_a_request_that_fails_alone_is_not_called_again():
    model, metrics = PoisonedModel(), ServerMetrics()
    batcher = MicroBatcher(metrics, enabled=True, max_instances=256, max_wait_ms=0)

    results = asyncio.run(_serve(batcher, [(_instances("poison"), model)]))

    assert isinstance(results[0], ValueError)
    assert model.calls == [1]
    assert metrics.registry.get_sample_value("vtx_serve_batch_retries_total") == 0


class ThreadModel(SlowModel):
    """Records the thread each call runs on."""

    def __init__(self):
        super().__init__()
        self.threads = []

    def predict(self, columns):
        self.threads.append(threading.get_ident())
        return super().predict(columns)


async def _one_after_another(batcher: MicroBatcher, requests):
    batcher.start()
    try:
        return [await batcher.predict(i, m) for i, m in requests]
    finally:
        await batcher.stop()


@pytest.mark.parametrize(("count", "on_loop"), [(1, True), (INLINE_INSTANCES, True), (INLINE_INSTANCES + 1, False)])
def test_a_small_request_alone_is_predicted_on_the_event_loops_thread(count, on_loop):
    model = ThreadModel()
    batcher = MicroBatcher(ServerMetrics(), enabled=True, max_instances=256, max_wait_ms=0)
    requests = [(_instances(*range(count)), model) for _ in range(3)]

    results = asyncio.run(_one_after_another(batcher, requests))

    assert results == [[{"x": x, "model": "m"} for x in range(count)]] * 3
    assert model.calls == [count] * 3
    assert (set(model.threads) == {threading.get_ident()}) is on_loop


def test_requests_that_arrive_together_are_batched_even_when_the_first_finds_the_batcher_idle():
    model = ThreadModel()
    batcher = MicroBatcher(ServerMetrics(), enabled=True, max_instances=256, max_wait_ms=0)

    results = asyncio.run(_serve(batcher, [(_instances(i), model) for i in range(5)]))

    assert [r[0]["x"] for r in results] == list(range(5))
    assert model.calls == [5]
    assert threading.get_ident() not in model.threads
