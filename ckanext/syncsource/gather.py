"""The gather stage: read the whole source, sync organizations and groups, plan the datasets,
and store one harvest object per dataset write.

Nothing is written before the source has been read to its end, so a source that cannot be read
completely changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from ckan import model
from ckanext.harvest.model import HarvestObject, HarvestObjectError, HarvestObjectExtra

from . import ckan_state
from .core.datasets_plan import DatasetCreate, DatasetDelete, DatasetPlan, plan_datasets
from .core.delete_guard import guard_deletes
from .core.errors import InvalidObject
from .core.fingerprint import sync_fingerprint
from .core.groups_plan import plan_groups
from .core.model import ObjectError, SourceEntry
from .core.normalize import normalize_dataset
from .group_sync import apply_group_plan
from .leftover_objects import close_leftover_objects
from .locks import advisory_lock
from .run_summary import load_summary, save_summary
from .site_settings import max_name_tries, reader_settings
from .source_config import ConfigError, SourceConfig, parse_source_config
from .sources import SourceError, open_source
from .staging import DatasetSpool

log = logging.getLogger(__name__)

STATUS_EXTRA = "syncsource_status"


class GatherFailed(Exception):
    """The job cannot go on; the message is recorded as a gather error."""


@dataclass
class SourceRead:
    organizations: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    entries: list[SourceEntry] = field(default_factory=list)
    invalid: list[ObjectError] = field(default_factory=list)


def gather(job, user: str, report: Callable[[str], None]) -> list[str]:
    """Run the gather stage of `job`; returns the ids of the harvest objects to fetch.

    `report` records a gather error (shown on the job page) without failing the job.
    """
    source = job.source
    try:
        config = parse_source_config(source.config)
    except ConfigError as e:
        raise GatherFailed(f"Invalid source config: {e}") from e
    source_name = ckan_state.source_name_of(source.id, config.source_name)
    _check_source_name_is_unique(source.id, source_name)

    with advisory_lock(f"syncsource-gather:{source.id}") as locked:
        if not locked:
            raise GatherFailed("Another gather of this harvest source is running")
        waiting = _objects_of_job(job.id)
        if waiting is not None:
            log.info("Job %s was gathered before (message delivered twice); re-queueing", job.id)
            return waiting
        closed = close_leftover_objects(source.id)
        if closed:
            log.warning("Closed %d objects left by finished jobs of source %s", closed, source.id)
        with DatasetSpool() as spool:
            read = _read_source(source.url, config, spool)
            return _plan_and_store(job, source_name, config, read, spool, user, report)


def _check_source_name_is_unique(source_id: str, source_name: str) -> None:
    others = [
        other
        for other in ckan_state.sources_using_name(source_name, configured_source_name)
        if other != source_id
    ]
    if others:
        raise GatherFailed(
            f"source_name {source_name!r} is also used by harvest source(s) {', '.join(others)}; "
            "each syncsource source needs its own source_name"
        )


def configured_source_name(config_text: str | None) -> str | None:
    try:
        return parse_source_config(config_text).source_name
    except ConfigError:
        return None


def _objects_of_job(job_id: str) -> list[str] | None:
    """None for a job not gathered yet, else the ids of its objects still waiting.

    A job whose plan had nothing to write has no objects, but its summary tells it was gathered.
    """
    rows = model.Session.execute(
        sa.select(HarvestObject.id, HarvestObject.state).where(
            HarvestObject.harvest_job_id == job_id
        )
    ).all()
    if not rows and load_summary(job_id) is None:
        return None
    return [object_id for object_id, state in rows if state == "WAITING"]


def _read_source(url: str, config: SourceConfig, spool: DatasetSpool) -> SourceRead:
    read = SourceRead()
    try:
        with open_source(
            url, config.format, reader_settings(), sqlite_tables=config.sqlite_tables
        ) as records:
            for record in records:
                if record.kind == "organization":
                    read.organizations[record.key] = record.obj
                elif record.kind == "group":
                    read.groups[record.key] = record.obj
                else:
                    _read_dataset(record.key, record.obj, config, spool, read)
    except SourceError as e:
        raise GatherFailed(f"The source could not be read, nothing was changed: {e}") from e
    return read


def _read_dataset(
    source_id: str, obj: dict, config: SourceConfig, spool: DatasetSpool, read: SourceRead
) -> None:
    try:
        canonical = normalize_dataset(obj)
    except InvalidObject as e:
        read.invalid.append(ObjectError(source_id, f"dataset {source_id!r}: {e}"))
        return
    read.entries.append(
        SourceEntry(
            source_id, canonical.get("name", ""), sync_fingerprint(canonical, config.options)
        )
    )
    spool.add(source_id, canonical)


def _plan_and_store(
    job,
    source_name: str,
    config: SourceConfig,
    read: SourceRead,
    spool: DatasetSpool,
    user: str,
    report: Callable[[str], None],
) -> list[str]:
    existing = ckan_state.owned_datasets(job.source.id, source_name)
    active = sum(1 for entry in existing if entry.state == "active")
    if not read.entries and not read.invalid and active:
        raise GatherFailed(
            f"The source has no datasets while CKAN holds {active} of its datasets: nothing was "
            "deleted. If the catalogue really is empty now, clear the harvest source."
        )

    org_ids, org_errors = apply_group_plan(
        plan_groups(
            "organization",
            read.organizations,
            ckan_state.existing_groups("organization", read.organizations),
            config.options.organization_merge_strategy,
        ),
        user,
    )
    group_ids, group_errors = apply_group_plan(
        plan_groups(
            "group",
            read.groups,
            ckan_state.existing_groups("group", read.groups),
            config.options.group_merge_strategy,
        ),
        user,
    )
    for error in org_errors + group_errors:
        report(error.reason)

    plan = plan_datasets(
        read.entries,
        existing,
        ckan_state.name_checker(entry.name for entry in read.entries),
        max_name_tries(),
        invalid=read.invalid,
    )
    unsafe_deletes = guard_deletes(plan, config.delete_limit)
    if unsafe_deletes:
        report(unsafe_deletes)
    ids = _store_objects(job, plan, spool, org_ids, group_ids)
    save_summary(job, plan)
    log.info(
        "Job %s planned: %d to create, %d to update, %d to delete, %d unchanged, %d errors",
        job.id,
        len(plan.creates),
        len(plan.updates),
        len(plan.deletes),
        len(plan.unchanged),
        len(plan.errors),
    )
    return ids


def _store_objects(
    job,
    plan: DatasetPlan,
    spool: DatasetSpool,
    org_ids: dict[str, str],
    group_ids: dict[str, str],
) -> list[str]:
    """Insert all objects of the run in one transaction: a crash leaves all or none."""
    ids = []
    for step in plan.steps():
        harvest_object = HarvestObject(
            guid=step.source_id,
            job=job,
            harvest_source_id=job.source.id,
            state="WAITING",
        )
        if isinstance(step, DatasetDelete):
            status = "delete"
            harvest_object.package_id = step.package_id
        else:
            status = "create" if isinstance(step, DatasetCreate) else "update"
            if status == "update":
                harvest_object.package_id = step.package_id
            harvest_object.content = _object_content(step, spool, org_ids, group_ids)
        harvest_object.extras = [HarvestObjectExtra(key=STATUS_EXTRA, value=status)]
        model.Session.add(harvest_object)
        ids.append(harvest_object)
    for error in plan.errors:
        errored = HarvestObject(
            guid=error.key,
            job=job,
            harvest_source_id=job.source.id,
            state="ERROR",
            report_status="errored",
        )
        model.Session.add(errored)
        model.Session.add(HarvestObjectError(object=errored, message=error.reason, stage="Gather"))
    model.Session.commit()
    return [harvest_object.id for harvest_object in ids]


def _object_content(step, spool: DatasetSpool, org_ids, group_ids) -> str:
    """What import needs for one create or update: the canonical dataset, the name chosen for
    a create, the fingerprint to record, and the CKAN ids of the keys it names."""
    dataset = json.loads(spool.get_text(step.source_id))
    owner = dataset.get("owner_org")
    keys = {group["name"] for group in dataset.get("groups", ())}
    return json.dumps(
        {
            "dataset": dataset,
            "name": step.name,
            "fingerprint": step.fingerprint,
            "org_ids": {owner: org_ids[owner]} if owner in org_ids else {},
            "group_ids": {key: group_ids[key] for key in keys if key in group_ids},
        },
        ensure_ascii=False,
    )
