"""The local Pusher: TFX's filesystem Pusher, which does not push again a model a version already holds."""

import os
from typing import Any, Dict, List

from tfx import types
from tfx.components.pusher import executor as pusher_executor
from tfx.proto import pusher_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import proto_utils

from components import model_content

Artifacts = Dict[str, List[types.Artifact]]

# Custom property of a PushedModel whose model an earlier version already holds: that version.
UNCHANGED_VERSION = "unchanged_version"


class PusherExecutor(pusher_executor.Executor):
    """TFX's filesystem Pusher, which does not push a model that a version already holds, byte for byte."""

    def Do(self, input_dict: Artifacts, output_dict: Artifacts, exec_properties: Dict[str, Any]) -> None:  # noqa: N802
        pushed = artifact_utils.get_single_instance(output_dict[standard_component_specs.PUSHED_MODEL_KEY])
        destination = pusher_pb2.PushDestination()
        proto_utils.json_to_proto(exec_properties[standard_component_specs.PUSH_DESTINATION_KEY], destination)
        base = destination.filesystem.base_directory
        if self.CheckBlessing(input_dict) and base:
            version = model_content.same_version(self.GetModelPath(input_dict), base)
            if version is not None:
                pushed.set_int_custom_property("pushed", 0)
                pushed.set_string_custom_property(UNCHANGED_VERSION, version)
                pushed.set_string_custom_property("pushed_destination", os.path.join(base, version))
                return
        super().Do(input_dict, output_dict, exec_properties)
