"""The vtx serve command: the production model behind Vertex AI's predict contract, every request logged."""

import os
import tempfile
import warnings
from pathlib import Path
from typing import Optional, Tuple

import click

from pipeline.cli import common
from pipeline.cli.dataset_help import DatasetExamples

SERVE_EXAMPLES = """
\b
Examples:
  vtx serve                                  # the production model of outputs/local, on 127.0.0.1:8080
  vtx serve --stage staging --port 8081      # the staging version, for `vtx smoke`
  vtx serve --port 9000 --output /tmp/another-run
  vtx serve --set serving.sampling_rate=0.1 --set serving.batching.enabled=false
  curl -s localhost:8080/predict -H 'Content-Type: application/json' -d '{"instances": [<INSTANCE>]}'
"""


@click.command(name="serve", epilog=SERVE_EXAMPLES, cls=DatasetExamples)
@common.config_options
@click.option("--host", help="Address to listen on (serving.host). Default: 127.0.0.1; 0.0.0.0 on Vertex AI.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    help="Port (serving.port); 0 picks a free one. Default: 8080; AIP_HTTP_PORT on Vertex AI.",
)
@click.option(
    "--stage",
    type=click.Choice(["production", "staging"]),
    help="The registry alias to serve (serving.stage). Default: production.",
)
@common.output_option("The output_root whose models to serve and log to.")
def serve_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    host: Optional[str],
    port: Optional[int],
    stage: Optional[str],
    output: Optional[str],
) -> None:
    """Serve the production (or staging) model over HTTP, log every request, and follow the alias.

    POST {"instances": [...]} to /predict (or Vertex AI's
    /v1/projects/P/locations/L/endpoints/E:predict); each instance is a dict of raw features, null for a
    missing value. Requests are logged to <output_root>/requests.duckdb for `vtx monitor` (a staging
    server's to <output_root>/stages/staging/). SIGTERM or
    Ctrl+C stops taking requests, answers those in flight and writes every logged row before exiting.

    As a Vertex AI serving container (AIP_* variables set) it serves the model under AIP_STORAGE_URI at
    AIP_PREDICT_ROUTE and AIP_HEALTH_ROUTE, on AIP_HTTP_PORT of all interfaces, and follows no registry.
    """
    from pipeline.config import ConfigError
    from pipeline.config.container import vertex_container

    flags = {"serving.host": host or None, "serving.port": port, "serving.stage": stage, "output_root": output}
    config = common.build_config(profile, config_file, overrides, flags)
    try:
        container = vertex_container(os.environ)
    except ConfigError as error:
        common.fail(str(error))
    # TensorFlow's C++ start-up chatter and Google's Python-version notices are not what a server's console
    # is for; a failing model call still answers its request with the error.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore", message="You are using a non-supported Python version", category=FutureWarning)
    from pipeline.registry import RegistryError, open_registry
    from pipeline.serving.server import ServeError, serve
    from pipeline.serving.storage_source import StorageError, StorageModelSource

    try:
        if container is None:
            serve(config, open_registry(config), (RegistryError,), echo=click.echo)
            return
        with tempfile.TemporaryDirectory(prefix="vtx-serve-model-") as folder:
            source = StorageModelSource(container.storage_uri, container.version_name, Path(folder))
            serve(config, source, (StorageError,), echo=click.echo, container=container)
    except (RegistryError, ServeError, StorageError) as error:
        common.fail(str(error))
