"""Repairs for ckanext-harvest 1.6.3 on CKAN 2.12, for every harvest source of the site.

`harvest_source_reindex`: upstream hands CKAN 2.12 the unvalidated source as the index's cached
`validated_data_dict`, so after a job finishes every harvest source (of any harvester) shows
`source_type`, `config` and `frequency` only inside `extras`: the edit form comes up empty and
`harvest_source_patch` fails. It also checks no access. Chained here: check access as for
updating the source, call the original, then index the source as CKAN 2.12 does for any
dataset (`index_update_package`, through the harvest show schema). CKAN 2.11 keeps no validated
copy in the index, has no `index_update_package` and needs only the access check.

`harvest_source_create`: CKAN 2.12's `package_create` shows the new dataset before the session
is flushed, so harvest's `after_dataset_show` cannot find the new source and the answer has no
`status` (`ckan harvester source create` then dies printing it). Added here once it is saved.

Remove this module (and its names in `logic/action.py`) once ckanext-harvest's
`harvest_source_reindex` checks access and indexes through `ckan.logic.index_update_package`,
and its `after_dataset_create` flushes the new source.
"""

from __future__ import annotations

import contextvars

import ckan.logic
import ckan.plugins.toolkit as tk
from ckan.logic import auth_audit_exempt

_index_update_package = getattr(ckan.logic, "index_update_package", None)  # CKAN 2.12 and later

# `harvest_sources_reindex` (sysadmins only; `ckan harvester reindex`) checks access itself,
# then reindexes each source with a fresh context that names no user.
_all_sources_checked = contextvars.ContextVar("syncsource_all_sources_checked", default=False)


@tk.chained_action
@auth_audit_exempt
def harvest_source_reindex(up_func, context, data_dict):
    if not _all_sources_checked.get():
        tk.check_access("harvest_source_reindex", context, data_dict)
    if _index_update_package is None:
        return up_func(context, data_dict)
    # The index entry upstream writes is replaced at once: no commit of its own.
    result = up_func({**context, "defer_commit": True}, data_dict)
    _index_update_package(
        context, tk.get_or_bust(data_dict, "id"), context.get("defer_commit", False)
    )
    return result


@tk.chained_action
def harvest_sources_reindex(up_func, context, data_dict):
    tk.check_access("harvest_sources_reindex", context, data_dict)
    token = _all_sources_checked.set(True)
    try:
        return up_func(context, data_dict)
    finally:
        _all_sources_checked.reset(token)


@tk.chained_action
@auth_audit_exempt  # package_create checks access, as upstream
def harvest_source_create(up_func, context, data_dict):
    source = up_func(context, data_dict)
    if source.get("status") is None:
        source["status"] = tk.get_action("harvest_source_show_status")(
            context, {"id": source["id"]}
        )
    return source
