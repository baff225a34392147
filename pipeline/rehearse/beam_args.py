"""The Beam flags of a task's command line, with Dataflow's replaced by the DirectRunner."""

from typing import List, Tuple

# The executor's own flags, each followed by its value; everything else on the line is a Beam flag.
EXECUTOR_FLAGS = ("--executor_class_path", "--json_serialized_invocation_args", "--json_serialized_inputs_spec_args")
DIRECT = "--runner=DirectRunner"


def split(args: List[str]) -> Tuple[List[str], List[str]]:
    """(the executor's flags and values, the Beam flags)."""
    own: List[str] = []
    beam: List[str] = []
    index = 0
    while index < len(args):
        if args[index] in EXECUTOR_FLAGS and index + 1 < len(args):
            own += args[index : index + 2]
            index += 2
        else:
            beam.append(args[index])
            index += 1
    return own, beam


def runs_on_dataflow(beam: List[str]) -> bool:
    return any(flag in ("--runner=DataflowRunner", "--runner=dataflow") for flag in beam)


def direct(args: List[str]) -> Tuple[List[str], List[str]]:
    """(the args with the DirectRunner in place of Dataflow, the flags replaced); unchanged when not Dataflow.

    Every Beam flag of a Dataflow line is Dataflow's (project, region, temp_location, workers, image).
    """
    own, beam = split(args)
    if not runs_on_dataflow(beam):
        return args, []
    return [*own, DIRECT], beam
