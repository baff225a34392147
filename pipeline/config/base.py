"""The base of every settings section: frozen, strict about unknown keys."""

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    # A YAML value like `123` or `yes` for a string setting means the string.
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)
