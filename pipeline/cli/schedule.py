"""The vtx schedule commands: create (or update), list and delete the training and batch prediction schedules."""

import json
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import click

from pipeline.cli import common
from pipeline.config import PipelineConfig

# TFX 1.16 needs Python 3.10; the Google clients' notice about it is noise above a one-line error.
warnings.filterwarnings("ignore", message="You are using a non-supported Python version", category=FutureWarning)
warnings.filterwarnings("ignore", message="Support for google-cloud-storage < 3.0.0", category=FutureWarning)
KINDS = click.Choice(["training", "batch-predict", "all"])
EXAMPLES = """
\b
Examples:
  vtx schedule create all --config vertex.yaml            # both; an existing one is updated
  vtx schedule create training --config vertex.yaml --param train_steps=500
  vtx schedule create batch-predict --config vertex.yaml --dry-run
  vtx schedule list --config vertex.yaml
  vtx schedule delete batch-predict --config vertex.yaml
  vtx schedule crontab all --set schedule.batch_prediction.input=inbox --set schedule.batch_prediction.output=out
"""


def _message(proto: Any) -> Dict[str, Any]:
    from google.protobuf import json_format

    return json_format.MessageToDict(getattr(proto, "_pb", proto))


def _vertex(
    profile: Optional[str], config_file: Optional[str], overrides: Tuple[str, ...], modules_uri: Optional[str] = None
) -> PipelineConfig:
    config = common.vertex_config(
        profile, config_file, overrides, modules_uri, needs="Google Cloud schedules need --profile vertex"
    )
    if config.schedule is None:
        common.fail(f"profile '{config.profile}' has no schedule settings; add a `schedule:` block")
    return config


@click.group(name="schedule", epilog=EXAMPLES)
def schedule_command() -> None:
    """Schedules as code: continuous training on Vertex AI Pipelines, batch prediction on Cloud Run.

    \b
    training       a Vertex AI pipeline schedule that submits the compiled pipeline on schedule.training.cron
    batch-predict  a Cloud Run job running `vtx batch-predict`, and a Cloud Scheduler job that starts it
                   on schedule.batch_prediction.cron
    Both use schedule.time_zone. `create` on an existing schedule updates it in place.
    """


@schedule_command.command(name="create", epilog=EXAMPLES)
@common.config_options
@click.argument("what", type=KINDS)
@common.spec_options("A runtime parameter of each run.")
@click.option("--dry-run", is_flag=True, help="Print what would be sent, as JSON, and send nothing.")
@click.option("-v", "--verbose", is_flag=True, help="Show TFX and TensorFlow logs of compiling too.")
def create_command(
    profile: Optional[str],
    config_file: Optional[str],
    overrides: Tuple[str, ...],
    what: str,
    spec: Optional[str],
    modules_uri: Optional[str],
    params: Tuple[str, ...],
    dry_run: bool,
    verbose: bool,
) -> None:
    """Create WHAT (training, batch-predict or all), or update it if it exists."""
    from pipeline.schedule.batch import BatchSchedules
    from pipeline.schedule.errors import ScheduleError, SettingError
    from pipeline.schedule.training import TrainingSchedules

    config = _vertex(profile, config_file, overrides, modules_uri)
    plan: Dict[str, Any] = {}
    try:
        # Every setting is checked before anything is compiled or sent.
        batch = BatchSchedules(config) if what != "training" else None
        if batch:
            plan["batch-predict"] = {"cloudRunJob": batch.run_job(), "schedulerJob": batch.scheduler_job()}
        training = None
        if what != "batch-predict":
            from pipeline.local import logs
            from pipeline.vertex.compile import compile_for_vertex, default_spec_path

            # Loading aiplatform and compiling is TensorFlow and TFX talking; that goes to the log file.
            with logs.capture(Path(config.log_dir) / "schedule.log", verbose):
                values = _parameter_values(params)
                training = TrainingSchedules(config, dry_run=dry_run)
                spec_path = Path(spec).resolve() if spec else compile_for_vertex(config, default_spec_path(config))
                plan["training"] = training.build(str(spec_path), values, _labels(config))
        if dry_run:
            click.echo(json.dumps(_printable(plan), indent=2))
            return
        if training:
            action = training.apply(plan["training"])
            click.echo(f"Training schedule {action}: {training.settings.display_name} ({_when(config, 'training')})")
            click.echo(f"  {plan['training'].resource_name}")
        if batch:
            job, trigger = batch.apply()
            click.echo(f"Cloud Run job {job}: {batch.job_name}")
            click.echo(f"Cloud Scheduler job {trigger}: {batch.settings.job_name} ({_when(config, 'batch')})")
    except SettingError as error:
        common.fail(str(error))
    except ScheduleError as error:
        common.fail(str(error), code=1)


