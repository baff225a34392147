"""`python -m pipeline.report.worker`: loads the report's libraries, says "ready", then writes the one report asked for.

`vtx run` starts it as it starts (or, while a new MLflow store is made, before its first node), so the imports
happen on the second core while the run imports and its nodes run, and the report is drawn while the run records
its tracked outcome and prints its summary. The worker never imports TensorFlow, TFX or TFMA: it reads their
protos through components/protos.py, so it is ready within a second or two, in time for a run with nothing to
execute. Protocol, one line each way: the worker prints `ready`; it reads one JSON job {"metadata_path",
"pipeline_name", "run_id", "path"} (an empty line or end of input: stop); it prints one JSON answer: {"path"}
when written, {"not_written"} for a run the report cannot describe, {"error"} for a failure (its traceback on
stderr), {"redo"} for a report only TensorFlow's packages can draw (the run's process, which has them, draws it).
"""

import importlib
import sys
import traceback
from pathlib import Path
from typing import Any, Dict

from components import evaluation
from pipeline.report import model_info
from pipeline.workers import collector_frozen, serve

# What building a report imports lazily (pipeline/report/*.py, components/evaluation.py), loaded ahead.
AHEAD = (
    "pipeline.report.build",
    "pipeline.report.render",
    "pipeline.report.charts",
    "components.anomalies",
    "components.evaluation",
    "ml_metadata",
    "google.protobuf.json_format",
    "google.protobuf.text_format",
    "tensorflow_metadata.proto.v0.anomalies_pb2",
    "tensorflow_metadata.proto.v0.schema_pb2",
    "tensorflow_metadata.proto.v0.statistics_pb2",
)
# The generated modules of TensorFlow and TFMA it reads, loaded without their packages (components/protos.py).
PROTOS = evaluation.PROTOS + model_info.PROTOS


def load_ahead() -> None:
    """Imports AHEAD and PROTOS with the garbage collector off, then freezes what they made (as `vtx run` does)."""
    from components import protos

    with collector_frozen():
        for name in AHEAD:
            importlib.import_module(name)
        for name in PROTOS:
            protos.module(name)


def write(job: Dict[str, Any]) -> Dict[str, str]:
    """Builds and writes one run's report; the answer to print."""
    from components import protos
    from pipeline.report import build, render, runs

    try:
        record = runs.load(job["metadata_path"], job["pipeline_name"], job["run_id"])
        return {"path": str(render.write(build.build(record), Path(job["path"]), keep_charts=True))}
    except runs.ReportError as error:
        return {"not_written": str(error)}
    except protos.NeedsPackagesError as error:
        return {"redo": str(error)}
    except Exception as error:  # noqa: BLE001 - the run's result stands; the traceback goes to stderr (its log)
        traceback.print_exc()
        return {"error": f"{type(error).__name__}: {error}"}


def main() -> None:
    from components import protos

    protos.standalone()
    load_ahead()
    serve(sys.stdin, sys.stdout, write)


if __name__ == "__main__":
    main()
