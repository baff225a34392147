"""Typed settings of batch prediction: what happens to a predicted input, and how many rows go per model call."""

from typing import Literal

from pydantic import Field

from pipeline.config.base import Section


class BatchConfig(Section):
    """`vtx batch-predict` defaults; its flags override them per run."""

    # After its output is durably written, an input is moved under <input>/processed/ or deleted.
    after_success: Literal["move", "delete"] = "move"
    # Rows per call of the model's serving_raw signature.
    batch_size: int = Field(default=8192, ge=1, le=1_000_000)
    # Bytes of input read at a time; memory use follows this, not the size of a file.
    chunk_bytes: int = Field(default=4 * 1024 * 1024, ge=4096, le=1024 * 1024 * 1024)
