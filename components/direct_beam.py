"""Beam executors that skip TFX's packaging of itself when the Beam steps run on the DirectRunner, which never uses it.

Whenever a Beam step is given any flag, TFX's BaseBeamExecutor builds an sdist of the installed tfx package
(`tfx.utils.dependency_utils`: a copy of the package and a `setup.py sdist` in a subprocess) and adds it as
`--extra_package`, for remote workers that would lack TFX. The DirectRunner's workers are this process or
local subprocesses of the same interpreter (`--direct_running_mode=multi_processing` starts them with no
artifacts to stage), so the package is never read: about 1-5 s of the launcher per Beam step, before any row.
In the multi-processing mode the executor also has those workers forked from a warm process
(components/forked_workers.py), for a step run outside `vtx run` too (a Vertex task, a test).
"""

import copy
from typing import Any, List, Optional

from tfx.dsl.components.base.base_beam_executor import BaseBeamExecutor

from components import forked_workers


def runs_remotely(beam_args: List[str]) -> bool:
    """Whether these Beam flags send the work to other processes (Dataflow, a portable job service, ...)."""
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

    return not forked_workers.is_direct(PipelineOptions(beam_args).view_as(StandardOptions).runner or "")


class DirectBeamExecutor(BaseBeamExecutor):
    """Mixed in before a TFX Beam executor: on the DirectRunner its flags are used as given, with no sdist added.

    TFX's constructor also adds Dataflow job labels and parses the flags as absl flags; it does neither for a
    step without flags, which is how the DirectRunner's default settings already run, and neither matters to
    the DirectRunner. Any other runner gets TFX's constructor unchanged.
    """

    def __init__(self, context: Optional[BaseBeamExecutor.Context] = None):
        args: List[Any] = list(getattr(context, "beam_pipeline_args", None) or [])
        flags = [str(arg) for arg in args]
        if context is None or not args or runs_remotely(flags):
            super().__init__(context)
            return
        # A copy of the context without flags, as TFX's executor operator builds it for a step without them.
        without_flags = copy.copy(context)
        without_flags.beam_pipeline_args = None
        super().__init__(without_flags)
        self._beam_pipeline_args = args
        if forked_workers.forks(flags):  # every Beam node of the DAG comes here: `vtx run`, a Vertex task, a test
            forked_workers.install()
