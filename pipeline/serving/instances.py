"""Turns a predict request body into model columns, or a BadRequestError naming the instance and field at fault."""

import json
import math
import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

from pipeline.serving.model import Feature


class BadRequestError(Exception):
    """A client error: the message, and where it is (instance index, field) when it is in one instance."""

    def __init__(self, message: str, instance: Optional[int] = None, field: Optional[str] = None):
        where = f"instance {instance}" if instance is not None else ""
        where += f", field '{field}'" if field is not None else ""
        super().__init__(f"{where}: {message}" if where else message)
        self.instance = instance
        self.field = field

    def body(self) -> Dict[str, Any]:
        """Google's error shape, with the instance and field as their own keys."""
        error: Dict[str, Any] = {"code": 400, "status": "INVALID_ARGUMENT", "message": str(self)}
        if self.instance is not None:
            error["instance"] = self.instance
        if self.field is not None:
            error["field"] = self.field
        return {"error": error}


@dataclass
class Instances:
    """The instances of one request, column by column, as the model's signature takes them."""

    columns: Dict[str, List[Any]]
    count: int


def _describe(value: Any) -> str:
    try:
        text = json.dumps(value)
    except (RecursionError, ValueError):
        return type(value).__name__
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


def _number(feature: Feature, value: Any, index: int) -> Any:
    """A JSON number the model's dtype holds as it is: finite, and within the range of that dtype."""
    low, high = feature.bounds()
    if feature.kind == "integer":
        if not (isinstance(value, int) or (math.isfinite(value) and float(value).is_integer())):
            raise BadRequestError(f"must be an integer, got {_describe(value)}", index, feature.name)
        if not low <= int(value) <= high:
            problem = f"{_describe(value)} is outside the range of {feature.dtype_name}, the model's input type"
            raise BadRequestError(problem, index, feature.name)
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise BadRequestError("must be a finite number or null", index, feature.name)
    # Compared exactly (an int of any size against a float), so a 400-digit integer is refused, not overflowed.
    if not low <= value <= high:
        raise BadRequestError(
            f"{_describe(value)} is not finite as {feature.dtype_name}, the model's input type (at most {high:.8g})",
            index,
            feature.name,
        )
    return value


def _value(feature: Feature, value: Any, index: int) -> Any:
    """The column value of one field; null means missing where the model has a missing value."""
    if value is None:
        missing = feature.missing_value()
        if missing is None:
            raise BadRequestError("must be an integer; this model has no missing value for it", index, feature.name)
        return missing
    if feature.kind == "string":
        if not isinstance(value, str):
            raise BadRequestError(f"must be a string or null, got {_describe(value)}", index, feature.name)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            problem = f"a lone surrogate \\u{ord(value[error.start]):04x} at character {error.start}"
            raise BadRequestError(f"must be valid Unicode text; it holds {problem}", index, feature.name) from None
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequestError(f"must be a number or null, got {_describe(value)}", index, feature.name)
    return _number(feature, value, index)


def _instance(instance: Any, index: int, features: Mapping[str, Feature], columns: Dict[str, List[Any]]) -> None:
    if not isinstance(instance, dict):
        raise BadRequestError(f"must be an object of feature values, got {_describe(instance)}", index)
    for name in instance:
        if name not in features:
            raise BadRequestError(f"unknown feature; the model takes: {', '.join(features)}", index, name)
    for name, feature in features.items():
        if name not in instance:
            raise BadRequestError("missing feature; send null for a missing value", index, name)
        columns[name].append(_value(feature, instance[name], index))


def _load(body: bytes) -> Any:
    try:
        # NaN and Infinity are not JSON; a strict parse refuses them like a JSON client library would.
        # UTF-8 only (json.loads would guess UTF-16 and -32 too): the body is logged as UTF-8 text.
        return json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except RecursionError:
        raise BadRequestError("the body is not valid JSON: its arrays or objects are nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as error:
        reason = str(error)
        if reason.startswith("Exceeds the limit"):
            # Python's guard against quadratic int parsing; its message speaks to a Python programmer.
            reason = f"a number has more than the {sys.get_int_max_str_digits()} digits this server reads"
        raise BadRequestError(f"the body is not valid JSON: {reason}") from None


def parse(body: bytes, features: Mapping[str, Feature], max_instances: int) -> Instances:
    """Validates the whole request before any model call: either every instance is good, or a BadRequestError."""
    payload = _load(body)
    if not isinstance(payload, dict):
        raise BadRequestError('the body must be a JSON object like {"instances": [...]}')
    if "instances" not in payload:
        raise BadRequestError('the body has no "instances"; send {"instances": [{...}, ...]}')
    instances = payload["instances"]
    if not isinstance(instances, list) or not instances:
        raise BadRequestError('"instances" must be a non-empty list of objects')
    if len(instances) > max_instances:
        raise BadRequestError(f"{len(instances)} instances is more than the limit of {max_instances} per request")
    columns: Dict[str, List[Any]] = {name: [] for name in features}
    for index, instance in enumerate(instances):
        _instance(instance, index, features, columns)
    return Instances(columns, len(instances))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")