def _parameter_values(items: Tuple[str, ...]) -> Dict[str, Any]:
    """--param NAME=VALUE items as typed runtime parameter values; raises SettingError (TF is imported here)."""
    from pipeline.dag.parameters import parse_items
    from pipeline.schedule.errors import SettingError

    try:
        return parse_items(items)
    except ValueError as error:
        raise SettingError(str(error)) from None


def _labels(config: PipelineConfig) -> Dict[str, str]:
    from pipeline.vertex.submit import job_labels

    return {**job_labels(config, common.git_commit()), "schedule": "training"}


def _when(config: PipelineConfig, kind: str) -> str:
    assert config.schedule is not None
    cron = config.schedule.training.cron if kind == "training" else config.schedule.batch_prediction.cron
    return f"cron '{cron}', {config.schedule.time_zone}"


def _printable(plan: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    if "training" in plan:
        schedule = _message(plan["training"]._gca_resource)
        schedule.get("createPipelineJobRequest", {}).get("pipelineJob", {}).pop("pipelineSpec", None)
        out["training"] = {"vertexSchedule": schedule}
    if "batch-predict" in plan:
        out["batch-predict"] = {key: _message(value) for key, value in plan["batch-predict"].items()}
    return out


@schedule_command.command(name="list", epilog=EXAMPLES)
@common.config_options
def list_command(profile: Optional[str], config_file: Optional[str], overrides: Tuple[str, ...]) -> None:
    """List the Vertex AI pipeline schedules and the Cloud Scheduler jobs of the project and region."""
    from pipeline.schedule.batch import BatchSchedules
    from pipeline.schedule.errors import ScheduleError
    from pipeline.schedule.training import TrainingSchedules

    config = _vertex(profile, config_file, overrides)
    try:
        training, batch = TrainingSchedules(config, dry_run=False), BatchSchedules(config)
        vertex_rows, scheduler_rows = training.rows(), batch.rows()
    except ScheduleError as error:
        common.fail(str(error), code=1)
    click.echo(f"Vertex AI pipeline schedules ({training.where}):")
    _table(
        ["NAME", "CRON", "TIME ZONE", "STATE", "NEXT RUN", "RUNS"],
        [[r.display_name, r.cron, r.time_zone, r.state, r.next_run, str(r.runs)] for r in vertex_rows],
    )
    click.echo(f"Cloud Scheduler jobs ({batch.where}):")
    _table(
        ["NAME", "CRON", "TIME ZONE", "STATE", "NEXT RUN", "TARGET"],
        [[r.name, r.cron, r.time_zone, r.state, r.next_run, r.target] for r in scheduler_rows],
    )


def _table(header: List[str], rows: List[List[str]]) -> None:
    if not rows:
        click.echo("  none")
        return
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip())


@schedule_command.command(name="delete", epilog=EXAMPLES)
@common.config_options
@click.argument("what", type=KINDS)
def delete_command(profile: Optional[str], config_file: Optional[str], overrides: Tuple[str, ...], what: str) -> None:
    """Delete WHAT (training, batch-predict or all). A schedule that does not exist is reported, not an error."""
    from pipeline.schedule.batch import BatchSchedules
    from pipeline.schedule.errors import ScheduleError
    from pipeline.schedule.training import TrainingSchedules

    config = _vertex(profile, config_file, overrides)
    assert config.schedule is not None
    try:
        if what != "batch-predict":
            training = TrainingSchedules(config, dry_run=False)
            name = training.settings.display_name
            deleted = training.delete()
            for resource in deleted:
                click.echo(f"Training schedule deleted: {name} ({resource})")
            if not deleted:
                click.echo(f"No training schedule named {name} in {training.where}: nothing to delete.")
        if what != "training":
            batch = BatchSchedules(config)
            _echo_deleted(batch.delete(), batch.settings.job_name, batch.where)
    except ScheduleError as error:
        common.fail(str(error), code=1)


def _echo_deleted(existed: Tuple[bool, bool], job_name: str, where: str) -> None:
    for kind, found in zip(("Cloud Scheduler job", "Cloud Run job"), existed, strict=False):
        if found:
            click.echo(f"{kind} deleted: {job_name}")
        else:
            click.echo(f"No {kind} named {job_name} in {where}: nothing to delete.")


@schedule_command.command(name="crontab", epilog=EXAMPLES)
@common.config_options
@click.argument("what", type=KINDS)
def crontab_command(profile: Optional[str], config_file: Optional[str], overrides: Tuple[str, ...], what: str) -> None:
    """Print crontab lines that run WHAT on this machine, on the same cron expressions (local profile)."""
    from pipeline.schedule import crontab
    from pipeline.schedule.errors import SettingError

    config = common.build_config(profile, config_file, overrides)
    try:
        block = crontab.lines(config, what, config.profile, config_file, overrides)
    except SettingError as error:
        common.fail(str(error))
    click.echo("\n".join(block))
