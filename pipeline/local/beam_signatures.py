"""Beam's signature lookups, remembered per function in `vtx run`'s process, where every Beam step runs.

Beam reads the signature of each DoFn method (process, setup, start_bundle, ...) with `inspect.signature`
whenever it builds a DoFn's runner: once per stage of each bundle, for every DoFn of the stage. TFMA's pipeline
has hundreds of stages: a re-run of the Evaluator asked for 32,000 signatures of a few hundred functions, about
a fifth of its CPU time (py-spy; benchmarks/findings.md). A function's signature comes from its code object,
defaults and annotations, which these methods never change after definition, so the first answer is kept,
weakly: a function that goes away takes its entry with it. A bound method's signature is its function's without
the first parameter, the same for every instance, so it is kept per function too. Other callables (partials,
callable objects, builtins) are read afresh each time, as before.
"""

import types
import weakref
from typing import Any, Callable, Dict

# Beam's modules that call get_signature by the name they imported.
_USERS = (
    "apache_beam.typehints.decorators",
    "apache_beam.transforms.core",
    "apache_beam.transforms.ptransform",
    "apache_beam.transforms.util",
)


def remembering(lookup: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`lookup` (a signature reader) with each plain function's and bound method's answer kept."""
    kept: weakref.WeakKeyDictionary[types.FunctionType, Dict[bool, Any]] = weakref.WeakKeyDictionary()

    def signature(func: Any) -> Any:
        if isinstance(func, types.MethodType) and type(func.__func__) is types.FunctionType:
            function, bound = func.__func__, True
        elif type(func) is types.FunctionType:
            function, bound = func, False
        else:
            return lookup(func)
        answers = kept.get(function)
        if answers is None:
            answers = kept[function] = {}
        if bound not in answers:
            answers[bound] = lookup(func)
        return answers[bound]

    signature.remembers = lookup  # type: ignore[attr-defined]
    return signature


def remember() -> None:
    """Beam's get_signature, in each module that calls it, remembers its answers (once per process)."""
    import importlib

    from apache_beam.typehints import decorators

    if hasattr(decorators.get_signature, "remembers"):
        return
    remembered = remembering(decorators.get_signature)
    for name in _USERS:
        module = importlib.import_module(name)
        if getattr(module, "get_signature", None) is remembered.remembers:  # type: ignore[attr-defined]
            module.get_signature = remembered  # type: ignore[attr-defined]
