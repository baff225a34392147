"""Beam's multi-processing workers import components/beam_worker.py: survivors of a full collection and, at exit,
everything are frozen; garbage made later is still collected."""

import json
import os
import subprocess
import sys
import textwrap

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that, equal_to

from components import beam_worker
from pipeline.config import PROJECT_ROOT
from pipeline.config.beam import WORKER_PLUGIN
from pipeline.config.loader import load_config
from pipeline.local import loopback

pytestmark = pytest.mark.unit


def in_fresh_python(script: str) -> dict:
    """Runs `script` in a new interpreter (the plugin changes its process for good); its last line, as JSON."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_flag_names_this_module():
    assert f"--beam_plugins={beam_worker.__name__}" == WORKER_PLUGIN


def test_what_survives_a_full_collection_is_frozen_and_later_garbage_is_still_collected():
    found = in_fresh_python(
        """
        import gc, json, weakref
        import components.beam_worker
        import components.beam_worker as again
        again.install()

        class Node:
            pass

        kept = [Node() for _ in range(1000)]
        before = gc.get_freeze_count()
        gc.collect()
        frozen = gc.get_freeze_count()
        cycle = Node()
        cycle.itself = cycle
        alive = weakref.ref(cycle)
        del cycle
        gc.collect()
        print(json.dumps({"before": before, "frozen": frozen, "kept": len(kept),
                          "callbacks": gc.callbacks.count(again.freeze_survivors), "cycle collected": alive() is None}))
        """
    )

    assert found["before"] == 0
    assert found["frozen"] >= found["kept"]
    assert found["callbacks"] == 1, "installed once, however often it is imported or installed"
    assert found["cycle collected"], "a cycle made after the freeze is still garbage to the next collection"


def test_at_exit_everything_is_frozen_before_the_interpreters_final_collections():
    found = in_fresh_python(
        """
        import atexit, gc, json

        # Registered first, so it runs after the plugin's own exit handler (last in, first out).
        atexit.register(lambda: print(json.dumps({"tracked": len(gc.get_objects()), "frozen": gc.get_freeze_count()})))
        import components.beam_worker

        made = [[i] for i in range(5000)]
        """
    )

    assert found["frozen"] >= 5000
    assert found["tracked"] < 100, "nothing of size is left for the final collections to walk"


def test_a_multi_processing_worker_imports_it_from_the_beam_flags(tmp_path):
    loopback.bind_grpc_to_loopback()
    flags = load_config(overrides=["beam.direct_running_mode=multi_processing"], environ={}).beam_args()

    assert WORKER_PLUGIN in flags
    parent = os.getpid()
    with beam.Pipeline(options=PipelineOptions([*flags, f"--temp_location={tmp_path}"])) as pipeline:
        seen = (
            pipeline
            | beam.Create([0])
            | beam.Map(
                lambda _: (
                    __import__("os").getpid() != parent,
                    "components.beam_worker" in __import__("sys").modules,
                    any(getattr(f, "__module__", "") == "components.beam_worker" for f in __import__("gc").callbacks),
                )
            )
        )
        assert_that(seen, equal_to([(True, True, True)]))


def test_other_modes_and_runners_give_no_plugin():
    for overrides in ([], ["beam.direct_running_mode=multi_threading"], ["beam.runner=portable"]):
        assert WORKER_PLUGIN not in load_config(overrides=overrides, environ={}).beam_args()
