"""Unit tests of pipeline.local.beam_signatures: Beam's signature lookups kept per function, with equal answers."""

import functools
import gc
import importlib
import inspect

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from pipeline.local import beam_signatures

pytestmark = pytest.mark.unit


@pytest.fixture
def lookups():
    """A remembering reader over inspect.signature, and the callables it was asked to read."""
    asked = []

    def lookup(func):
        asked.append(func)
        return inspect.signature(func)

    return beam_signatures.remembering(lookup), asked


class Doubler(beam.DoFn):
    def process(self, element, timestamp=beam.DoFn.TimestampParam, scale=2):
        yield element * scale


def test_a_functions_signature_is_read_once(lookups):
    signature, asked = lookups

    def step(element, scale=2):
        return element * scale

    assert signature(step) == signature(step) == inspect.signature(step)
    assert asked == [step]


def test_a_bound_methods_signature_is_read_once_for_every_instance(lookups):
    signature, asked = lookups
    first, second = Doubler(), Doubler()

    assert signature(first.process) == signature(second.process) == inspect.signature(first.process)
    assert list(signature(first.process).parameters) == ["element", "timestamp", "scale"]
    assert signature(Doubler.process) == inspect.signature(Doubler.process), "unbound: with self, kept apart"
    assert len(asked) == 2


def test_other_callables_are_read_afresh(lookups):
    signature, asked = lookups
    part = functools.partial(lambda a, b: a + b, 1)

    assert signature(part) == signature(part) == inspect.signature(part)
    assert signature(len) == signature(len)
    assert len(asked) == 4


def test_a_function_that_goes_away_takes_its_entry_with_it(lookups):
    signature, asked = lookups

    def make():
        return lambda x: x

    for _ in range(3):
        signature(make())
        gc.collect()
    assert len(asked) == 3, "each new function is read; none is kept alive by the reader"


@pytest.fixture
def beam_readers(monkeypatch):
    """Beam's modules that read signatures, restored after the test, and a count of the original reader's calls."""
    from apache_beam.typehints import decorators

    original = decorators.get_signature
    calls = []

    def counting(func):
        calls.append(func)
        return original(func)

    for name in beam_signatures._USERS:
        monkeypatch.setattr(importlib.import_module(name), "get_signature", counting)
    return calls


def run_doubler() -> None:
    with beam.Pipeline(runner="DirectRunner") as pipeline:
        doubled = pipeline | beam.Create([1, 2, 3]) | beam.ParDo(Doubler()) | beam.Map(lambda x, k=1: x + k)
        assert_that(doubled, equal_to([3, 5, 7]))


def test_beam_pipelines_read_each_signature_once_and_answer_the_same(beam_readers):
    run_doubler()
    before = len(beam_readers)
    beam_readers.clear()

    beam_signatures.remember()
    beam_signatures.remember()
    for name in beam_signatures._USERS:
        assert hasattr(importlib.import_module(name).get_signature, "remembers"), name
    run_doubler()
    first = len(beam_readers)
    beam_readers.clear()
    run_doubler()

    assert first < before / 2, (first, before)
    assert len(beam_readers) < first, "the second pipeline reads only its new functions' signatures"
