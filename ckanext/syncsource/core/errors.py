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


def describe_ckan_error(error: Mapping[str, Any]) -> str:
    """CKAN's error dict (a ValidationError's `error_dict`, or an API answer's `error`) as one
    line: `field: message; message, field: ...` (a bare `message` stands alone)."""
    parts = []
    for field, value in error.items():
        text = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(text if field == "message" else f"{field}: {text}")
    return ", ".join(parts) or "no details given"
