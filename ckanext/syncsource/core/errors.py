"""Errors raised by the sync engine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class InvalidObject(ValueError):
    """A source object cannot be synced; `field` names the part at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class UnknownReference(InvalidObject):
    """A dataset names an organization or group key the source does not provide."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(field, f"unknown key {key!r}")
        self.key = key


class OptionError(ValueError):
    """One or more sync options are invalid; `problems` maps each bad key to its message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = dict(problems)


def describe_ckan_error(error: Mapping[str, Any], sent: Mapping[str, Any] | None = None) -> str:
    """CKAN's error dict (a ValidationError's `error_dict`, or an API answer's `error`) as one
    line: `field: message; message, field: ...` (a bare `message` stands alone).

    CKAN reports errors in a list (extras, resources) as a list of one dict per item; with the
    dict `sent`, each is named by its item (the extra's key, the resource's name or URL), never
    by a position.
    """
    parts = []
    for field, value in error.items():
        items = sent.get(field) if sent is not None else None
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            parts += [
                f"{field} {_item_name(items, position)}: {describe_ckan_error(item_errors)}"
                for position, item_errors in enumerate(value)
                if item_errors
            ]
            continue
        text = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(text if field == "message" else f"{field}: {text}")
    return ", ".join(parts) or "no details given"


def _item_name(items: Any, position: int) -> str:
    item = items[position] if isinstance(items, list) and position < len(items) else None
    if isinstance(item, Mapping):
        for key in ("key", "name", "url"):
            if isinstance(item.get(key), str) and item[key]:
                return repr(item[key])
    return f"#{position + 1}"
