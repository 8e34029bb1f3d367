"""Errors raised by the sync engine."""

from __future__ import annotations

from collections.abc import Mapping


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
