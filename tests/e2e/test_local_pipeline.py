"""End to end: the whole DAG on data/ — pushed, cached on re-run, stopped by bad data (tracking: test_tracking.py)."""

import re
from typing import Dict

import pytest

from pipeline import mlmd
from tests.builders.pipeline_runs import (
    FAKE_TOKEN,
    NODE_IDS,
    Run,
    StoppedRun,
    serving_versions,
    tree_digest,
)

pytestmark = pytest.mark.e2e

# Every node but the Resolver, which resolves artifacts rather than executing.
COMPONENTS = [node for node in NODE_IDS if node != "Resolver"]


def _nodes(run: Run) -> Dict[str, mlmd.NodeRun]:
    store = mlmd.open_store(str(run.output / "metadata.sqlite"))
    return mlmd.node_runs(store, "vertex-tfx-penguins", run.run_id)


def test_first_run_executes_every_component_and_pushes_a_blessed_model(first_run: Run):
    nodes = _nodes(first_run)
    assert {name: nodes[name].status for name in COMPONENTS} == {name: "executed" for name in COMPONENTS}
    for name in COMPONENTS:
        assert re.search(rf"^  {name}\s+executed\s+\d+\.\d s$", first_run.stdout, re.MULTILINE), first_run.stdout
    assert "Traceback" not in first_run.stdout
    assert "Verdict: BLESSED" in first_run.stdout
    assert len(serving_versions(first_run.output)) == 1
    pushed = nodes["Pusher"].outputs["pushed_model"][0]
    assert mlmd.custom_property(pushed, "pushed") == 1


def test_eval_accuracy_meets_the_bar(first_run: Run):
    import tensorflow_model_analysis as tfma

    evaluation = _nodes(first_run)["Evaluator"].outputs["evaluation"][0].uri
    overall = [m for key, m in tfma.load_eval_result(evaluation).slicing_metrics if not key][0]
    assert overall[""][""]["accuracy"]["doubleValue"] >= 0.9
    assert tfma.load_validation_result(evaluation).validation_ok


def test_pushed_model_names_held_out_penguins(first_run: Run):
    import tensorflow as tf

    model = tf.saved_model.load(
        str(first_run.output / "serving_model" / "penguins" / serving_versions(first_run.output)[0])
    )
    eval_files = tf.io.gfile.glob(
        str(_nodes(first_run)["CsvExampleGen"].outputs["examples"][0].uri) + "/Split-eval/*.gz"
    )
    records = list(tf.data.TFRecordDataset(eval_files, compression_type="GZIP").as_numpy_iterator())
    truth = [tf.train.Example.FromString(r).features.feature["species"].bytes_list.value[0] for r in records]
    predicted = model.signatures["serving_default"](examples=tf.constant(records))["classes"].numpy()
    accuracy = sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(truth)
    assert len(truth) > 30 and accuracy >= 0.9
    raw = model.signatures["serving_raw"](
        bill_length_mm=tf.constant([39.1, 46.5]),
        bill_depth_mm=tf.constant([18.7, 13.5]),
        flipper_length_mm=tf.constant([181.0, float("nan")]),
        body_mass_g=tf.constant([3750.0, 4550.0]),
        island=tf.constant(["Torgersen", "Biscoe"]),
        sex=tf.constant(["male", ""]),
    )
    assert [c.decode() for c in raw["classes"].numpy()] == ["Adelie", "Gentoo"]


def test_the_neptune_token_is_written_nowhere(first_run: Run):
    leaks = [p for p in first_run.output.rglob("*") if p.is_file() and FAKE_TOKEN.encode() in p.read_bytes()]
    assert leaks == []
    assert FAKE_TOKEN not in first_run.console


def test_second_run_is_fully_cached_and_pushes_nothing(first_run: Run, second_run: Run):
    nodes = _nodes(second_run)
    assert {name: nodes[name].status for name in COMPONENTS} == {name: "cached" for name in COMPONENTS}
    assert "0 components executed" in second_run.stdout
    assert "nothing pushed now" in second_run.stdout
    assert serving_versions(second_run.output) == serving_versions(first_run.output)


def test_corrupted_data_stops_at_validation_and_keeps_the_model(second_run: Run, stopped_run: StoppedRun):
    # The session's stopped run, which the report tests read too; the fault corpus
    # (tests/e2e/test_fault_corpus.py) has every other kind of bad data.
    run = stopped_run.run
    assert run.returncode != 0
    assert "Data validation failed" in run.stdout
    assert "bill_length_mm" in run.stdout
    assert "Traceback" not in run.console
    assert re.search(r"^  ExampleValidator\s+FAILED", run.stdout, re.MULTILINE), run.stdout
    nodes = _nodes(run)
    assert "Transform" not in nodes and "Pusher" not in nodes
    assert tree_digest(second_run.output / "serving_model") == stopped_run.models_before
