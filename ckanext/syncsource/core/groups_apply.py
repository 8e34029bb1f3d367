"""Apply an organization or group plan: the rules both the harvester and the client follow.

- A revive or update with the source's values also clears the fields the source object no
  longer has (a patch that leaves a field out keeps CKAN's value).
- CKAN makes the user who creates an organization or group its admin; the source grants nobody
  membership, so that membership is taken back.
- An organization or group CKAN refused to revive is still deleted: no dataset is put into it
  (its key is left out of the id map, so those datasets error with an unknown reference).

The writes go through a `GroupWriter`, CKAN's actions in process or over HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .entries import ObjectError
from .groups_plan import GroupPlan, Kind


class GroupRefused(Exception):
    """CKAN refused a write; the message says why, `ckan_error` is CKAN's error dict."""

    def __init__(self, message: str, ckan_error: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.ckan_error = ckan_error


class GroupWriter(Protocol):
    def create(self, kind: Kind, content: dict[str, Any]) -> str:
        """Create the object; returns its CKAN id."""

    def patch(self, kind: Kind, data: dict[str, Any]) -> None:
        """Patch the object `data["id"]` with the other fields of `data`."""

    def leave(self, kind: Kind, group_id: str) -> None:
        """Take back the writing user's membership of the object."""


@dataclass
class GroupsApplied:
    """What applying a plan did, by source key, and the key -> CKAN id map for datasets."""

    ids: dict[str, str] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    revived: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    errors: list[ObjectError] = field(default_factory=list)
    ckan_errors: dict[str, dict[str, Any]] = field(default_factory=dict)
    """CKAN's error dict for each key whose write it refused."""


_CLEARED = {"title": "", "description": "", "image_url": "", "extras": []}
"""What a patch sends for a field the source object lacks, so the stored value goes too."""


def _with_cleared_fields(content: Mapping[str, Any]) -> dict[str, Any]:
    return {**_CLEARED, **content}


def apply_group_plan(plan: GroupPlan, writer: GroupWriter) -> GroupsApplied:
    """Create, revive and update what the plan says, under the rules above."""
    kind = plan.kind
    applied = GroupsApplied(errors=list(plan.errors))
    created: dict[str, str] = {}
    not_revived: set[str] = set()

    def refused(key: str, error: GroupRefused) -> None:
        applied.errors.append(ObjectError(key, f"{kind} {key!r}: {error}"))
        if error.ckan_error is not None:
            applied.ckan_errors[key] = error.ckan_error

    for step in plan.creates:
        try:
            created[step.key] = writer.create(kind, dict(step.content))
        except GroupRefused as e:
            refused(step.key, e)
            continue
        applied.created.append(step.key)
        writer.leave(kind, created[step.key])
    for step in plan.revives:
        content = _with_cleared_fields(step.content) if step.content else {}
        try:
            writer.patch(kind, {"id": step.id, **content, "state": "active"})
        except GroupRefused as e:
            refused(step.key, e)
            not_revived.add(step.key)
            continue
        applied.revived.append(step.key)
    for step in plan.updates:
        try:
            writer.patch(kind, {"id": step.id, **_with_cleared_fields(step.content)})
        except GroupRefused as e:
            refused(step.key, e)
            continue
        applied.updated.append(step.key)
    applied.ids = {key: id_ for key, id_ in plan.ids(created).items() if key not in not_revived}
    return applied
