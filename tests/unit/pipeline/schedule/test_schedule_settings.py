"""Bad schedule settings and missing inputs stop `vtx schedule` with one line and exit code 2, before any request."""

import pytest

from pipeline.config.loader import ConfigError, load_config
from tests.unit.pipeline.schedule.conftest import SETTINGS

pytestmark = pytest.mark.unit


def test_the_profiles_carry_valid_schedule_settings():
    local = load_config(profile="local", environ={})
    vertex = load_config(profile="vertex", overrides=SETTINGS, environ={})

    assert local.schedule is not None and local.schedule.training.cron == "0 3 * * 1"
    assert vertex.schedule is not None and vertex.schedule.batch_prediction.job_name == "vtx-batch-predict"
    assert vertex.schedule.time_zone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("schedule.training.cron=0 3 * *", "'schedule.training.cron': Value error, needs 5 fields"),
        ("schedule.batch_prediction.cron=0 25 * * *", "'schedule.batch_prediction.cron': Value error, hour 25"),
        ("schedule.time_zone=Europe/Paris2", "'schedule.time_zone': Value error, 'Europe/Paris2' is not an IANA"),
        ("schedule.batch_prediction.job_name=Batch_Job", "'schedule.batch_prediction.job_name'"),
        ("schedule.batch_prediction.service_account=me@gmail.com", "'schedule.batch_prediction.service_account'"),
        ("schedule.batch_prediction.memory=4GB", "'schedule.batch_prediction.memory'"),
        ("schedule.batch_prediction.env.1X=y", "'1X' is not an environment variable name"),
        ('schedule.batch_prediction.input=""', "'schedule.batch_prediction.input': Value error, must not be empty"),
        ("schedule.training.max_concurrent_runs=0", "'schedule.training.max_concurrent_runs'"),
        ("schedule.training.when=daily", "unknown key 'schedule.training.when'"),
    ],
)
def test_bad_settings_name_the_key(override, message):
    with pytest.raises(ConfigError) as error:
        load_config(profile="vertex", overrides=[*SETTINGS, override], environ={})

    assert message in str(error.value)


def test_a_bad_cron_from_the_command_line_is_one_line_and_exit_2(vtx):
    result = vtx("schedule", "crontab", "training", "--set", "schedule.training.cron=0 3 * * SUNDAY")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "Error: bad configuration: 'schedule.training.cron': Value error, day of week 'SUNDAY' is not a number "
        "or a name (got '0 3 * * SUNDAY')\n"
    )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            ["schedule.batch_prediction.input=null"],
            "Error: set schedule.batch_prediction.input (a gs:// prefix) to schedule batch prediction",
        ),
        (
            ["schedule.batch_prediction.output=/data/predictions"],
            "Error: schedule.batch_prediction.output must be a gs:// prefix for Cloud Run (got /data/predictions)",
        ),
        (
            ["vertex.service_account=null"],
            "Error: set schedule.batch_prediction.invoker_service_account (or service_account, or "
            "vertex.service_account): Cloud Scheduler starts the Cloud Run job with that account's token",
        ),
    ],
)
def test_batch_prediction_needs_its_uris_and_an_invoker_before_anything_is_sent(
    schedule_cli, vertex_fake, cloud_run_fake, settings, message, tmp_path
):
    never_read = tmp_path / "spec.json"
    never_read.write_text("{}")

    result = schedule_cli("create", "all", "--spec", str(never_read), settings=settings)

    assert result.exit_code == 2
    assert result.stderr == message + "\n"
    assert vertex_fake.requests == [] and cloud_run_fake.requests == []


def test_the_local_profile_cannot_create_cloud_schedules():
    from click.testing import CliRunner

    from pipeline.cli import main

    result = CliRunner().invoke(main, ["schedule", "create", "training", "--profile", "local"])

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: profile 'local' has no vertex settings; Google Cloud schedules need --profile vertex\n"
    )


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("nope=1", "Error: unknown pipeline parameter 'nope'; choose from: data_root,"),
        ("train_steps", "Error: --param 'train_steps' must look like NAME=VALUE, e.g. train_steps=500"),
    ],
)
def test_a_bad_runtime_parameter_is_one_line_on_the_console(schedule_cli, vertex_fake, tmp_path, param, message):
    never_read = tmp_path / "spec.json"
    never_read.write_text("{}")

    result = schedule_cli("create", "training", "--spec", str(never_read), "--param", param)

    assert result.exit_code == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert vertex_fake.requests == []


@pytest.mark.parametrize("what", ["training", "batch-predict"])
def test_no_google_credentials_is_one_line(schedule_spec, vertex_fake, monkeypatch, what):
    from click.testing import CliRunner

    from pipeline.cli import main

    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/no/such/key.json")
    flags = [item for setting in SETTINGS for item in ("--set", setting)]
    command = ["schedule", "create", what, "--profile", "vertex", "--spec", str(schedule_spec), *flags]

    result = CliRunner().invoke(main, command, catch_exceptions=False)

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "no Google credentials: run `gcloud auth application-default login`" in result.stderr
