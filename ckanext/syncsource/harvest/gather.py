"""The gather stage: plan the run (see `run_plan`), sync organizations and groups, and store
one harvest object per dataset write.

Nothing is written before the source has been read to its end, so a source that cannot be read
completely changes nothing.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa
from ckan import model
from ckanext.harvest.model import HarvestObject, HarvestObjectError, HarvestObjectExtra

from ..core.datasets_plan import DatasetCreate, DatasetDelete
from ..planning import site_state
from ..planning.dataset_spool import DatasetSpool
from ..planning.harvest_objects import STATUS_EXTRA, PlannedWrite, Status
from ..planning.resolved_source import ConfigError, ResolvedSource, resolve_source
from ..planning.run_plan import PlanFailed, RunPlan, plan_run
from ..planning.source_rights import SourceRights, privileged_problem, source_rights, within_rights
from .groups_sync import apply_group_plan
from .index_ghosts import remove_index_ghosts
from .job_counts import load_counts, save_counts
from .leftover_objects import close_leftover_objects
from .locks import advisory_lock
from .source_versions import record_source_versions

log = logging.getLogger(__name__)


class GatherFailed(Exception):
    """The job cannot go on; the message is recorded as a gather error."""


@dataclass
class Gathered:
    object_ids: list[str]
    """The harvest objects to fetch."""
    problems: list[str] = field(default_factory=list)
    """Errors for the job page; the job goes on."""


def gather(job, user: str) -> Gathered:
    """Run the gather stage of `job`."""
    try:
        source = resolve_source(job.source)
    except ConfigError as e:
        raise GatherFailed(f"Invalid source config: {e}") from e
    _check_source_name_is_unique(source)
    rights = source_rights(source.id)
    problem = privileged_problem(source.config, source.name, rights)
    if problem:
        raise GatherFailed(f"The source config needs more rights than the source has: {problem}")

    # ckanext-harvest resubmits a gather message not acknowledged in time, so two consumers can
    # hold the same job: the second waits for the first, then finds the job gathered.
    with advisory_lock(f"syncsource-gather:{source.id}", wait=True):
        waiting = _objects_of_job(job.id)
        if waiting is not None:
            log.info("Job %s was gathered before (message delivered twice); re-queueing", job.id)
            return Gathered(waiting)
        closed = close_leftover_objects(source.id)
        if closed:
            log.warning("Closed %d objects left by finished jobs of source %s", closed, source.id)
        ghosts = remove_index_ghosts(source.id)
        if ghosts:
            log.warning(
                "Removed %d search index entries of source %s with no dataset", ghosts, source.id
            )
        with DatasetSpool() as spool:
            return _plan_and_store(job, source, rights, spool, user)


def _check_source_name_is_unique(source: ResolvedSource) -> None:
    others = site_state.other_sources_named(source.source_name, source.id)
    if others:
        raise GatherFailed(
            f"source_name {source.source_name!r} is also used by harvest source(s) "
            f"{', '.join(others)}; each syncsource source needs its own source_name"
        )


def _objects_of_job(job_id: str) -> list[str] | None:
    """None for a job not gathered yet, else the ids of its objects still waiting.

    A job whose plan had nothing to write has no objects, but its summary tells it was gathered.
    """
    rows = model.Session.execute(
        sa.select(HarvestObject.id, HarvestObject.state).where(
            HarvestObject.harvest_job_id == job_id
        )
    ).all()
    if not rows and load_counts(job_id) is None:
        return None
    return [object_id for object_id, state in rows if state == "WAITING"]


def _plan_and_store(
    job, source: ResolvedSource, rights: SourceRights, spool: DatasetSpool, user: str
) -> Gathered:
    try:
        run = plan_run(source, spool)
    except PlanFailed as e:
        raise GatherFailed(str(e)) from e
    if run.refused:
        raise GatherFailed(run.refused)
    org_ids, org_errors = apply_group_plan(within_rights(run.organizations, rights), user)
    group_ids, group_errors = apply_group_plan(within_rights(run.groups, rights), user)
    plan = run.datasets
    problems = [error.reason for error in org_errors + group_errors]
    warnings = [copy.warning() for copy in plan.ignored] + run.warnings
    for warning in warnings:
        log.warning("Job %s: %s", job.id, warning)
    record_source_versions(source.id, run.versions_to_record)
    ids = _store_objects(job, run, spool, org_ids, group_ids)
    save_counts(job, plan, warnings)
    log.info(
        "Job %s planned: %d to create, %d to update, %d to delete, %d unchanged, %d errors",
        job.id,
        len(plan.creates),
        len(plan.updates),
        len(plan.deletes),
        len(plan.unchanged),
        len(plan.errors),
    )
    return Gathered(ids, problems)


def _store_objects(
    job, run: RunPlan, spool: DatasetSpool, org_ids: dict[str, str], group_ids: dict[str, str]
) -> list[str]:
    """Insert all objects of the run in one transaction, so a crash leaves all or none.

    Rows go in batches of Core inserts: memory holds their ids, not a hundred thousand ORM
    objects with their content.
    """
    ids: list[str] = []
    batch = _ObjectBatch(job)
    plan = run.datasets
    for step in plan.steps():
        if isinstance(step, DatasetDelete):
            status, content = "delete", None
        else:
            status = "create" if isinstance(step, DatasetCreate) else "update"
            content = _object_content(step, spool, org_ids, group_ids, run)
        package_id = None if isinstance(step, DatasetCreate) else step.package_id
        ids.append(batch.add(step.source_id, "WAITING", package_id, content, status=status))
    for error in plan.errors:
        batch.add(error.key, "ERROR", None, None, error=error.reason)
    batch.flush()
    model.Session.commit()
    return ids


class _ObjectBatch:
    """Harvest objects (with their status extra or gather error) waiting to be inserted."""

    SIZE = 1000

    def __init__(self, job) -> None:
        self._job = job
        self._objects: list[dict] = []
        self._extras: list[dict] = []
        self._errors: list[dict] = []

    def add(
        self,
        guid: str,
        state: str,
        package_id: str | None,
        content: str | None,
        status: Status | None = None,
        error: str | None = None,
    ) -> str:
        object_id = str(uuid.uuid4())
        self._objects.append(
            {
                "id": object_id,
                "guid": guid,
                "state": state,
                "package_id": package_id,
                "content": content,
                "harvest_job_id": self._job.id,
                "harvest_source_id": self._job.source.id,
                "report_status": "errored" if error else None,
            }
        )
        if status:
            self._extras.append(
                {"harvest_object_id": object_id, "key": STATUS_EXTRA, "value": status}
            )
        if error:
            self._errors.append(
                {"harvest_object_id": object_id, "message": error, "stage": "Gather"}
            )
        if len(self._objects) >= self.SIZE:
            self.flush()
        return object_id

    def flush(self) -> None:
        for table, rows in (
            (HarvestObject.__table__, self._objects),
            (HarvestObjectExtra.__table__, self._extras),
            (HarvestObjectError.__table__, self._errors),
        ):
            if rows:
                model.Session.execute(table.insert(), rows)
                rows.clear()


def _object_content(step, spool: DatasetSpool, org_ids, group_ids, run: RunPlan) -> str:
    dataset = json.loads(spool.get_text(step.source_id))
    owner = dataset.get("owner_org")
    keys = {group["name"] for group in dataset.get("groups", ())}
    return PlannedWrite(
        dataset=dataset,
        name=step.name,
        fingerprint=step.fingerprint,
        org_ids={owner: org_ids[owner]} if owner in org_ids else {},
        group_ids={key: group_ids[key] for key in keys if key in group_ids},
        frees=step.frees if isinstance(step, DatasetCreate) else None,
        displaces=step.displaces,
        marker_extra=run.marker_extra,
        source_version=run.source_versions.get(step.source_id),
    ).encode()
