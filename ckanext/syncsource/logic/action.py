"""Actions chained onto CKAN's and ckanext-harvest's.

- `package_create` / `package_update`: ckanext-harvest passes only the config text to
  `validate_config`, so the checks that need the source and the user saving it run where harvest
  sources are saved (the web form, the CLI and `harvest_source_*` all go there): first access
  (so a caller who may not save learns nothing), then that the URL holds no credentials
  (everyone who may see a source sees its URL), then the options only a sysadmin may set
  (`source_rights`), then that each syncsource source's `source_name` is its own.
- `harvest_jobs_run`: the `ISyncSource` plugins hear of the syncsource jobs it finished
  (`harvest.finished_jobs`).
- `harvest_job_create`: ckanext-harvest checks for a pending job, then inserts one; simultaneous
  calls (a double click, two schedulers) all pass the check. Serialised per source, the later
  calls see the first job and are refused.
- `harvest_job_show`, `harvest_job_list`, `harvest_source_show_status`: the job statistics count the
  datasets a job found unchanged, which have no harvest object (see `harvest.job_counts`).
- `harvest_source_create`, `harvest_source_reindex`, `harvest_sources_reindex`: the repairs in
  `source_reindex` (ckanext-harvest 1.6.3 on CKAN 2.12).
"""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ..harvest.finished_jobs import announce_finished, running_jobs
from ..harvest.job_counts import count_unchanged
from ..harvest.locks import advisory_lock
from ..planning import site_state
from ..planning.source_config import ConfigError, configured_source_name, parse_source_config
from ..planning.source_rights import save_problem
from ..sources.errors import SourceError
from ..sources.http_fetch import refuse_credentials
from .source_reindex import harvest_source_create, harvest_source_reindex, harvest_sources_reindex

__all__ = [
    "harvest_job_create",
    "harvest_job_list",
    "harvest_job_show",
    "harvest_jobs_run",
    "harvest_source_create",
    "harvest_source_reindex",
    "harvest_source_show_status",
    "harvest_sources_reindex",
    "package_create",
    "package_update",
]


def _check_save(action: str, context, data_dict: dict[str, Any]) -> None:
    if data_dict.get("type") != "harvest" or data_dict.get("source_type") != "syncsource":
        return
    tk.check_access(action, context, data_dict)
    try:
        refuse_credentials(data_dict.get("url") or "")
    except SourceError as e:
        raise tk.ValidationError({"url": [str(e)]}) from e
    try:
        problem = save_problem(context, parse_source_config(data_dict.get("config")), data_dict)
    except ConfigError:
        problem = ""  # reported by the harvester's validate_config, with every bad key
    if problem:
        raise tk.ValidationError({"config": [problem]})
    _check_source_name(data_dict)


def _check_source_name(data_dict: dict[str, Any]) -> None:
    own_id = data_dict.get("id")
    if not own_id and data_dict.get("name"):
        own_id = site_state.package_id_by_name(data_dict["name"])
    source_name = configured_source_name(data_dict.get("config")) or data_dict.get("name")
    if source_name and site_state.other_sources_named(source_name, own_id):
        raise tk.ValidationError(
            {
                "config": [
                    f"source_name {source_name!r} is already used by another syncsource harvest "
                    'source; set a different "source_name" in the config'
                ]
            }
        )


@tk.chained_action
def harvest_job_create(up_func, context, data_dict):
    source_id = data_dict.get("source_id")
    with advisory_lock(f"syncsource-job-create:{source_id}", wait=True):
        return up_func(context, data_dict)


@tk.chained_action
def harvest_jobs_run(up_func, context, data_dict):
    running = running_jobs(data_dict.get("source_id"))
    result = up_func(context, data_dict)
    announce_finished(running)
    return result


@tk.chained_action
def package_create(up_func, context, data_dict):
    _check_save("package_create", context, data_dict)
    return up_func(context, data_dict)


@tk.chained_action
def package_update(up_func, context, data_dict):
    _check_save("package_update", context, data_dict)
    return up_func(context, data_dict)


@tk.chained_action
@tk.side_effect_free
def harvest_job_show(up_func, context, data_dict):
    return count_unchanged(up_func(context, data_dict))


@tk.chained_action
@tk.side_effect_free
def harvest_job_list(up_func, context, data_dict):
    return [count_unchanged(job) for job in up_func(context, data_dict)]


@tk.chained_action
@tk.side_effect_free
def harvest_source_show_status(up_func, context, data_dict):
    status = up_func(context, data_dict)
    if status.get("last_job"):
        count_unchanged(status["last_job"])
    return status
