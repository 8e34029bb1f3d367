"""Apply an organization or group plan through CKAN's actions."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import ckan.plugins.toolkit as tk

from .core.errors import describe_ckan_error
from .core.groups_plan import GroupPlan
from .core.model import ObjectError

log = logging.getLogger(__name__)


def apply_group_plan(plan: GroupPlan, user: str) -> tuple[dict[str, str], list[ObjectError]]:
    """Create, revive and update what the plan says; returns the key -> CKAN id map and the
    errors (the plan's own and those CKAN raised)."""
    errors = list(plan.errors)
    created: dict[str, str] = {}
    not_revived: set[str] = set()
    kind = plan.kind

    def refused(key: str, error: tk.ValidationError) -> None:
        errors.append(ObjectError(key, f"{kind} {key!r}: {describe_ckan_error(error.error_dict)}"))

    for step in plan.creates:
        try:
            created[step.key] = _create(kind, step.content, user)
        except tk.ValidationError as e:
            refused(step.key, e)
    for step in plan.revives:
        content = _with_cleared_fields(step.content) if step.content else {}
        try:
            _write(kind, "patch", {"id": step.id, "state": "active", **content}, user)
        except tk.ValidationError as e:
            refused(step.key, e)
            not_revived.add(step.key)
    for step in plan.updates:
        try:
            _write(kind, "patch", {"id": step.id, **_with_cleared_fields(step.content)}, user)
        except tk.ValidationError as e:
            refused(step.key, e)
    # Datasets must not be put into an organization or group that is still deleted.
    ids = {key: id_ for key, id_ in plan.ids(created).items() if key not in not_revived}
    log.info(
        "%ss: %d created, %d revived, %d updated, %d left alone, %d errors",
        kind,
        len(created),
        len(plan.revives),
        len(plan.updates),
        len(plan.leaves),
        len(errors),
    )
    return ids, errors


_CLEARED = {"title": "", "description": "", "image_url": "", "extras": []}
"""What a patch sends for a field the source object lacks, so the stored value goes too."""


def _with_cleared_fields(content: Mapping[str, Any]) -> dict[str, Any]:
    return {**_CLEARED, **content}


def _create(kind: str, content: Mapping[str, Any], user: str) -> str:
    group = _write(kind, "create", dict(content), user)
    # CKAN makes the creating user an admin of the new organization or group; the source grants
    # nobody membership, so the harvest user's membership is taken back.
    tk.get_action(f"{kind}_member_delete")(_context(user), {"id": group["id"], "username": user})
    return group["id"]


def _write(kind: str, verb: str, data: dict[str, Any], user: str) -> dict[str, Any]:
    return tk.get_action(f"{kind}_{verb}")(_context(user), data)


def _context(user: str) -> dict[str, Any]:
    return {"user": user, "ignore_auth": True}
