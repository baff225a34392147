"""Reads ahead and writes behind while the model predicts: I/O hides behind the model.

pyarrow's CSV parsing and writing, and TensorFlow's kernels, release the GIL, so on two or more cores the
three steps run at once. One thread reads (chunks in input order), one writes (outputs in input order);
each may run up to READ_AHEAD / WRITE_BEHIND chunks ahead of or behind the model, so a chunk that is slow to
read or write does not stall the other two steps. At most READ_AHEAD + 1 + WRITE_BEHIND chunks are in
memory, whatever the size of the file.
"""

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Deque, Iterator, Optional, Tuple

from pipeline.batch import writers
from pipeline.batch.predictor import Predictions, Predictor
from pipeline.batch.progress import Progress
from pipeline.batch.rows import Chunk, RowError

READ_AHEAD = 2
WRITE_BEHIND = 2


def predict_all(
    chunks: Iterator[Chunk],
    predictor: Predictor,
    output: writers.Output,
    errors: writers.ErrorOutput,
    progress: Progress,
    read_ahead: int = READ_AHEAD,
    write_behind: int = WRITE_BEHIND,
) -> Tuple[int, Optional[RowError]]:
    """Predicts every chunk into `output` and its malformed rows into `errors`; (rows, the first malformed row)."""
    rows, first = 0, None

    def write(chunk: Chunk, predictions: Optional[Predictions]) -> None:
        errors.write(chunk.errors)
        if predictions is not None:
            output.write(chunk, predictions)

    # One thread each: its tasks run in the order submitted, so reads and writes keep the input's order.
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-read") as reader,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-write") as writer,
    ):
        reading: Deque[Future] = deque(reader.submit(next, chunks, None) for _ in range(read_ahead))
        writing: Deque[Future] = deque()
        while True:
            chunk = reading.popleft().result()
            if chunk is None:
                break
            reading.append(reader.submit(next, chunks, None))
            predictions = predictor.predict(chunk.features, chunk.count) if chunk.count else None
            while len(writing) >= write_behind:
                writing.popleft().result()
            writing.append(writer.submit(write, chunk, predictions))
            first = first or (chunk.errors[0] if chunk.errors else None)
            rows += chunk.count
            progress.rows(chunk.count)
        while writing:
            writing.popleft().result()
        for pending in reading:
            pending.cancel()
    return rows, first
