"""CsvExampleGen executor: 'NA' and empty cells are missing values, and rows split by their key (example_split)."""

from typing import Any, Dict, List, Tuple, cast

import apache_beam as beam
import tensorflow as tf
from tfx.components.example_gen import utils as example_gen_utils
from tfx.components.example_gen import write_split
from tfx.components.example_gen.base_example_gen_executor import BaseExampleGenExecutor
from tfx.components.util import examples_utils
from tfx.dsl.io import fileio
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import proto_utils

from components import example_split
from components.csv_rows import CsvToKeyedExamples, read_header
from components.direct_beam import DirectBeamExecutor

# read_header is this module's too: the executor's callers read a file's columns from here.
__all__ = ["CsvToExample", "CsvToKeyedExamples", "Executor", "read_header"]


@beam.ptransform_fn
@beam.typehints.with_input_types(beam.Pipeline)
@beam.typehints.with_output_types(tf.train.Example)
def CsvToExample(  # noqa: N802 - Beam's naming convention for PTransforms
    pipeline: beam.Pipeline, exec_properties: Dict[str, Any], split_pattern: str
) -> beam.PCollection:
    """The rows as plain tf.Examples, in no particular order (TFX's ExampleGen interface)."""
    return (
        pipeline
        | "Keyed" >> CsvToKeyedExamples(exec_properties, split_pattern)
        | "Examples" >> beam.Map(lambda keyed: keyed.example)
    )


def _configs(exec_properties: Dict[str, Any]) -> Tuple[example_gen_pb2.Input, example_gen_pb2.Output]:
    input_config, output_config = example_gen_pb2.Input(), example_gen_pb2.Output()
    proto_utils.json_to_proto(exec_properties[standard_component_specs.INPUT_CONFIG_KEY], input_config)
    proto_utils.json_to_proto(exec_properties[standard_component_specs.OUTPUT_CONFIG_KEY], output_config)
    if len(input_config.splits) != 1 or not output_config.split_config.splits:
        raise ValueError("CsvExampleGen takes one input pattern and splits it by output_config.split_config")
    return input_config, output_config


class Executor(DirectBeamExecutor, BaseExampleGenExecutor):
    """ExampleGen executor for CSV files with a header line and NA-style missing values.

    The split config's partition_feature_name names the split key column; without it, a row's place splits.
    """

    def GetInputSourceToExamplePTransform(self) -> beam.PTransform:  # noqa: N802 - TFX's method name
        # TFX calls this with (exec_properties, split_pattern); a ptransform_fn fits that contract.
        return cast(beam.PTransform, CsvToExample)

    def GenerateExamplesByBeam(  # noqa: N802 - TFX's method name
        self, pipeline: beam.Pipeline, exec_properties: Dict[str, Any]
    ) -> Dict[str, beam.PCollection]:
        """Each split's KeyedExamples, split by their key's hash bucket."""
        input_config, output_config = _configs(exec_properties)
        split_config = output_config.split_config
        bounds = example_split.bucket_bounds([split.hash_buckets for split in split_config.splits])
        keyed = pipeline | "InputToRecord" >> CsvToKeyedExamples(
            exec_properties, input_config.splits[0].pattern, split_config.partition_feature_name or None
        )
        partition: Any = example_split.partition_index
        parts = keyed | "SplitData" >> beam.Partition(partition, len(bounds), bounds)
        names = example_gen_utils.generate_output_split_names(input_config, output_config)
        return {name: parts[index] for index, name in enumerate(names)}

    def Do(  # noqa: N802 - TFX's method name
        self, input_dict: Dict[str, List[Any]], output_dict: Dict[str, List[Any]], exec_properties: Dict[str, Any]
    ) -> None:
        """Writes each split in an order fixed by its rows (TFX's own Do shuffles at random)."""
        self._log_startup(input_dict, output_dict, exec_properties)
        input_config, output_config = _configs(exec_properties)
        outputs = output_dict[standard_component_specs.EXAMPLES_KEY]
        examples = artifact_utils.get_single_instance(outputs)
        names = example_gen_utils.generate_output_split_names(input_config, output_config)
        examples.split_names = artifact_utils.encode_split_names(names)
        with self._make_beam_pipeline() as pipeline:
            for name, split in self.GenerateExamplesByBeam(pipeline, exec_properties).items():
                split_uri = artifact_utils.get_split_uri(outputs, name)
                fileio.makedirs(split_uri)
                _ = split | f"WriteSplit[{name}]" >> example_split.WriteInOrder(split_uri)
        for artifact in outputs:
            examples_utils.set_payload_format(artifact, example_gen_pb2.FORMAT_TF_EXAMPLE)
            examples_utils.set_file_format(
                artifact, write_split.to_file_format_str(example_gen_pb2.FORMAT_TFRECORDS_GZIP)
            )
