"""The API surface a loopback fake serves, taken from the installed clients' REST transports, and strict checks.

Each RPC's HTTP method, path template and body field come from the transport's own http rules
(`_get_http_options`), its request and response classes from the transport's signature. A request is
parsed with json_format into that request message with unknown fields refused, the documented-required
fields must be set, labels must follow Google's rules, and every answer must parse strictly into the response
message before it is sent.
"""

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Pattern, Tuple

from google.protobuf import empty_pb2, json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from tests.fakes.errors import ApiError, FakeAnswerError, invalid_argument
from tests.fakes.labels import label_violations
from tests.fakes.required import missing_required

# Standard query parameters every Google REST API accepts beside the request's own fields.
SYSTEM_PARAMETERS = {"$alt", "alt", "$fields", "fields", "prettyPrint", "$prettyPrint", "key", "quotaUser"}
_VARIABLE = re.compile(r"\{([\w.]+)(?:=([^}]*))?\}")
_PARSE_PREFIX = re.compile(r"^Failed to parse (\w+) field: ")
_UNKNOWN = re.compile(r'has no field named "(\w+)"')


def _message_class(cls: Any) -> type:
    """The protobuf class of a proto-plus class (or the class itself); None (Empty) for methods that return it."""
    if cls is None or cls is type(None):
        return empty_pb2.Empty
    return cls.pb() if hasattr(cls, "pb") else cls


def _template_regex(uri: str) -> Tuple[Pattern[str], List[str]]:
    """A regex for an http rule's path template; its groups g0, g1... are the listed field paths."""
    fields: List[str] = []
    pattern, position = "", 0
    for found in _VARIABLE.finditer(uri):
        pattern += re.escape(uri[position : found.start()])
        segments = (found.group(2) or "*").split("/")
        part = "/".join(".+" if s == "**" else "[^/:]+" if s == "*" else re.escape(s) for s in segments)
        pattern += f"(?P<g{len(fields)}>{part})"
        fields.append(found.group(1))
        position = found.end()
    return re.compile(pattern + re.escape(uri[position:])), fields


@dataclass
class Rpc:
    """One method of a Google REST API as the client's transport maps it, with the checks of its requests."""

    name: str
    request_class: Any
    response_class: Any
    rules: List[Tuple[str, Pattern[str], List[str], Optional[str]]]
    transport_required: Tuple[str, ...]

    @classmethod
    def of(cls, transport: type, name: str) -> "Rpc":
        """The RPC `name` (e.g. "UploadModel") of a REST transport class (e.g. ModelServiceRestTransport)."""
        stub = getattr(transport, f"_{name}")
        hints = stub.__call__.__annotations__
        rules = []
        for option in stub._get_http_options():
            regex, fields = _template_regex(option["uri"])
            rules.append((option["method"].upper(), regex, fields, option.get("body")))
        required = getattr(stub, f"_Base{name}__REQUIRED_FIELDS_DEFAULT_VALUES", {})
        return cls(name, hints["request"], hints.get("return"), rules, tuple(required))

    def match(self, method: str, path: str) -> Optional[Tuple[Dict[str, str], Optional[str]]]:
        """(field path -> value from the URL, the body field) when one of the http rules matches."""
        for rule_method, regex, fields, body in self.rules:
            found = regex.fullmatch(path)
            if found and rule_method == method:
                return {field: found[f"g{i}"] for i, field in enumerate(fields)}, body
        return None

    # ------------------------------------------------------------------ requests

    def parse(self, path: Dict[str, str], query: Dict[str, List[str]], body: Any, body_field: Optional[str]):
        """The request message, parsed strictly; an ApiError 400 in Google's shape for what the API refuses."""
        message = _message_class(self.request_class)()
        data: Dict[str, Any] = {}
        if body_field is None and body not in (None, {}):
            raise invalid_argument([("", "This method takes no request body.")], "Invalid JSON payload received.")
        if body_field is not None and not isinstance(body if body is not None else {}, dict):
            raise invalid_argument([("", "The request body must be a JSON object.")], "Invalid JSON payload received.")
        if body_field == "*":
            data.update(body or {})
        elif body_field:
            data[_json_name(message.DESCRIPTOR, body_field)] = body or {}
        for key, values in query.items():
            if key not in SYSTEM_PARAMETERS:
                _put(data, key, _query_value(message.DESCRIPTOR, key, values))
        for field, value in path.items():
            _put(data, _json_path(message.DESCRIPTOR, field), value)
        try:
            json_format.ParseDict(data, message, ignore_unknown_fields=False)
        except json_format.ParseError as error:
            raise _parse_error(str(error)) from None
        self._check_required(message, body_field)
        bad_labels = label_violations(message)
        if bad_labels:
            raise invalid_argument(bad_labels)
        return message

    def _check_required(self, message: Message, body_field: Optional[str]) -> None:
        descriptor = message.DESCRIPTOR
        missing = [f for f in self.transport_required if not _has(message, f)]
        mask = descriptor.fields_by_name.get("update_mask")
        if mask is not None and body_field and body_field != "*" and message.HasField("update_mask"):
            resource = getattr(message, body_field)
            paths = {p.split(".")[0] for p in message.update_mask.paths}
            only = {_proto_name(resource.DESCRIPTOR, p) for p in paths}
            plus = self.request_class.meta.fields[body_field].message
            missing += missing_required(resource, plus, _json_name(descriptor, body_field) + ".", only)
            others = {field.name for field in descriptor.fields if field.name != body_field}
            missing += missing_required(message, self.request_class, only=others)
        else:
            missing += missing_required(message, self.request_class)
        missing = list(dict.fromkeys(missing))
        if missing:
            raise invalid_argument([(path, "Required field is not set.") for path in missing])

    # ------------------------------------------------------------------ responses

    def check_response(self, payload: Dict[str, Any]) -> None:
        """Raises FakeAnswerError unless `payload` parses strictly into the response message of this RPC."""
        try:
            json_format.ParseDict(payload, _message_class(self.response_class)(), ignore_unknown_fields=False)
        except json_format.ParseError as error:
            name = _message_class(self.response_class).DESCRIPTOR.full_name
            raise FakeAnswerError(f"the fake's answer to {self.name} is not a valid {name}: {error}") from None


