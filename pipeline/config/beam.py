"""The `beam` section: which Beam runner the Beam steps use, and flags for it, checked by Beam's own parser."""

import logging
from typing import Any, Callable, Dict, List, Literal

from pydantic import Field, field_validator

from pipeline.config.base import Section

# Our names for Beam's runners -> the names Beam's --runner takes.
RUNNERS: Dict[str, str] = {
    "direct": "DirectRunner",
    "dataflow": "DataflowRunner",
    "portable": "PortableRunner",
    "flink": "FlinkRunner",
    "spark": "SparkRunner",
}
JOB_SERVICE_TIMEOUT = "--job_server_timeout=86400"
# Flags this section sets itself, so a second copy in extra_args could only contradict it.
OWN_FLAGS = ("--runner",)


class BeamFlagError(ValueError):
    """A flag Beam does not know, or a value it refuses; the message names the flag."""


def _flag_name(flag: str) -> str:
    return flag.split("=", 1)[0]


def check_flags(flags: List[str]) -> Dict[str, Any]:
    """Parses `flags` with the parser Beam's PipelineOptions builds; returns the options, raises on any bad flag."""
    from apache_beam.options.pipeline_options import PipelineOptions

    parsers: List[Any] = []

    def keep_parser(parser: Any) -> None:
        def refuse(message: str) -> None:
            raise BeamFlagError(message)

        parser.error = refuse
        parsers.append(parser)

    # Beam logs the unknown flags it drops; here they are an error instead.
    beam_log = logging.getLogger("apache_beam.options.pipeline_options")
    level = beam_log.level
    beam_log.setLevel(logging.ERROR)
    try:
        options = PipelineOptions(flags).get_all_options(add_extra_args_fn=keep_parser)
    finally:
        beam_log.setLevel(level)
    _, unknown = parsers[0].parse_known_args(flags)
    for item in unknown:
        if item.startswith("-"):
            raise BeamFlagError(f"Beam has no flag {_flag_name(item)}")
        raise BeamFlagError(f"'{item}' is not a --flag=value")
    return options


# Beam pickles every DoFn when it builds a pipeline and unpickles it for each bundle processor. Its default,
# dill, walks each pickled module's dict through Python code; cloudpickle pickles the same DoFns in a
# fraction of the time: 0.8 s less over the four Beam steps of a cold `vtx run` on data/, with equal
# outputs (benchmarks/findings.md, "The local loop, round four"). Remote runners keep Beam's default.
DIRECT_PICKLER = "--pickle_library=cloudpickle"
# The DirectRunner's multi-processing workers import this first (components/beam_worker.py, by its name: the
# launcher must not import it): their collector skips the imports, and they exit without a final collection.
# About 1 s less per worker in each Beam step (benchmarks/findings.md, "Scale, round three").
WORKER_PLUGIN = "--beam_plugins=components.beam_worker"


class BeamConfig(Section):
    """Where the Beam steps (CsvExampleGen, StatisticsGen, Transform, Evaluator) run, and with which flags."""

    # direct runs them in this process; the others send them to workers, which get this project's code.
    runner: Literal["direct", "dataflow", "portable", "flink", "spark"] = "direct"
    # Beam flags, one `--name=value` a string, checked by Beam's PipelineOptions when the settings are built.
    extra_args: List[str] = []
    direct_num_workers: int = Field(default=1, ge=0, le=256)
    direct_running_mode: Literal["in_memory", "multi_threading", "multi_processing"] = "in_memory"

    @field_validator("runner", mode="before")
    @classmethod
    def _beam_runner_names(cls, value: Any) -> Any:
        """Beam's own names (FlinkRunner, DataflowRunner, ...) mean the same runners."""
        if isinstance(value, str):
            by_beam_name = {beam.lower(): ours for ours, beam in RUNNERS.items()}
            return by_beam_name.get(value.lower(), value.lower())
        return value

    @field_validator("extra_args", mode="before")
    @classmethod
    def _a_list(cls, value: Any) -> Any:
        # `--set beam.extra_args=--foo=1` gives one string: a list of one flag.
        return [value] if isinstance(value, str) else value

    @field_validator("extra_args")
    @classmethod
    def _flags_beam_takes(cls, flags: List[str]) -> List[str]:
        for flag in flags:
            if _flag_name(flag) in OWN_FLAGS:
                raise ValueError(f"{_flag_name(flag)} is beam.runner's to set, not a flag of extra_args")
        if flags:
            try:
                check_flags(flags)
            except BeamFlagError as error:
                raise ValueError(str(error)) from None
        return flags

    @property
    def beam_runner(self) -> str:
        return RUNNERS[self.runner]

    @property
    def is_remote(self) -> bool:
        """Whether the Beam steps run in other processes that need this project's code given to them."""
        return self.runner != "direct"

    def args(self, derived: Callable[[], List[str]] = list) -> List[str]:
        """The Beam flags of every Beam step: the runner's, those `derived` adds (Dataflow's), then extra_args.

        Beam takes the last value of a repeated flag, so extra_args win over derived ones. On the DirectRunner
        the DoFns are pickled with cloudpickle (DIRECT_PICKLER; see its comment), the worker processes of the
        multi-processing mode import WORKER_PLUGIN, and no other flag is given unless it differs from its
        default. (TFX would package itself whenever any flag is set; the DirectRunner's executors skip that:
        components/direct_beam.py.)
        """
        if not self.is_remote:
            args = [DIRECT_PICKLER]
            if self.direct_num_workers != 1:
                args.append(f"--direct_num_workers={self.direct_num_workers}")
            if self.direct_running_mode != "in_memory":
                args.append(f"--direct_running_mode={self.direct_running_mode}")
            if self.direct_running_mode == "multi_processing":
                args.append(WORKER_PLUGIN)
            return args + list(self.extra_args)
        return [f"--runner={self.beam_runner}", *self._job_service_args(), *derived(), *self.extra_args]

    def _job_service_args(self) -> List[str]:
        """Beam 2.59's portable runners wait for a job's state with the job service's request timeout (60 s by
        default), so a Beam step that runs longer would fail with DEADLINE_EXCEEDED; a day is the bound here."""
        return [JOB_SERVICE_TIMEOUT] if self.runner in ("portable", "flink", "spark") else []
