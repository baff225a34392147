"""Unit tests of components.protos: TensorFlow's and TFMA's generated modules, with and without their packages."""

import importlib
import json
import subprocess
import sys

import pytest

from components import protos
from tests.builders.pipeline_runs import PROJECT_ROOT

pytestmark = pytest.mark.unit

# In a fresh, standalone process: load the protos, parse what the test process wrote with TensorFlow's own
# module, report what was imported, then import TensorFlow for real and check it reuses the loaded module.
CHILD = """
import json, sys
from components import protos
protos.standalone()
names = ("tensorflow.core.protobuf.saved_model_pb2", "tensorflow.core.framework.types_pb2",
         "tensorflow_model_analysis.proto.validation_result_pb2", "tensorflow_model_analysis.proto.config_pb2")
loaded = [protos.module(name) for name in names]
again = all(protos.module(name) is module for name, module in zip(names, loaded))
model = loaded[0].SavedModel.FromString(sys.stdin.buffer.read())
signature = model.meta_graphs[0].signature_def["serving_default"]
packages = ("tensorflow", "tensorflow.core", "tensorflow.core.protobuf", "tensorflow_model_analysis",
            "tensorflow_model_analysis.proto", "tfx")
try:
    protos.require_packages("drawing this")
    refused = ""
except protos.NeedsPackagesError as error:
    refused = str(error)
print(json.dumps({
    "imported": [name for name in packages if name in sys.modules],
    "finders": [type(finder).__name__ for finder in sys.meta_path if "StandIn" in type(finder).__name__],
    "again": again,
    "dtype": loaded[1].DataType.Name(signature.inputs["x"].dtype),
    "shape": [d.size for d in signature.inputs["x"].tensor_shape.dim],
    "valid": loaded[2].ValidationResult(validation_ok=True).validation_ok,
    "refused": refused,
}))
from tensorflow.core.protobuf import saved_model_pb2
print(json.dumps({"reused": saved_model_pb2 is loaded[0]}))
"""


def _saved_model_bytes() -> bytes:
    from tensorflow.core.framework import types_pb2
    from tensorflow.core.protobuf import saved_model_pb2

    model = saved_model_pb2.SavedModel()
    tensor = model.meta_graphs.add().signature_def["serving_default"].inputs["x"]
    tensor.dtype = types_pb2.DT_FLOAT
    tensor.tensor_shape.dim.add(size=-1)
    tensor.tensor_shape.dim.add(size=4)
    return model.SerializeToString()


def test_a_standalone_process_reads_the_protos_without_importing_their_packages():
    done = subprocess.run(
        [sys.executable, "-c", CHILD], input=_saved_model_bytes(), capture_output=True, cwd=PROJECT_ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr.decode()
    first, second = [json.loads(line) for line in done.stdout.decode().splitlines()]

    assert first == {
        "imported": [],
        "finders": [],
        "again": True,
        "dtype": "DT_FLOAT",
        "shape": [-1, 4],
        "valid": True,
        "refused": "drawing this needs TensorFlow's packages, which this process does not import",
    }
    # TensorFlow imported afterwards takes the module already loaded: one copy of each proto file.
    assert second == {"reused": True}


def test_elsewhere_a_proto_module_is_the_packages_own_import():
    name = "tensorflow_model_analysis.proto.config_pb2"
    assert protos.module(name) is importlib.import_module(name)
    protos.require_packages("anything")  # not standalone: nothing is refused


def test_a_package_that_is_not_installed_is_an_import_error(monkeypatch):
    monkeypatch.setattr(protos, "_standalone", True)
    with pytest.raises(ImportError, match="no_such_package is not installed"):
        protos.module("no_such_package.proto.thing_pb2")
