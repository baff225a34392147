"""pipeline.dag.eval_config: accuracy always, and for a label of two classes the AUC beside the trivial model's."""

import json
from pathlib import Path

import pytest
import yaml

from pipeline.config.loader import load_config
from pipeline.dag.eval_config import AUC_METRIC, eval_config

pytestmark = pytest.mark.unit


def config_with(tmp_path: Path, classes):
    definition = {"name": "visits", "label": "bought", "features": {"numeric": ["age"]}, "classes": classes}
    (tmp_path / "dataset.yaml").write_text(yaml.safe_dump(definition))
    return load_config(overrides=[f"modules.package_dir={tmp_path}"], environ={})


def names(spec):
    return [json.loads(metric.config or "{}").get("name", metric.class_name) for metric in spec.metrics]


def test_two_classes_add_the_auc_of_the_second_class(tmp_path):
    specs = eval_config(config_with(tmp_path, ["no", "yes"])).metrics_specs

    assert [names(spec) for spec in specs] == [["ExampleCount", "accuracy", "loss"], [AUC_METRIC]]
    assert list(specs[1].binarize.class_ids.values) == [1]
    assert not specs[1].metrics[0].HasField("threshold") and not specs[1].metrics[0].per_slice_thresholds


@pytest.mark.parametrize("classes", [["3", "4", "5"], []], ids=["three-classes", "classes-not-named"])
def test_other_labels_are_judged_on_accuracy_alone(tmp_path, classes):
    specs = eval_config(config_with(tmp_path, classes)).metrics_specs

    assert [names(spec) for spec in specs] == [["ExampleCount", "accuracy", "loss"]]