def _has(message: Message, json_field: str) -> bool:
    field = message.DESCRIPTOR.fields_by_camelcase_name.get(json_field) or message.DESCRIPTOR.fields_by_name.get(
        json_field
    )
    if field is None:
        return False
    if field.label == FieldDescriptor.LABEL_REPEATED:
        return len(getattr(message, field.name)) > 0
    if field.message_type is not None:
        return message.HasField(field.name)
    return getattr(message, field.name) != field.default_value


def _json_name(descriptor: Descriptor, name: str) -> str:
    field = descriptor.fields_by_name.get(name)
    return field.json_name if field is not None else name


def _proto_name(descriptor: Descriptor, name: str) -> str:
    field = descriptor.fields_by_camelcase_name.get(name)
    return field.name if field is not None else name


def _json_path(descriptor: Optional[Descriptor], dotted: str) -> str:
    """`pipeline_job.name` -> `pipelineJob.name`: path variables name proto fields, the body uses JSON names."""
    parts = []
    for part in dotted.split("."):
        field = descriptor.fields_by_name.get(part) if descriptor is not None else None
        parts.append(field.json_name if field is not None else part)
        descriptor = field.message_type if field is not None else None
    return ".".join(parts)


def _put(data: Dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def _query_value(descriptor: Descriptor, key: str, values: List[str]) -> Any:
    """A query parameter as the JSON value of the request field it binds to; a 400 when it binds to none."""
    field: Optional[FieldDescriptor] = None
    for part in key.split("."):
        if descriptor is None:
            field = None
            break
        field = descriptor.fields_by_camelcase_name.get(part) or descriptor.fields_by_name.get(part)
        if field is None:
            break
        descriptor = field.message_type
    if field is None:
        text = f'Invalid JSON payload received. Unknown name "{key}": Cannot bind query parameter.'
        raise invalid_argument([(key, text)], text)
    converted = [_query_scalar(field, key, value) for value in values]
    if field.label == FieldDescriptor.LABEL_REPEATED:
        return converted
    if len(converted) > 1:
        text = f'Invalid JSON payload received. Repeated values for non-repeated field "{key}".'
        raise invalid_argument([(key, text)], text)
    return converted[0]


def _query_scalar(field: FieldDescriptor, key: str, value: str) -> Any:
    if field.type == FieldDescriptor.TYPE_BOOL:
        if value not in ("true", "false"):
            raise invalid_argument([(key, f"Invalid value at '{key}' (TYPE_BOOL), \"{value}\"")])
        return value == "true"
    well_known = field.message_type is None or field.message_type.full_name.startswith("google.protobuf.")
    if not well_known:
        text = f'Invalid JSON payload received. Cannot bind query parameter "{key}" to a message.'
        raise invalid_argument([(key, text)], text)
    return value


def _parse_error(text: str) -> ApiError:
    """json_format's message as Google words it: the unknown name, or the field whose value has the wrong type."""
    path = []
    while _PARSE_PREFIX.match(text):
        path.append(_PARSE_PREFIX.match(text).group(1))  # type: ignore[union-attr]
        text = _PARSE_PREFIX.sub("", text, count=1)
    unknown = _UNKNOWN.search(text)
    where = ".".join(path)
    if unknown:
        message = f"Invalid JSON payload received. Unknown name \"{unknown.group(1)}\" at '{where}': Cannot find field."
        return invalid_argument([(where, message)], message)
    message = f"Invalid value at '{where}': {text.splitlines()[0].rstrip('.')}"
    return invalid_argument([(where, message)], f"Invalid JSON payload received. {message}")
