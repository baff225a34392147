"""The `vtx batch-predict` command: predictions for every CSV/JSONL file under a folder or gs:// prefix."""

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, TextIO, Tuple, Union

import click

from pipeline.cli import common
from pipeline.config import PipelineConfig

if TYPE_CHECKING:
    from pipeline.batch.progress import FileResult
    from pipeline.batch.run import BatchRun

BATCH_EXAMPLES = """
\b
Examples:
  vtx batch-predict --input incoming --to predictions
  vtx batch-predict --input gs://my-bucket/incoming --to gs://my-bucket/predictions --model production
  vtx batch-predict --input incoming --to out --model 1796179527 --after delete --output /srv/vtx
  vtx batch-predict --profile vertex --config vertex.yaml --input gs://b/in --to gs://b/out

\b
--output is the output_root whose registry gives the model, as in every command; --to is where the
predictions go (before --to existed, --output was that).
"""


@click.command(name="batch-predict", epilog=BATCH_EXAMPLES)
@common.config_options
@click.option("--input", "input_uri", required=True, metavar="URI", help="A folder or gs://bucket/prefix of inputs.")
@click.option("--to", "output_uri", metavar="URI", help="A folder or gs:// prefix for the predictions. Required.")
@common.output_option("The output_root whose registry gives the model (local profile).")
@click.option(
    "--model", "model_ref", default="production", show_default=True, metavar="ALIAS|VERSION", help="From the registry."
)
@click.option(
    "--after",
    type=click.Choice(["move", "delete"]),
    help="What to do with a predicted input: move it to <input>/processed/ or delete it. Default: batch.after_success.",
)
@click.option("--batch-size", type=click.IntRange(1, 1_000_000), help="Rows per model call. Default: batch.batch_size.")
@common.verbose_option()
def batch_predict_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    input_uri: str,
    output_uri: Optional[str],
    output: Optional[str],
    model_ref: str,
    after: Optional[str],
    batch_size: Optional[int],
    verbose: bool,
) -> None:
    """Predict every CSV or JSONL file under --input with a model from the registry, into --output.

    Each input gets one output (its rows plus predicted_class, the class probabilities, model_version and
    predicted_at) named <name>.<crc32c>.<ext>; malformed rows go to <output>/errors/ with their line number.
    Only after its output is durably written is an input moved to <input>/processed/ or deleted. A killed
    run can simply be run again: nothing is predicted twice and no input is lost. Exit status: 0, or 1 when
    a file was unreadable or failed (it stays in place), 2 for bad arguments.
    """
    if output_uri is None:
        common.fail(_missing_destination(output))
    flags = {"batch.after_success": after, "batch.batch_size": batch_size, "output_root": output}
    config = common.build_config(profile, config_file, overrides, flags)
    from pipeline.local import logs

    tty = sys.stderr.isatty()
    log_file = Path(config.log_dir) / f"batch-{time.strftime('%Y%m%d-%H%M%S')}.log"
    started = time.monotonic()
    # Google's clients warn on import; inside the capture that goes to the log file, not the console.
    with logs.capture(log_file, verbose) as console:
        from pipeline.batch import progress, run

        with run.workdir() as work:
            outcome = _predict(config, input_uri, output_uri, model_ref, work, console, tty)
    if isinstance(outcome, _Failure):
        common.fail(outcome.message, outcome.code)
    results, batch = outcome
    line = f"model version {batch.predictor.model.version} ({model_ref})"
    click.echo(progress.summary(results, time.monotonic() - started, line, f"{batch.dest.uri}/{run.ERRORS}/"))
    sys.exit(1 if any(r.status in ("unreadable", "failed") for r in results) else 0)


def _missing_destination(output: Optional[str]) -> str:
    if output is not None:
        return (
            f"--output {output} names the output_root, as in every command; give the predictions' destination "
            f"with --to (--to {output} is what --output meant before)"
        )
    return "missing --to URI: the folder or gs:// prefix the predictions go to"


@dataclass(frozen=True)
class _Failure:
    message: str
    code: int


def _predict(
    config: PipelineConfig, input_uri: str, output_uri: str, model_ref: str, work: Path, console: TextIO, tty: bool
) -> "Union[Tuple[List[FileResult], BatchRun], _Failure]":
    """(results, the BatchRun), or the _Failure to report once the console is back."""
    from google.api_core.exceptions import GoogleAPIError
    from google.auth.exceptions import GoogleAuthError

    from pipeline.batch import progress, run
    from pipeline.batch.locations import LocationError
    from pipeline.batch.predictor import ModelError, Predictor
    from pipeline.batch.storage import open_location
    from pipeline.registry import RegistryError, open_registry

    try:
        run.check_apart(input_uri, output_uri)
        # Bad places and unknown models fail before TensorFlow loads the model (seconds).
        names = open_location(input_uri).inputs(skip=run.PROCESSED)
        open_location(output_uri)
        model = open_registry(config).resolve(model_ref)
        job = run.Job(input_uri, output_uri, config.batch.after_success, config.batch.chunk_bytes)
        predictor = Predictor(model, config.batch.batch_size)
        batch = run.BatchRun(job, predictor, lambda total: progress.Progress(total, console, tty))
        console.write(
            f"Batch prediction: {len(names)} files under {batch.source.uri}, "
            f"model version {model.version} ({model_ref}): {model.uri}\n"
        )
        return batch.run(names, work), batch
    except (RegistryError, LocationError) as error:
        return _Failure(str(error), 2)
    except (ModelError, GoogleAPIError, GoogleAuthError) as error:
        return _Failure(str(error).splitlines()[0], 1)
