"""What a harvest source may do: never more than every person who may edit it.

The harvester writes with `ignore_auth`, so the limits are checked here. Who may edit a
syncsource source follows CKAN's `package_update` auth (which ckanext-harvest uses for editing
a source and for running its jobs): the editors and admins of the source's organization, the
editor and admin collaborators of the source when the site allows dataset collaborators, and
sysadmins. A source without an organization can be edited by sysadmins only (`logic/auth.py`).

- A source that only sysadmins can edit is *site-wide*: it may do all the sync does.
- Otherwise it writes a dataset (create, update, adopt, delete) only in an organization where
  every one of its non-sysadmin editors holds the permission CKAN would check
  (`create_dataset`, `update_dataset`, `delete_dataset`), changes a dataset's membership only
  of groups where every one of them holds `manage_group`, never makes or touches an unowned
  dataset, and never creates, revives or changes organizations or groups.
- The options that reach beyond a source's own objects (`PRIVILEGED_OPTIONS`: a `source_name`
  other than the source's own name, the `update` strategies) are saved only by a sysadmin, and
  only for a site-wide source; a job of a source that is no longer site-wide fails on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import authz, model

from ..core.entries import ObjectError
from ..core.groups_plan import GroupLeave, GroupPlan
from .source_config import SourceConfig

_EDITING_ROLES = ("admin", "editor")
_SITE_WIDE_ONLY = "only a source that only sysadmins can edit (one without an organization) may"


@dataclass(frozen=True)
class SourceRights:
    organization: str | None
    """Name of the source's organization (for messages); None for a source without one."""
    editors: frozenset[str]
    """Names of the non-sysadmin users who may edit the source."""
    _granted: dict[tuple[str, str], bool] = field(default_factory=dict, compare=False)

    @property
    def site_wide(self) -> bool:
        return not self.editors

    def may(self, object_id: str | None, permission: str) -> bool:
        """Whether every editor holds `permission` in the organization or group `object_id`
        (None: a dataset without an organization)."""
        if self.site_wide:
            return True
        if object_id is None:
            return False
        key = (object_id, permission)
        if key not in self._granted:
            self._granted[key] = all(
                authz.has_user_permission_for_group_or_org(object_id, editor, permission)
                for editor in self.editors
            )
        return self._granted[key]

    def describe(self) -> str:
        where = f"organization {self.organization!r}" if self.organization else "no organization"
        count = len(self.editors)
        return f"the harvest source ({where}) can be edited by {count} non-sysadmin user(s)"


def source_rights(source_id: str) -> SourceRights:
    """The rights of the saved harvest source `source_id`."""
    package = model.Package.get(source_id)
    return rights_for(package.owner_org if package else None, source_id)


def rights_for(owner_org: str | None, source_id: str | None) -> SourceRights:
    """The rights of a source owned by `owner_org` (id or name); `source_id` None for a source
    not saved yet."""
    organization = model.Group.get(owner_org) if owner_org else None
    if organization is None:
        return SourceRights(None, frozenset())
    members = (
        sa.select(model.User.name)
        .join(model.Member, model.Member.table_id == model.User.id)
        .where(
            model.Member.group_id == organization.id,
            model.Member.table_name == "user",
            model.Member.state == "active",
            model.Member.capacity.in_(_EDITING_ROLES),
        )
    )
    queries = [members]
    if source_id and tk.config.get("ckan.auth.allow_dataset_collaborators"):
        queries.append(
            sa.select(model.User.name)
            .join(model.PackageMember, model.PackageMember.user_id == model.User.id)
            .where(
                model.PackageMember.package_id == source_id,
                model.PackageMember.capacity.in_(_EDITING_ROLES),
            )
        )
    names = set()
    for query in queries:
        query = query.where(model.User.state == "active", model.User.sysadmin.is_(False))
        names.update(model.Session.execute(query).scalars())
    return SourceRights(organization.name, frozenset(names))


