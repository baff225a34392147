"""ExampleValidator that fails the run on any schema anomaly, a split too small or a feature missing too often,
so nothing downstream runs."""

import json
import os
from typing import Any, Dict, List, Optional

from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2
from tfx import types
from tfx.components.example_validator import executor as validator_executor
from tfx.components.example_validator.component import ExampleValidator
from tfx.dsl.components.base import executor_spec
from tfx.types import standard_component_specs

from components.anomalies import describe


class SchemaAnomaliesError(RuntimeError):
    """Raised when statistics violate the schema; names each split, feature and anomaly."""

    def __init__(self, anomalies: Dict[str, Dict[str, List[str]]]):
        self.anomalies = anomalies
        lines = ["Data validation failed; nothing downstream ran and nothing was pushed."]
        for split, by_feature in sorted(anomalies.items()):
            for feature, problems in sorted(by_feature.items()):
                for problem in problems:
                    lines.append(f"  [{split}] {feature}: {problem}")
        super().__init__("\n".join(lines))


# The extra parameter: the columns the dataset definition calls numeric, as a JSON list.
NUMERIC_COLUMNS = "numeric_columns"


def text_in_numeric_columns(schema_uri: str, numeric: List[str]) -> Dict[str, List[str]]:
    """Numeric columns the schema reads as strings: an inferred schema does when a column holds any text."""
    from tensorflow_metadata.proto.v0 import schema_pb2
    from tfx.utils import io_utils

    schema = io_utils.SchemaReader().read(os.path.join(schema_uri, "schema.pbtxt"))
    return {
        feature.name: [
            "numeric in the dataset definition, but the data holds text in it, so the schema reads it as "
            "strings; fix those cells, or use the reviewed schema (schema_path) to stop such rows here"
        ]
        for feature in schema.feature
        if feature.name in numeric and feature.type == schema_pb2.BYTES
    }


def _num_examples(statistics: statistics_pb2.DatasetFeatureStatisticsList) -> int:
    return sum(dataset.num_examples for dataset in statistics.datasets)


# The extra parameter: {"min_rows": {split: rows}, "max_missing": {feature: fraction}} as JSON (validation.*).
VOLUME = "volume_limits"


def _missing(statistics: statistics_pb2.DatasetFeatureStatisticsList, feature: str) -> Optional[int]:
    """Rows without a value of `feature`; None when the statistics have no such feature."""
    found = None
    for dataset in statistics.datasets:
        for stats in dataset.features:
            name = stats.path.step[0] if stats.path.step else stats.name
            kind = stats.WhichOneof("stats")
            if name == feature and kind is not None:
                found = (found or 0) + getattr(stats, kind).common_stats.num_missing
    return found


def volume_problems(
    split: str, statistics: statistics_pb2.DatasetFeatureStatisticsList, limits: Dict[str, Any]
) -> Dict[str, List[str]]:
    """Feature (or '(dataset)') -> what breaks validation.min_rows or validation.max_missing, figure and limit."""
    rows = _num_examples(statistics)
    found: Dict[str, List[str]] = {}
    least = limits.get("min_rows", {}).get(split)
    if least is not None and rows < least:
        found["(dataset)"] = [f"too few rows: {rows}, below validation.min_rows.{split} = {least}"]
    for feature, limit in sorted(limits.get("max_missing", {}).items()):
        missing = _missing(statistics, feature)
        if missing is None:
            found[feature] = [f"not in the data, but validation.max_missing.{feature} names it"]
        elif rows and missing / rows > limit:
            share = missing / rows
            found[feature] = [
                f"too many missing values: {share:.1%} ({missing} of {rows} rows), "
                f"above validation.max_missing.{feature} = {limit:g}"
            ]
    return found


class Executor(validator_executor.Executor):
    """Runs TFX's validation, then raises SchemaAnomaliesError if any split has anomalies."""

    def Do(  # noqa: N802 - TFX's method name
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ):
        self._found: Dict[str, Dict[str, List[str]]] = {}
        properties = dict(exec_properties)
        self._limits = json.loads(properties.pop(VOLUME, None) or "{}")
        numeric = json.loads(properties.pop(NUMERIC_COLUMNS, None) or "[]")
        schema = input_dict[standard_component_specs.SCHEMA_KEY][0].uri
        text = text_in_numeric_columns(schema, numeric) if numeric else {}
        if text:
            raise SchemaAnomaliesError({"schema": text})
        result = super().Do(input_dict, output_dict, properties)
        if self._found:
            raise SchemaAnomaliesError(self._found)
        return result

    def _Validate(self, inputs: Dict[str, Any], outputs: Dict[str, Any]) -> anomalies_pb2.Anomalies:  # noqa: N802
        anomalies = super()._Validate(inputs, outputs)
        found = describe(anomalies)
        statistics = inputs[standard_component_specs.STATISTICS_KEY]
        split = outputs[next(iter(outputs))].rstrip("/").rsplit("Split-", 1)[-1]
        if _num_examples(statistics) == 0:
            # TFDV finds nothing wrong with statistics of nothing.
            found.setdefault("(dataset)", []).append("no examples: the split is empty")
        else:
            for feature, problems in volume_problems(split, statistics, getattr(self, "_limits", {})).items():
                found.setdefault(feature, []).extend(problems)
        if found:
            self._found[split] = found
        return anomalies


class GatedExampleValidator(ExampleValidator):
    """ExampleValidator whose executor stops the pipeline when anomalies are found."""

    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)
