"""What every reader yields: one organization, group or dataset of the source."""

from dataclasses import dataclass
from typing import Any, Literal

from .errors import SourceError

Kind = Literal["organization", "group", "dataset"]

KINDS: tuple[Kind, ...] = ("organization", "group", "dataset")

# The field holding the source key when a format has no separate key (JSON Lines, directory, API).
KEY_FIELDS: dict[str, str] = {"organization": "name", "group": "name", "dataset": "id"}


@dataclass(frozen=True, slots=True)
class Record:
    kind: Kind
    key: str
    obj: dict[str, Any]


def json_type_name(value: Any) -> str:
    """The JSON name of a Python value's type, for messages."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def require_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SourceError(f"{what} is not a JSON object (got {json_type_name(value)})")
    return value


def keyed_record(kind: Kind, obj: dict[str, Any], where: str) -> Record:
    """A record keyed by the object's own name (organization, group) or id (dataset)."""
    field = KEY_FIELDS[kind]
    key = obj.get(field)
    if not isinstance(key, str) or not key:
        raise SourceError(f"{where}: {kind} without a {field!r} (a non-empty string is required)")
    return Record(kind, key, obj)
