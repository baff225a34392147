"""Typed settings of the data checks the validation gate adds to the schema's: rows per split, missing values."""

from typing import Dict

from pydantic import field_validator

from pipeline.config.base import Section


class ValidationConfig(Section):
    """A run stops before Transform when a split is too small or a feature misses too many values."""

    # The fewest rows each split may have; data/ has about 270 train and 70 eval rows.
    min_rows: Dict[str, int] = {"train": 100, "eval": 20}
    # Per feature, the largest fraction of rows that may lack it (0.1 = 10%); features not named are not checked.
    max_missing: Dict[str, float] = {}

    @field_validator("min_rows")
    @classmethod
    def _splits(cls, min_rows: Dict[str, int]) -> Dict[str, int]:
        for split, rows in min_rows.items():
            if split not in ("train", "eval"):
                raise ValueError(f"'{split}' is not a split; the splits are train and eval")
            if rows < 0:
                raise ValueError(f"{split}: {rows} is below 0")
        return min_rows

    @field_validator("max_missing")
    @classmethod
    def _fractions(cls, max_missing: Dict[str, float]) -> Dict[str, float]:
        for feature, fraction in max_missing.items():
            if not 0.0 <= fraction <= 1.0:
                raise ValueError(f"{feature}: {fraction} is not a fraction in 0..1")
        return max_missing
