"""What every reader yields: one organization, group or dataset of the source."""

from dataclasses import dataclass
from typing import Any, Literal

from .errors import SourceError

Kind = Literal["organization", "group", "dataset"]

KINDS: tuple[Kind, ...] = ("organization", "group", "dataset")

MAX_DEPTH = 100
"""Deepest nesting of arrays and objects in one record; deeper input is refused, since parsers
and the code after them recurse (RecursionError) or slow down at every level."""

# The field holding the source key when a format has no separate key (JSON Lines, directory, API).
KEY_FIELDS: dict[str, str] = {"organization": "name", "group": "name", "dataset": "id"}


@dataclass(frozen=True, slots=True)
class Record:
    kind: Kind
    key: str
    obj: dict[str, Any]
    stamp: str | None = None
    """The source's own version stamp of the object (a CKAN site's `metadata_modified`), for
    formats that have one."""
    unchanged: bool = False
    """The source says the object is unchanged since the stamp the caller knew (see
    `open_source`'s `known_stamps`): `obj` holds only its `id` and `name`, not its content."""

    def __post_init__(self) -> None:
        # The key becomes a harvest object's guid: text PostgreSQL can store, or no record.
        if "\x00" in self.key:
            raise SourceError(f"{self.kind} key {self.key!r} contains a NUL character (\\u0000)")
        try:
            self.key.encode("utf-8")
        except UnicodeEncodeError as e:
            raise SourceError(
                f"{self.kind} key {self.key!r} contains an unpaired UTF-16 surrogate"
            ) from e


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
    check_depth(obj, where)
    field = KEY_FIELDS[kind]
    key = obj.get(field)
    if not isinstance(key, str) or not key:
        raise SourceError(f"{where}: {kind} without a {field!r} (a non-empty string is required)")
    return Record(kind, key, obj)


def too_deep(where: str) -> SourceError:
    return SourceError(f"{where}: nested deeper than {MAX_DEPTH} levels")


def check_depth(value: Any, where: str) -> None:
    """Raise SourceError when `value` nests arrays and objects deeper than MAX_DEPTH."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise too_deep(where)
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
