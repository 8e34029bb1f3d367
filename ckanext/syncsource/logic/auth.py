"""Auth functions chained onto CKAN's and ckanext-harvest's (the rules: `source_rights`).

- `package_create` / `package_update`: a syncsource harvest source without an organization can
  be created, edited and run by sysadmins only. CKAN lets anyone with `create_dataset` in some
  organization edit an unowned dataset, and such a source may write anywhere.
- `harvest_object_show`: a syncsource harvest object holds a whole dataset as read from the
  source (private ones too); ckanext-harvest shows objects to anyone, this only to those who may
  edit the object's source.
- The sysadmin-only harvest actions (`SYSADMIN_ONLY`): ckanext-harvest's check fails with an
  AttributeError for an anonymous API caller (CKAN passes an anonymous user object, which lets
  the call reach the check), a 500 instead of a refusal; anonymous callers are refused here.
"""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.harvest.model import HarvestObject, HarvestSource

SYSADMIN_ONLY = (
    "harvest_job_abort",
    "harvest_job_create_all",
    "harvest_jobs_run",
    "harvest_objects_import",
    "harvest_sources_clear",
    "harvest_sources_reindex",
)

__all__ = ["harvest_object_show", "package_create", "package_update", *SYSADMIN_ONLY]

_UNOWNED = {
    "success": False,
    "msg": "Only sysadmins may create or edit a syncsource harvest source without an organization",
}


def _is_syncsource(data_dict: dict[str, Any]) -> bool:
    return data_dict.get("type") == "harvest" and data_dict.get("source_type") == "syncsource"


def _unowned_syncsource(package: model.Package | None) -> bool:
    if package is None or package.type != "harvest" or package.owner_org:
        return False
    source = HarvestSource.get(package.id)
    return source is not None and source.type == "syncsource"


# CKAN's package_create and package_update allow anonymous callers (when the site lets them
# create datasets); a chained function's flags replace the chained one's, so they are repeated.
@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def package_create(next_auth, context, data_dict):
    data_dict = data_dict or {}
    if _is_syncsource(data_dict) and not data_dict.get("owner_org"):
        return _UNOWNED
    return next_auth(context, data_dict)


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def package_update(next_auth, context, data_dict):
    data_dict = data_dict or {}
    package = context.get("package") or model.Package.get(
        data_dict.get("id") or data_dict.get("name")
    )
    if _unowned_syncsource(package) or (
        _is_syncsource(data_dict) and not data_dict.get("owner_org")
    ):
        return _UNOWNED
    return next_auth(context, data_dict)


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def harvest_object_show(next_auth, context, data_dict):
    data_dict = data_dict or {}
    for source_id in _syncsource_ids(data_dict):
        try:
            tk.check_access("harvest_source_update", dict(context), {"id": source_id})
        except tk.NotAuthorized:
            return {
                "success": False,
                "msg": "Only those who may edit its harvest source may see a syncsource object",
            }
    return next_auth(context, data_dict)


def _syncsource_ids(data_dict: dict[str, Any]) -> set[str]:
    """The syncsource sources of the objects `harvest_object_show` would look at."""
    query = model.Session.query(HarvestObject.harvest_source_id).join(
        HarvestSource, HarvestSource.id == HarvestObject.harvest_source_id
    )
    query = query.filter(HarvestSource.type == "syncsource")
    if data_dict.get("id"):
        column = HarvestObject.__table__.c.get(data_dict.get("attr") or "id")
        if column is None:
            return set()
        query = query.filter(column == data_dict["id"])
    elif data_dict.get("dataset_id"):
        package = model.Package.get(data_dict["dataset_id"])
        if package is None:
            return set()
        query = query.filter(HarvestObject.package_id == package.id)
    else:
        return set()
    return {source_id for (source_id,) in query}


def _refuse_anonymous(action: str):
    @tk.chained_auth_function
    def check(next_auth, context, data_dict):
        if not context.get("user"):
            return {"success": False, "msg": f"Only sysadmins may use {action}"}
        return next_auth(context, data_dict)

    check.__name__ = action
    return check


harvest_job_abort = _refuse_anonymous("harvest_job_abort")
harvest_job_create_all = _refuse_anonymous("harvest_job_create_all")
harvest_jobs_run = _refuse_anonymous("harvest_jobs_run")
harvest_objects_import = _refuse_anonymous("harvest_objects_import")
harvest_sources_clear = _refuse_anonymous("harvest_sources_clear")
harvest_sources_reindex = _refuse_anonymous("harvest_sources_reindex")
