"""The vtx command line: the root group. Each command lives in its own module; this one only registers them."""

import click

from pipeline.cli import (
    batch,
    init,
    monitor,
    promote,
    registry,
    rehearse,
    report,
    run,
    runs,
    schedule,
    serve,
    show_config,
    smoke,
    vertex,
)


@click.group(
    epilog="""
\b
Examples:
  vtx init --label COLUMN      # describe the CSV files in data/ (modules/dataset.yaml)
  vtx run                      # run the whole pipeline locally on data/
  vtx report                   # an HTML report of the latest run
  vtx runs                     # the tracked runs; --compare A B shows what changed
  vtx registry list            # pushed versions, their metrics and aliases
  vtx serve                    # the production model on 127.0.0.1:8080, requests logged
  vtx smoke                    # try the staging version live; vtx promote then makes it production
  vtx monitor                  # skew and drift of the last 24 h of logged requests
  vtx config --set tuning.trials=5
  python -m pipeline run -v    # the same CLI
"""
)
@click.version_option(package_name="vertex-tfx")
def main() -> None:
    """vertex-tfx: a TFX pipeline for the CSV in data/, local first, Vertex AI ready."""


for _command in (
    init.init_command,
    run.run_command,
    report.report_command,
    runs.runs_command,
    show_config.config_command,
    vertex.compile_command,
    vertex.submit_command,
    rehearse.rehearse_command,
    registry.registry_command,
    serve.serve_command,
    smoke.smoke_command,
    promote.promote_command,
    monitor.monitor_command,
    batch.batch_predict_command,
    schedule.schedule_command,
):
    main.add_command(_command)
