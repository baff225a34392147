"""Puts concurrent requests into one model call: what queues up while the model is busy goes in together."""

import asyncio
import concurrent.futures
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from pipeline.serving.instances import Instances
from pipeline.serving.metrics import ServerMetrics
from pipeline.serving.model import LoadedModel

Predictions = List[Dict[str, Any]]
# A request of at most this many instances that finds the batcher idle, and no other request arriving with
# it, is predicted at once on the event loop's thread: its call takes well under a millisecond, less than
# handing it to the model's thread and back (two thread wake-ups). Requests read meanwhile wait, then batch.
INLINE_INSTANCES = 8


@dataclass
class _Pending:
    instances: Instances
    model: LoadedModel
    future: "asyncio.Future[Predictions]"


class MicroBatcher:
    """Requests queue; one worker takes everything queued (up to max_instances) into one model call.

    At low load a request is alone and waits for nothing (max_wait_ms 0; a small one is predicted on the
    spot, see INLINE_INSTANCES); under load, requests that arrive while a call runs share the next one. A
    batch is served by the model current when it starts, so a reload never changes a request halfway: each
    is served by the model it was validated against, and a batch holds requests of one model only. A
    batched call that fails is retried request by request, so that what one request sent fails that
    request alone. Disabled, each request calls the model on its own thread.
    """

    def __init__(self, metrics: ServerMetrics, enabled: bool, max_instances: int, max_wait_ms: float):
        self.metrics = metrics
        self.enabled, self.max_instances, self.max_wait = enabled, max_instances, max_wait_ms / 1000.0
        # One model call at a time when batching: the calls themselves use TensorFlow's thread pools.
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1 if enabled else 8, thread_name_prefix="predict"
        )
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._carry: Optional[_Pending] = None
        self._worker: Optional[asyncio.Task[None]] = None
        self._calling = False  # the worker's model call is running
        self._claimed = False  # a request is making sure it is alone (see _alone)

    def start(self) -> None:
        if self.enabled:
            self._worker = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Called after the server stopped taking requests and answered those in flight."""
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        self._executor.shutdown(wait=True)

    async def predict(self, instances: Instances, model: LoadedModel) -> Predictions:
        """The predictions of `model` (the one the instances were validated against) for these instances."""
        if not self.enabled:
            return await self._call(model, instances.columns, instances.count)
        if instances.count <= INLINE_INSTANCES and await self._alone():
            return self._inline(model, instances)
        future: asyncio.Future[Predictions] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(instances, model, future))
        return await future

    def _idle(self) -> bool:
        return not (self._calling or self._claimed or self._carry or not self._queue.empty() or self.max_wait)

    async def _alone(self) -> bool:
        """Whether the batcher is idle, and stays so for one turn of the event loop: the requests read from
        the sockets in the same turn as this one all reach the batcher in that turn, and find it claimed."""
        if not self._idle():
            return False
        self._claimed = True
        try:
            await asyncio.sleep(0)
        finally:
            self._claimed = False
        return self._idle()

    def _inline(self, model: LoadedModel, instances: Instances) -> Predictions:
        started = time.perf_counter()
        predictions = model.predict(instances.columns)
        self.metrics.model_latency.observe(time.perf_counter() - started)
        self.metrics.batch_instances.observe(instances.count)
        return predictions

    async def _call(self, model: LoadedModel, columns: Dict[str, List[Any]], count: int) -> Predictions:
        started = time.perf_counter()
        predictions = await asyncio.get_running_loop().run_in_executor(self._executor, model.predict, columns)
        self.metrics.model_latency.observe(time.perf_counter() - started)
        self.metrics.batch_instances.observe(count)
        return predictions

    async def _next_batch(self) -> List[_Pending]:
        first = self._carry or await self._queue.get()
        self._carry = None
        batch, count = [first], first.instances.count
        deadline = time.monotonic() + self.max_wait
        while count < self.max_instances:
            try:
                item = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    item = await asyncio.wait_for(self._queue.get(), left)
                except asyncio.TimeoutError:
                    break
            if item.model is not first.model or count + item.instances.count > self.max_instances:
                self._carry = item
                break
            batch.append(item)
            count += item.instances.count
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._next_batch()
            self._calling = True
            try:
                await self._serve(batch)
            finally:
                self._calling = False

    async def _serve(self, batch: List[_Pending]) -> None:
        """One model call for the batch; each request gets its own rows, or its own error."""
        model = batch[0].model
        try:
            columns = {name: [v for item in batch for v in item.instances.columns[name]] for name in model.features}
            predictions = await self._call(model, columns, sum(item.instances.count for item in batch))
        except Exception as error:  # noqa: BLE001 - a failed call fails its requests, not the worker
            if len(batch) == 1:
                _settle(batch[0], error=error)
            else:
                await self._one_by_one(batch)
            return
        start = 0
        for item in batch:
            end = start + item.instances.count
            _settle(item, result=predictions[start:end])
            start = end

    async def _one_by_one(self, batch: List[_Pending]) -> None:
        """After a failed batched call: each request alone, so that only the one at fault fails."""
        self.metrics.batch_retries.inc()
        for item in batch:
            if item.future.done():
                continue
            try:
                predictions = await self._call(item.model, item.instances.columns, item.instances.count)
            except Exception as error:  # noqa: BLE001 - this request's own failure, answered as such
                _settle(item, error=error)
            else:
                _settle(item, result=predictions)


def _settle(item: _Pending, result: Optional[Predictions] = None, error: Optional[BaseException] = None) -> None:
    """Answers a request's future, unless its client is gone and the future was cancelled."""
    if item.future.done():
        return
    if error is not None:
        item.future.set_exception(error)
    else:
        item.future.set_result(result if result is not None else [])
