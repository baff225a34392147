"""Generated proto modules of TensorFlow and TFMA, loadable in a process that must not import those packages.

`tensorflow.core.protobuf.saved_model_pb2` needs only protobuf, but importing it runs `tensorflow/__init__.py`
first: seconds of CPU and hundreds of MB. The report's worker (pipeline/report/worker.py) reads such protos and
nothing else of TensorFlow, so it declares itself `standalone()`. There, `module(name)` loads the generated
module from its file with bare stand-ins for its parent packages (a `__path__`, no `__init__` run), then takes
the stand-ins away again; the generated modules stay registered under their own names, so protobuf's descriptor
pool holds each proto file once. Anywhere else `module(name)` is a plain import: a later `import tensorflow`
would not see, as attributes of its packages, modules loaded under stand-ins.
"""

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types
from typing import Iterator, List, Optional, Sequence

_standalone = False


class NeedsPackagesError(RuntimeError):
    """A standalone process was asked for something only the packages themselves can do."""


def standalone() -> None:
    """Declares this process one that never imports TensorFlow or TFMA; protos then load without them."""
    global _standalone
    _standalone = True


def require_packages(what: str) -> None:
    """Raises NeedsPackagesError in a standalone process: `what` needs TensorFlow's or TFMA's own code."""
    if _standalone:
        raise NeedsPackagesError(f"{what} needs TensorFlow's packages, which this process does not import")


def module(name: str) -> types.ModuleType:
    """The generated proto module `name`: as imported, else loaded (without its packages when standalone)."""
    if name in sys.modules:
        return sys.modules[name]
    top = name.partition(".")[0]
    if not _standalone or top in sys.modules:
        return importlib.import_module(name)
    with _stand_ins(top):
        return importlib.import_module(name)


class _BareLoader(importlib.abc.Loader):
    """Makes a package module with its `__path__` only: its `__init__.py` is not run."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Optional[types.ModuleType]:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        return None


class _StandInFinder(importlib.abc.MetaPathFinder):
    """Finds the packages under one top-level package as bare stand-ins; modules are left to Python's finders."""

    def __init__(self, top: str, root: str):
        self.top, self.root = top, root
        self.made: List[str] = []

    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]], target: Optional[types.ModuleType] = None
    ) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname != self.top and not fullname.startswith(self.top + "."):
            return None
        directory = os.path.join(self.root, *fullname.split(".")[1:])
        if not os.path.isdir(directory):
            return None
        spec = importlib.machinery.ModuleSpec(fullname, _BareLoader(), is_package=True)
        spec.submodule_search_locations = [directory]
        self.made.append(fullname)
        return spec


@contextlib.contextmanager
def _stand_ins(top: str) -> Iterator[None]:
    found = importlib.util.find_spec(top)  # finds the package without importing it
    if found is None or not found.submodule_search_locations:
        raise ImportError(f"{top} is not installed")
    finder = _StandInFinder(top, list(found.submodule_search_locations)[0])
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        _forget(finder.made)


def _forget(names: List[str]) -> None:
    for name in names:
        sys.modules.pop(name, None)
