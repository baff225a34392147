"""`python -m pipeline.report.worker`: loads the report's libraries, says "ready", then writes the one report asked for.

`vtx run` starts it as it starts (or, while a new MLflow store is made, before its first node), so the imports
(TensorFlow, TFDV, TFMA, matplotlib) happen on the second core while the run imports and its nodes run, and the
report is drawn while the run records its tracked outcome and prints its summary. Protocol, one line each way:
the worker prints `ready`; it reads one JSON job {"metadata_path", "pipeline_name", "run_id", "path"} (an empty
line or end of input: stop); it prints one JSON answer: {"path"} when written, {"not_written"} for a run the
report cannot describe, {"error"} for a failure (its traceback on stderr).
"""

import importlib
import sys
import traceback
from pathlib import Path
from typing import Any, Dict

from pipeline.workers import collector_frozen, serve

# What building a report imports lazily (pipeline/report/*.py, components/evaluation.py), loaded ahead.
AHEAD = (
    "pipeline.report.build",
    "pipeline.report.render",
    "pipeline.report.charts",
    "components.evaluation",
    "components.validation_gate",
    "ml_metadata",
    "tensorflow_data_validation",
    "tensorflow_data_validation.utils.anomalies_util",
    "tensorflow_model_analysis",
    "tensorflow_model_analysis.writers.eval_config_writer",
    "tfx.dsl.io.fileio",
)


def load_ahead() -> None:
    """Imports AHEAD with the garbage collector off, then freezes what they made (as `vtx run` does)."""
    with collector_frozen():
        for name in AHEAD:
            importlib.import_module(name)


def write(job: Dict[str, Any]) -> Dict[str, str]:
    """Builds and writes one run's report; the answer to print."""
    from pipeline.report import build, render, runs

    try:
        record = runs.load(job["metadata_path"], job["pipeline_name"], job["run_id"])
        return {"path": str(render.write(build.build(record), Path(job["path"])))}
    except runs.ReportError as error:
        return {"not_written": str(error)}
    except Exception as error:  # noqa: BLE001 - the run's result stands; the traceback goes to stderr (its log)
        traceback.print_exc()
        return {"error": f"{type(error).__name__}: {error}"}


def main() -> None:
    load_ahead()
    serve(sys.stdin, sys.stdout, write)


if __name__ == "__main__":
    main()
