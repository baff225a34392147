"""predict_all: the reader runs ahead of the model and the writer behind it by up to two chunks, in input order."""

import io
import threading
from typing import Iterator, List

import numpy as np
import pytest

from pipeline.batch import overlap
from pipeline.batch.progress import Progress
from pipeline.batch.rows import Chunk, RowError

pytestmark = pytest.mark.unit
WAIT = 5.0  # seconds; a wait that times out means the step stalled behind another


def chunk(index: int, errors: List[RowError] = ()) -> Chunk:
    return Chunk({"x": np.full(2, index, np.float32)}, [index], 2, list(errors))


class Predictor:
    def __init__(self, before_first=lambda: None):
        self.seen: List[int] = []
        self._before_first = before_first

    def predict(self, features, count):
        if not self.seen:
            self._before_first()
        self.seen.append(int(features["x"][0]))
        return [int(features["x"][0])] * count


class Output:
    def __init__(self, on_write=lambda index: None):
        self.written: List[int] = []
        self._on_write = on_write

    def write(self, chunk, predictions):
        self._on_write(chunk.rows[0])
        self.written.append(chunk.rows[0])


class Errors:
    def __init__(self):
        self.rows: List[RowError] = []

    def write(self, errors):
        self.rows.extend(errors)


def progress() -> Progress:
    return Progress(1, io.StringIO(), False)


def test_outputs_and_errors_keep_the_input_order_and_the_first_error_is_returned():
    bad = [RowError(9, "too many fields", "a,b,c")]
    chunks = [chunk(i, bad if i == 4 else []) for i in range(9)]
    predictor, output, errors = Predictor(), Output(), Errors()
    rows, first = overlap.predict_all(iter(chunks), predictor, output, errors, progress())
    assert (rows, predictor.seen, output.written) == (18, list(range(9)), list(range(9)))
    assert errors.rows == bad and first == bad[0]


def test_the_reader_gets_two_chunks_ahead_while_the_model_is_busy():
    read = threading.Semaphore(0)

    def chunks() -> Iterator[Chunk]:
        for i in range(5):
            yield chunk(i)
            read.release()

    def two_more_read():  # chunk 0 is out; chunks 1 and 2 must be read before the model finishes chunk 0
        assert read.acquire(timeout=WAIT) and read.acquire(timeout=WAIT), "the reader stalled behind the model"

    predictor, output = Predictor(two_more_read), Output()
    overlap.predict_all(chunks(), predictor, output, Errors(), progress())
    assert output.written == list(range(5))


def test_the_model_goes_on_while_the_writer_is_two_chunks_behind():
    predicted_two = threading.Event()

    def on_write(index):  # chunk 0's write lasts until the model has done chunk 2
        if index == 0:
            assert predicted_two.wait(WAIT), "the model stalled behind the writer"

    class Watching(Predictor):
        def predict(self, features, count):
            out = super().predict(features, count)
            if len(self.seen) == 3:
                predicted_two.set()
            return out

    predictor, output = Watching(), Output(on_write)
    overlap.predict_all(iter([chunk(i) for i in range(5)]), predictor, output, Errors(), progress())
    assert output.written == list(range(5))


def test_a_failed_read_or_write_is_raised():
    def broken() -> Iterator[Chunk]:
        yield chunk(0)
        raise ValueError("bad read")

    with pytest.raises(ValueError, match="bad read"):
        overlap.predict_all(broken(), Predictor(), Output(), Errors(), progress())

    def fail(index):
        if index == 1:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        overlap.predict_all(iter([chunk(i) for i in range(4)]), Predictor(), Output(fail), Errors(), progress())
