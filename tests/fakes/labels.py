"""Google Cloud's rules for resource labels, which every API of the fakes holds a request to.

At most 64 labels; a key is 1-63 characters, starting with a lowercase letter, then lowercase letters, digits,
`_` or `-`; a value is 0-63 of the same characters (international lowercase letters are allowed too).
"""

from typing import List, Tuple

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

MAX_LABELS = 64
MAX_LENGTH = 63


def _lower_letter(char: str) -> bool:
    return char.isalpha() and not char.isupper() and not char.istitle()


def _allowed(char: str) -> bool:
    return _lower_letter(char) or char.isdigit() or char in "_-"


def _problem(key: str, value: str) -> str:
    if not 1 <= len(key) <= MAX_LENGTH or not _lower_letter(key[0]) or not all(_allowed(c) for c in key):
        return (
            f"label key {key!r} must be 1-63 characters, start with a lowercase letter and hold only lowercase "
            "letters, digits, '_' and '-'"
        )
    if len(value) > MAX_LENGTH or not all(_allowed(c) for c in value):
        return f"label value {value!r} of {key!r} must be at most 63 lowercase letters, digits, '_' and '-'"
    return ""


def label_violations(message: Message, path: str = "") -> List[Tuple[str, str]]:
    """(field path, description) for every `labels` map in `message`, at any depth, that Google would refuse."""
    found: List[Tuple[str, str]] = []
    for field, value in message.ListFields():
        where = f"{path}{field.json_name}"
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            if field.name == "labels":
                if len(value) > MAX_LABELS:
                    found.append((where, f"at most {MAX_LABELS} labels, not {len(value)}"))
                found += [(where, problem) for key in value if (problem := _problem(key, value[key]))]
            elif entry.fields_by_name["value"].type == FieldDescriptor.TYPE_MESSAGE:
                for key in value:
                    found += label_violations(value[key], f"{where}[{key}].")
        elif entry is not None and field.label == FieldDescriptor.LABEL_REPEATED:
            for index, item in enumerate(value):
                found += label_violations(item, f"{where}[{index}].")
        elif entry is not None:
            found += label_violations(value, f"{where}.")
    return found
