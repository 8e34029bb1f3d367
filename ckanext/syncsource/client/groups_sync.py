"""Sync organizations or groups by name through the action API, under the same apply rules as
the harvester (`core.groups_apply`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.groups_apply import GroupRefused, apply_group_plan
from ..core.groups_plan import Kind, plan_groups
from .action_api import ActionApi, ActionError
from .report import GroupsReport, SyncError
from .site_state import existing_groups, without_empty_extras


def sync_groups(
    api: ActionApi,
    kind: Kind,
    source: Mapping[str, Mapping[str, Any]],
    strategy: str,
    report: GroupsReport,
) -> dict[str, str]:
    """Create, revive and update what the strategy asks for; the source key -> CKAN id map.

    A key CKAN refused to create or revive is reported and left out of the map, so the
    datasets naming it fail with an unknown-reference error.
    """
    source = {key: without_empty_extras(obj) for key, obj in source.items()}
    plan = plan_groups(kind, source, existing_groups(api, kind, source), strategy)
    applied = apply_group_plan(plan, _ApiWriter(api))
    report.created.extend(applied.created)
    report.revived.extend(applied.revived)
    report.updated.extend(applied.updated)
    report.unchanged.extend(leave.key for leave in plan.leaves)
    for error in applied.errors:
        report.errors[error.key] = SyncError(error.reason, applied.ckan_errors.get(error.key))
    return applied.ids


class _ApiWriter:
    def __init__(self, api: ActionApi) -> None:
        self._api = api
        self._user: str | None = None

    def create(self, kind: Kind, content: dict[str, Any]) -> str:
        return self._call(f"{kind}_create", content)["id"]

    def patch(self, kind: Kind, data: dict[str, Any]) -> None:
        self._call(f"{kind}_patch", data)

    def leave(self, kind: Kind, group_id: str) -> None:
        if self._user is None:
            self._user = self._call("user_show", {})["name"]
        self._call(f"{kind}_member_delete", {"id": group_id, "username": self._user})

    def _call(self, action: str, data: dict[str, Any]) -> Any:
        try:
            return self._api.call(action, data)
        except ActionError as e:
            raise GroupRefused(str(e), e.error) from e
