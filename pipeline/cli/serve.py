"""The vtx serve command: the production model behind Vertex AI's predict contract, every request logged."""

import os
import warnings
from typing import Optional, Tuple

import click

from pipeline.cli import common

SERVE_EXAMPLES = """
\b
Examples:
  vtx serve                                  # the production model of outputs/local, on 127.0.0.1:8080
  vtx serve --port 9000 --output /tmp/penguins-run
  vtx serve --set serving.sampling_rate=0.1 --set serving.batching.enabled=false
  curl -s localhost:8080/predict -H 'Content-Type: application/json' -d '{"instances": [{"island": "Biscoe",
    "sex": "female", "bill_length_mm": 46.1, "bill_depth_mm": 13.2, "flipper_length_mm": 211, "body_mass_g": 4500}]}'
"""


@click.command(name="serve", epilog=SERVE_EXAMPLES)
@common.config_options
@click.option("--host", help="Address to listen on (serving.host). Default: 127.0.0.1.")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (serving.port); 0 picks a free one. Default: 8080.")
@common.output_option("The output_root whose models to serve and log to.")
def serve_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    host: Optional[str],
    port: Optional[int],
    output: Optional[str],
) -> None:
    """Serve the production model over HTTP, log every request, and follow new pushes.

    POST {"instances": [...]} to /predict (or Vertex AI's
    /v1/projects/P/locations/L/endpoints/E:predict); each instance is a dict of raw features, null for a
    missing value. Requests are logged to <output_root>/requests.duckdb for `vtx monitor`. SIGTERM or
    Ctrl+C stops taking requests, answers those in flight and writes every logged row before exiting.
    """
    flags = {"serving.host": host or None, "serving.port": port, "output_root": output}
    config = common.build_config(profile, config_file, overrides, flags)
    # TensorFlow's C++ start-up chatter and Google's Python-version notices are not what a server's console
    # is for; a failing model call still answers its request with the error.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore", message="You are using a non-supported Python version", category=FutureWarning)
    from pipeline.registry import RegistryError, open_registry
    from pipeline.serving.server import ServeError, serve

    try:
        registry = open_registry(config)
        serve(config, registry, (RegistryError,), echo=click.echo)
    except (RegistryError, ServeError) as error:
        common.fail(str(error))
