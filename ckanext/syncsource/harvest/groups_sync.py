"""Apply an organization or group plan through CKAN's actions, in process."""

from __future__ import annotations

import logging
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ..core import groups_apply
from ..core.entries import ObjectError
from ..core.errors import describe_ckan_error
from ..core.groups_plan import GroupPlan, Kind

log = logging.getLogger(__name__)


def apply_group_plan(plan: GroupPlan, user: str) -> tuple[dict[str, str], list[ObjectError]]:
    """Create, revive and update what the plan says (see `core.groups_apply` for the rules);
    returns the key -> CKAN id map and the errors (the plan's own and those CKAN raised)."""
    applied = groups_apply.apply_group_plan(plan, _ActionWriter(user))
    log.info(
        "%ss: %d created, %d revived, %d updated, %d left alone, %d errors",
        plan.kind,
        len(applied.created),
        len(applied.revived),
        len(applied.updated),
        len(plan.leaves),
        len(applied.errors),
    )
    return applied.ids, applied.errors


class _ActionWriter:
    def __init__(self, user: str) -> None:
        self._user = user

    def create(self, kind: Kind, content: dict[str, Any]) -> str:
        return self._call(f"{kind}_create", content)["id"]

    def patch(self, kind: Kind, data: dict[str, Any]) -> None:
        self._call(f"{kind}_patch", _removing_extras(data))

    def leave(self, kind: Kind, group_id: str) -> None:
        self._call(f"{kind}_member_delete", {"id": group_id, "username": self._user})

    def _call(self, action: str, data: dict[str, Any]) -> Any:
        try:
            return tk.get_action(action)({"user": self._user, "ignore_auth": True}, data)
        except tk.ValidationError as e:
            raise groups_apply.GroupRefused(describe_ckan_error(e.error_dict), e.error_dict) from e


def _removing_extras(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with the extras it leaves out marked deleted, on CKAN 2.11, which keeps every
    stored extra an update does not name (and all of them when it sends none); CKAN 2.12
    replaces the extras with those sent."""
    if "extras" not in data or tk.check_ckan_version(min_version="2.12"):
        return data
    group = model.Group.get(data["id"])
    kept = {extra["key"] for extra in data["extras"]}
    removed = [
        {"key": key, "value": "", "deleted": True}
        for key in (group.extras if group is not None else {})
        if key not in kept
    ]
    return {**data, "extras": [*data["extras"], *removed]}
