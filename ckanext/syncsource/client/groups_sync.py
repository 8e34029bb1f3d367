"""Sync organizations or groups by name through the action API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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

    A key CKAN refused to create is reported and left out of the map, so the datasets naming it
    fail with an unknown-reference error. CKAN makes the API user an admin of what it creates.
    """
    source = {key: without_empty_extras(obj) for key, obj in source.items()}
    plan = plan_groups(kind, source, existing_groups(api, kind, source), strategy)
    for error in plan.errors:
        report.errors[error.key] = SyncError(error.reason)
    created = {}
    for create in plan.creates:
        if (shown := _write(api, f"{kind}_create", create.key, create.content, report)) is not None:
            created[create.key] = shown["id"]
            report.created.append(create.key)
    for revive in plan.revives:
        data = {"id": revive.id, **(revive.content or {}), "state": "active"}
        if _write(api, f"{kind}_patch", revive.key, data, report) is not None:
            report.revived.append(revive.key)
    for update in plan.updates:
        data = {"id": update.id, **update.content}
        if _write(api, f"{kind}_patch", update.key, data, report) is not None:
            report.updated.append(update.key)
    report.unchanged.extend(leave.key for leave in plan.leaves)
    return plan.ids(created)


def _write(
    api: ActionApi, action: str, key: str, data: dict[str, Any], report: GroupsReport
) -> dict[str, Any] | None:
    try:
        return api.call(action, data)
    except ActionError as e:
        report.errors[key] = SyncError(f"{action} {key!r}: {e}", e.error)
        return None
