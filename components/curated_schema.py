"""Imports a reviewed schema file as the pipeline's Schema; its fingerprint makes edits re-run it."""

import os

from tfx.dsl.component.experimental.annotations import OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.dsl.io import fileio
from tfx.types.standard_artifacts import Schema

SCHEMA_FILE_NAME = "schema.pbtxt"


@component
def CuratedSchema(  # noqa: N802 - TFX names components in CamelCase
    schema_file: Parameter[str],
    fingerprint: Parameter[str],
    schema: OutputArtifact[Schema],
) -> None:
    """Copies `schema_file` into the Schema artifact.

    Args:
      schema_file: Path or URI of a schema in text proto format.
      fingerprint: sha256 of the file's content; only there so that an edit busts the cache.
      schema: The output Schema artifact.
    """
    del fingerprint
    if not fileio.exists(schema_file):
        raise FileNotFoundError(f"Curated schema {schema_file} does not exist.")
    fileio.copy(schema_file, os.path.join(schema.uri, SCHEMA_FILE_NAME), overwrite=True)