def privileged_options(config: SourceConfig, own_name: str | None) -> list[str]:
    """The options of `config` that only a site-wide source may use, as the operator wrote them."""
    used = []
    if config.source_name is not None and config.source_name != own_name:
        used.append(f"source_name {config.source_name!r} (other than the source's own name)")
    for option in ("organization_merge_strategy", "group_merge_strategy"):
        if getattr(config.options, option) == "update":
            used.append(f"{option} 'update'")
    return used


def privileged_problem(config: SourceConfig, own_name: str | None, rights: SourceRights) -> str:
    """Why a job may not use the config's privileged options ("" when it may)."""
    used = privileged_options(config, own_name)
    if not used or rights.site_wide:
        return ""
    return f"{', '.join(used)}: {_SITE_WIDE_ONLY} use them, and {rights.describe()}"


def save_problem(context: Mapping[str, Any], config: SourceConfig, data: Mapping[str, Any]) -> str:
    """Why the user of `context` may not save a source with `config` ("" when they may)."""
    used = privileged_options(config, data.get("name"))
    if not used or context.get("ignore_auth"):
        return ""
    if not authz.is_sysadmin(context.get("user")):
        return f"{', '.join(used)}: only a sysadmin may set this"
    rights = rights_for(data.get("owner_org"), data.get("id"))
    if not rights.site_wide:
        return f"{', '.join(used)}: {_SITE_WIDE_ONLY} use this, and {rights.describe()}"
    return ""


def within_rights(plan: GroupPlan, rights: SourceRights) -> GroupPlan:
    """`plan` without the writes the source may not make, each turned into an error."""
    if rights.site_wide:
        return plan
    refused = [
        ObjectError(
            step.key,
            f"{plan.kind} {step.key!r} was not {verb}: {_SITE_WIDE_ONLY} create, revive or change "
            f"organizations and groups, and {rights.describe()}",
        )
        for verb, steps in (("created", plan.creates), ("revived", plan.revives))
        for step in steps
    ]
    refused += [
        ObjectError(step.key, f"{plan.kind} {step.key!r} was not updated: {_SITE_WIDE_ONLY} do so")
        for step in plan.updates
    ]
    leaves = plan.leaves + [GroupLeave(step.key, step.id) for step in plan.updates]
    return GroupPlan(plan.kind, leaves=leaves, errors=plan.errors + refused)


def dataset_write_problem(
    rights: SourceRights, current: Mapping[str, Any] | None, merged: Mapping[str, Any] | None
) -> str:
    """Why the source may not turn dataset `current` (None: a create) into `merged` (None: a
    delete); "" when it may."""
    kind = current.get("type") if current is not None else None
    if kind not in (None, "dataset"):
        return f"the dataset is of type {kind!r}; a source writes datasets of type 'dataset' only"
    if rights.site_wide:
        return ""
    checks: list[tuple[str | None, str]] = []
    owner = (current.get("owner_org") or None) if current is not None else None
    if current is not None:
        checks.append((owner, "update_dataset" if merged is not None else "delete_dataset"))
    if merged is not None:
        target = merged.get("owner_org") or None
        if current is None or target != owner:
            checks.append((target, "create_dataset"))
    for org_id, permission in checks:
        if not rights.may(org_id, permission):
            where = _group_name(org_id) if org_id else None
            place = f"organization {where!r}" if where else "no organization"
            return (
                f"the source may not write a dataset in {place}: not every user who may edit "
                f"the source holds {permission} there ({rights.describe()})"
            )
    changed = _group_ids(current) ^ _group_ids(merged) if merged is not None else set()
    for group_id in sorted(changed):
        if not rights.may(group_id, "manage_group"):
            return (
                f"the source may not change the datasets of group {_group_name(group_id)!r}: not "
                f"every user who may edit the source is a member of it ({rights.describe()})"
            )
    return ""


def _group_ids(dataset: Mapping[str, Any] | None) -> set[str]:
    groups: Iterable[Mapping[str, Any]] = dataset.get("groups", ()) if dataset else ()
    return {group["id"] for group in groups if group.get("id")}


def _group_name(group_id: str) -> str:
    group = model.Group.get(group_id)
    return group.name if group else group_id
