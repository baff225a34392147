"""The fields Google documents as required, read from the client library's own message docs, and which are unset.

The generated proto-plus classes carry each field's API documentation, and a field whose
`google.api.field_behavior` is REQUIRED is documented as "Required. ...". The descriptors the clients
ship hold no field options, so these docs are where the installed package says what is required.
"""

import functools
import inspect
import re
from typing import FrozenSet, List, Optional, Set

import proto
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

_ATTRIBUTE = re.compile(r"^ {4}(\w+) \(.*\):\n {8}(\S.*)$", re.MULTILINE)


@functools.cache
def documented_required(cls: type) -> FrozenSet[int]:
    """Field numbers of the proto-plus message class `cls` whose documentation starts with "Required"."""
    doc = inspect.getdoc(cls) or ""
    fields = cls.meta.fields  # type: ignore[attr-defined]
    return frozenset(
        fields[name].number for name, text in _ATTRIBUTE.findall(doc) if text.startswith("Required") and name in fields
    )


def _present(message: Message, field: FieldDescriptor) -> bool:
    value = getattr(message, field.name)
    if field.label == FieldDescriptor.LABEL_REPEATED:
        return len(value) > 0
    if field.message_type is not None or field.containing_oneof is not None:
        return message.HasField(field.name)
    return value != field.default_value


def missing_required(message: Message, cls: type, prefix: str = "", only: Optional[Set[str]] = None) -> List[str]:
    """JSON paths of the documented-required fields that are unset, in `message` and every message set in it.

    `only` limits the check at this level to those field names (and what is set below them): an update's
    resource is checked only where its update mask reaches.
    """
    if not isinstance(cls, proto.message.MessageMeta):
        return []
    descriptor = message.DESCRIPTOR
    missing = []
    for number in sorted(documented_required(cls)):
        field = descriptor.fields_by_number[number]
        if (only is None or field.name in only) and not _present(message, field):
            missing.append(prefix + field.json_name)
    for plus_field in cls.meta.fields.values():  # type: ignore[attr-defined]
        field = descriptor.fields_by_number[plus_field.number]
        nested = plus_field.message
        if not isinstance(nested, proto.message.MessageMeta) or field.message_type.GetOptions().map_entry:
            continue
        if only is not None and field.name not in only:
            continue
        if field.label == FieldDescriptor.LABEL_REPEATED:
            for index, item in enumerate(getattr(message, field.name)):
                missing += missing_required(item, nested, f"{prefix}{field.json_name}[{index}].")
        elif message.HasField(field.name):
            missing += missing_required(getattr(message, field.name), nested, f"{prefix}{field.json_name}.")
    return missing
