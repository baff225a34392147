"""Reads the next chunk and writes the last one while the model predicts this one: I/O hides behind the model.

pyarrow's CSV parsing and writing, and TensorFlow's kernels, release the GIL, so on two or more cores the
three steps run at once. At most three chunks are in memory (reading, predicting, writing), whatever the
size of the file, and outputs are written in input order.
"""

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Iterator, Optional, Tuple

from pipeline.batch import writers
from pipeline.batch.predictor import Predictions, Predictor
from pipeline.batch.progress import Progress
from pipeline.batch.rows import Chunk, RowError


def predict_all(
    chunks: Iterator[Chunk],
    predictor: Predictor,
    output: writers.Output,
    errors: writers.ErrorOutput,
    progress: Progress,
) -> Tuple[int, Optional[RowError]]:
    """Predicts every chunk into `output` and its malformed rows into `errors`; (rows, the first malformed row)."""
    rows, first = 0, None

    def write(chunk: Chunk, predictions: Optional[Predictions]) -> None:
        errors.write(chunk.errors)
        if predictions is not None:
            output.write(chunk, predictions)

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="batch-io") as pool:
        reading: Future = pool.submit(next, chunks, None)
        writing: Optional[Future] = None
        while True:
            chunk = reading.result()
            if chunk is None:
                break
            reading = pool.submit(next, chunks, None)
            predictions = predictor.predict(chunk.features, chunk.count) if chunk.count else None
            if writing is not None:
                writing.result()
            writing = pool.submit(write, chunk, predictions)
            first = first or (chunk.errors[0] if chunk.errors else None)
            rows += chunk.count
            progress.rows(chunk.count)
        if writing is not None:
            writing.result()
    return rows, first
