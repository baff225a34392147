"""The local equivalent of the cloud schedules: crontab lines that run `vtx run` and `vtx batch-predict`."""

import shlex
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from pipeline.config.core import PATH_KEYS, PROJECT_ROOT, PipelineConfig
from pipeline.schedule.errors import SettingError

# The block's markers, so that installing it again replaces it (docs/schedules.md).
BEGIN = "# BEGIN vertex-tfx"
END = "# END vertex-tfx"


def _env(profile: str, config_file: Optional[str], overrides: Sequence[str]) -> List[str]:
    """The command's settings as VTX_* variables, which every vtx command reads, whatever its flags."""
    env = {} if profile == "local" else {"VTX_PROFILE": profile}
    env.update({"VTX_CONFIG": str(Path(config_file).resolve())} if config_file else {})
    for item in overrides:
        key, _, value = item.partition("=")
        key = key.strip()
        if key.startswith("schedule."):
            continue  # they shape the lines themselves; the commands do not read them
        # --set paths are relative to where vtx ran; cron runs in the project root.
        if key in PATH_KEYS and value and "://" not in value:
            value = str(Path(value).resolve())
        env[f"VTX_{key.upper().replace('.', '__')}"] = value
    # Only the value is quoted: a quoted NAME=value would be a command, not an assignment.
    return [f"{name}={shlex.quote(value)}" for name, value in env.items()]


def _line(cron: str, command: List[str], env: List[str], log: Path) -> str:
    """One crontab line; cron runs it with /bin/sh, and a bare % would end the command."""
    folder = shlex.quote(str(log.parent))
    run = " ".join([*env, *(shlex.quote(part) for part in command)])
    text = f"cd {shlex.quote(str(PROJECT_ROOT))} && mkdir -p {folder} && {run} >> {shlex.quote(str(log))} 2>&1"
    return f"{cron} {text.replace('%', chr(92) + '%')}"


def lines(
    config: PipelineConfig, what: str, profile: str, config_file: Optional[str], overrides: Sequence[str]
) -> List[str]:
    """The crontab block for `what` (training, batch-predict or all), between BEGIN and END markers."""
    if config.vertex is not None:
        raise SettingError(f"profile '{profile}' targets Vertex AI; use `vtx schedule create` there, cron is for local")
    if config.schedule is None:
        raise SettingError(f"profile '{profile}' has no schedule settings")
    schedule = config.schedule
    vtx = str(Path(sys.executable).parent / "vtx")
    env = _env(profile, config_file, overrides)
    logs = Path(config.log_dir)
    # No CRON_TZ line: cronie would apply it to every later line of the user's crontab too.
    out = [
        BEGIN,
        f"# {what} ({profile} profile); cron reads these times in this machine's time zone, "
        f"not schedule.time_zone ({schedule.time_zone})",
    ]
    if what in ("training", "all"):
        out.append(_line(schedule.training.cron, [vtx, "run"], env, logs / "cron-training.log"))
    if what in ("batch-predict", "all"):
        batch = schedule.batch_prediction
        if not batch.input or not batch.output:
            raise SettingError("set schedule.batch_prediction.input and .output to schedule batch prediction")
        command = [vtx, "batch-predict", "--input", batch.input, "--to", batch.output, "--model", batch.model]
        out.append(_line(batch.cron, command, env, logs / "cron-batch-predict.log"))
    return [*out, END]
