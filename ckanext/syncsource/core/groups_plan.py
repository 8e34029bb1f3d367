"""Plan for organizations or groups, matched by name (a source key is the name)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .entries import ExistingGroup, ObjectError
from .errors import InvalidObject
from .names import name_problem
from .normalize import normalize_group

Kind = Literal["organization", "group"]


@dataclass(frozen=True, slots=True)
class GroupCreate:
    key: str
    content: dict[str, Any]


@dataclass(frozen=True, slots=True)
class GroupRevive:
    """Make a deleted organization/group active; `content` is None to keep its values."""

    key: str
    id: str
    content: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class GroupUpdate:
    key: str
    id: str
    content: dict[str, Any]


@dataclass(frozen=True, slots=True)
class GroupLeave:
    key: str
    id: str


@dataclass
class GroupPlan:
    kind: Kind
    creates: list[GroupCreate] = field(default_factory=list)
    revives: list[GroupRevive] = field(default_factory=list)
    updates: list[GroupUpdate] = field(default_factory=list)
    leaves: list[GroupLeave] = field(default_factory=list)
    errors: list[ObjectError] = field(default_factory=list)

    def ids(self, created: Mapping[str, str]) -> dict[str, str]:
        """Source key -> CKAN id once applied; `created` holds the ids of the creates that worked.

        Keys that errored, or whose create did not happen, are absent, so datasets naming them
        fail with an unknown-reference error.
        """
        ids = {step.key: step.id for step in (*self.revives, *self.updates, *self.leaves)}
        for step in self.creates:
            if step.key in created:
                ids[step.key] = created[step.key]
        return ids


def plan_groups(
    kind: Kind,
    source: Mapping[str, Mapping[str, Any]],
    existing: Mapping[str, ExistingGroup],
    strategy: str,
) -> GroupPlan:
    """Decide, per source key, to create, revive, update or leave the CKAN object of that name.

    `existing` maps names to the objects of `kind` CKAN holds (any state). A source object
    without `name` takes its key as name; a `name` that disagrees with the key is an error.
    Strategy `create` leaves existing objects alone (a deleted one is only made active);
    `update` overwrites them with the source values when they differ, and makes them active.
    """
    if strategy not in ("create", "update"):
        raise ValueError(f"unknown strategy {strategy!r}")
    plan = GroupPlan(kind)
    for key in sorted(source, key=str):
        try:
            content = _source_content(key, source[key])
        except InvalidObject as error:
            plan.errors.append(ObjectError(key, f"{kind} {key!r}: {error}"))
            continue
        current = existing.get(key)
        if current is None:
            plan.creates.append(GroupCreate(key, content))
        elif current.state != "active":
            plan.revives.append(
                GroupRevive(key, current.id, content if strategy == "update" else None)
            )
        elif strategy == "update" and normalize_group(current.content) != content:
            plan.updates.append(GroupUpdate(key, current.id, content))
        else:
            plan.leaves.append(GroupLeave(key, current.id))
    return plan


def _source_content(key: object, obj: Mapping[str, Any]) -> dict[str, Any]:
    problem = name_problem(key)
    if problem:
        raise InvalidObject("name", f"key {key!r} is not a valid name: {problem}")
    content = normalize_group(obj)
    name = content.setdefault("name", key)
    if name != key:
        raise InvalidObject("name", f"{name!r} disagrees with its key {key!r}")
    return content
