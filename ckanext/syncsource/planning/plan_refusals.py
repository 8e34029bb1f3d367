"""Which planned creates and updates CKAN would refuse, and why, found without writing.

Each dataset the plan writes is merged as the import stage would merge it and run through the
site's validation for its type (the package plugin's create/update schema and `validate`:
ckanext-scheming's, DCAT-AP's, CKAN's default). Used by `ckan syncsource plan` and the Plan
page; the gather stage does not pay for it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import plugins as lib_plugins

from ..core.errors import InvalidObject, describe_ckan_error
from ..core.groups_plan import GroupPlan
from ..core.merge import differs
from .dataset_spool import DatasetSpool
from .resolved_source import ResolvedSource
from .run_plan import RunPlan
from .site_merge import merge_for_site


def predicted_refusals(
    run: RunPlan, spool: DatasetSpool, source: ResolvedSource
) -> list[dict[str, str]]:
    """`{"source_id", "name", "reason"}` for each create or update the site's schema would
    refuse."""
    org_ids = planned_ids("organization", run.organizations)
    group_ids = planned_ids("group", run.groups)
    new_orgs = {org_ids[step.key] for step in run.organizations.creates}
    user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    refusals = []
    for step in [*run.datasets.creates, *run.datasets.updates]:
        source_dataset = json.loads(spool.get_text(step.source_id))
        current = getattr(step, "package_id", None) and tk.get_action("package_show")(
            {"ignore_auth": True, "user": user, "for_update": True}, {"id": step.package_id}
        )
        try:
            merged = merge_for_site(
                source,
                step.source_id,
                source_dataset,
                current or None,
                org_ids,
                group_ids,
                name=step.name,
                marker_extra=run.marker_extra,
            )
        except InvalidObject as e:
            refusals.append({"source_id": step.source_id, "name": step.name, "reason": str(e)})
            continue
        if current and not differs(merged, current):
            continue
        reason = _refusal(merged, current or None, user, new_orgs)
        if reason:
            refusals.append({"source_id": step.source_id, "name": step.name, "reason": reason})
    model.Session.rollback()
    return refusals


def planned_ids(kind: str, plan: GroupPlan) -> dict[str, str]:
    """CKAN ids by source key; keys the run would create read as "(new <kind> <key>)"."""
    return plan.ids({step.key: f"(new {kind} {step.key})" for step in plan.creates})


def _refusal(
    merged: dict[str, Any], current: dict[str, Any] | None, user: str, planned_ids: set[str]
) -> str | None:
    plugin = lib_plugins.lookup_package_plugin(merged.get("type", "dataset"))
    action = "package_create" if current is None else "package_update"
    schema = plugin.create_package_schema() if current is None else plugin.update_package_schema()
    context: dict[str, Any] = {
        "model": model,
        "session": model.Session,
        "user": user,
        "ignore_auth": True,
    }
    if current is not None:
        context["package"] = model.Package.get(current["id"])
    _, errors = lib_plugins.plugin_validate(plugin, context, copy.deepcopy(merged), schema, action)
    if merged.get("owner_org") in planned_ids:
        errors.pop("owner_org", None)  # the job creates that organization first
    if not errors:
        return None
    return f"CKAN would refuse the dataset ({action}): {describe_ckan_error(errors, merged)}"
