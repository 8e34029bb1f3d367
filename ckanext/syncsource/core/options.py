"""The five merge options of the legacy SynchronizationClient, with its defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from .errors import OptionError

GROUP_STRATEGIES = ("create", "update")
DATASET_GROUP_STRATEGIES = ("add", "replace", "preserve")

_CHOICES: dict[str, tuple[str, ...]] = {
    "organization_merge_strategy": GROUP_STRATEGIES,
    "group_merge_strategy": GROUP_STRATEGIES,
    "dataset_group_merge_strategy": DATASET_GROUP_STRATEGIES,
}
_BOOLEANS = ("dataset_preserve_names", "dataset_preserve_organization")


@dataclass(frozen=True)
class SyncOptions:
    organization_merge_strategy: str = "create"
    group_merge_strategy: str = "create"
    dataset_preserve_names: bool = True
    dataset_preserve_organization: bool = True
    dataset_group_merge_strategy: str = "add"

    def __post_init__(self) -> None:
        problems = _problems({f.name: getattr(self, f.name) for f in fields(self)})
        if problems:
            raise OptionError(problems)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SyncOptions:
        """Read the five options from a parsed source config; other keys are ignored.

        Every bad value is reported at once, each message naming its key and the allowed values.
        """
        if not isinstance(config, Mapping):
            raise OptionError({"": "the source config must be a JSON object"})
        names = [f.name for f in fields(cls)]
        given = {name: config[name] for name in names if name in config}
        problems = _problems(given)
        if problems:
            raise OptionError(problems)
        return cls(**given)


def _problems(values: Mapping[str, Any]) -> dict[str, str]:
    problems = {}
    for key, value in values.items():
        if key in _CHOICES:
            allowed = _CHOICES[key]
            if not isinstance(value, str) or value not in allowed:
                choices = ", ".join(repr(c) for c in allowed)
                problems[key] = f"{key} must be one of {choices}, not {value!r}"
        elif key in _BOOLEANS and not isinstance(value, bool):
            problems[key] = f"{key} must be true or false (a JSON boolean), not {value!r}"
    return problems
