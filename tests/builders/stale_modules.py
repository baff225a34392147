"""A modules-only deploy in miniature: a second copy of modules/ whose preprocessing_fn differs, and Transform
run by our executor with the driver loading that copy (`python -m tests.builders.stale_modules SPEC.json`)."""

import json
import shutil
import sys
from pathlib import Path
from typing import Any, Dict, List

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The copy's z-scores are shifted by this much; the image's copy (the checkout) has none.
OFFSET = 100.0
_LINE = "    return tf.math.divide_no_nan(imputed - mean, std)\n"


def new_modules_copy(parent: Path) -> Path:
    """`parent/modules`: this checkout's modules/ with every z-score shifted by OFFSET."""
    target = parent / "modules"
    shutil.copytree(PROJECT_ROOT / "modules", target, ignore=shutil.ignore_patterns("__pycache__"))
    source = (target / "preprocessing.py").read_text()
    assert _LINE in source, "modules/preprocessing.py changed: update tests/builders/stale_modules.py"
    (target / "preprocessing.py").write_text(source.replace(_LINE, _LINE.rstrip("\n") + f" + {OFFSET}\n"))
    return target


def run_transform(spec: Dict[str, Any]) -> None:
    """Our TransformExecutor on given examples and schema, with `modules_uri` and Beam flags, as a pipeline task."""
    from tfx.dsl.components.base.base_beam_executor import BaseBeamExecutor
    from tfx.types import artifact_utils, standard_artifacts

    from components import executors

    examples = standard_artifacts.Examples()
    examples.uri = spec["examples"]
    examples.split_names = artifact_utils.encode_split_names(["train", "eval"])
    schema = standard_artifacts.Schema()
    schema.uri = spec["schema"]
    graph = standard_artifacts.TransformGraph()
    graph.uri = spec["transform_graph"]
    context = BaseBeamExecutor.Context(beam_pipeline_args=spec["beam_args"], tmp_dir=spec["tmp"], unique_id="stale")
    properties = {
        "preprocessing_fn": "modules.preprocessing.preprocessing_fn",
        "custom_config": json.dumps({executors.MODULES_URI: spec["modules_uri"]}),
        "disable_statistics": 1,
        "force_tf_compat_v1": 0,
    }
    executors.TransformExecutor(context).Do(
        {"examples": [examples], "schema": [schema]}, {"transform_graph": [graph]}, properties
    )


def main(argv: List[str]) -> None:
    run_transform(json.loads(Path(argv[0]).read_text()))


if __name__ == "__main__":
    main(sys.argv[1:])
