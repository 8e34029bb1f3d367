"""The import stage: apply one planned dataset step through CKAN's actions.

Every step is idempotent under a per-dataset lock, because ckanext-harvest can deliver a fetch
message twice and several consumers run at once: a create that finds the dataset already made
(by an earlier delivery) becomes an update, and an update that changes nothing writes nothing.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model
from ckanext.harvest.model import HarvestObject, HarvestObjectExtra

from ..core.errors import InvalidObject, describe_ckan_error
from ..core.merge import differs, renamed
from ..core.names import cut_name, name_for_create, name_for_rename
from ..planning import site_state
from ..planning.harvest_objects import (
    FINGERPRINT_EXTRA,
    OUTCOME_EXTRA,
    SOURCE_VERSION_EXTRA,
    STATUS_EXTRA,
    SYNCED_MODIFIED_EXTRA,
    PlannedWrite,
    object_extra,
)
from ..planning.site_merge import merge_for_site
from ..planning.site_settings import max_name_tries
from ..planning.source_rights import dataset_write_problem
from .index_commits import without_index_commit
from .job_source import JobSource, job_source
from .leftover_objects import LEFT_BY_FINISHED_JOB, is_left_by_finished_job
from .locks import advisory_lock

log = logging.getLogger(__name__)


_OUTCOMES: dict[str, bool | str] = {
    "added": True,
    "updated": True,
    "deleted": True,
    "not modified": "unchanged",
    "errored": False,
}
"""The import stage's return value for each report status ckanext-harvest derives from it."""


class ImportFailed(Exception):
    """The step failed; the message (with CKAN's validation errors) goes on the object."""


def import_object(harvest_object: HarvestObject, user: str, forced: bool = False) -> bool | str:
    """Apply the object's step; True when CKAN was written, 'unchanged' when not needed.

    `forced` (`ckan harvester import`, which re-imports the current objects of finished jobs)
    applies the step again, where a queue message for an object already imported would not.
    """
    if not forced and is_left_by_finished_job(harvest_object):
        raise ImportFailed(LEFT_BY_FINISHED_JOB)
    status = object_extra(harvest_object, STATUS_EXTRA)
    job = job_source(harvest_object)
    lock = advisory_lock(f"syncsource-dataset:{job.source.marker(harvest_object.guid)}", wait=True)
    with lock, without_index_commit():
        earlier = _earlier_outcome(harvest_object)
        if not forced and earlier is not None:
            # Delivered again after an import that finished: report what that import did.
            return earlier
        if status == "delete":
            return _delete(harvest_object, job, user)
        step = PlannedWrite.decode(harvest_object.content)
        return _create_or_update(harvest_object, step, job, user)


def _earlier_outcome(harvest_object: HarvestObject) -> bool | str | None:
    """What an earlier import of the object returned, if one finished (as committed now).

    ckanext-harvest records the report status only after the import returns (after the lock),
    so a second delivery waiting on the lock would find none and report the dataset the first
    one wrote as "not modified"; the outcome is also kept under the lock.
    """
    report_status, kept = model.Session.execute(
        sa.select(HarvestObject.report_status, HarvestObjectExtra.value)
        .outerjoin(
            HarvestObjectExtra,
            sa.and_(
                HarvestObjectExtra.harvest_object_id == HarvestObject.id,
                HarvestObjectExtra.key == OUTCOME_EXTRA,
            ),
        )
        .where(HarvestObject.id == harvest_object.id)
    ).first()
    if report_status in _OUTCOMES:
        return _OUTCOMES[report_status]
    return {"written": True, "unchanged": "unchanged"}.get(kept)


def _remember_outcome(harvest_object: HarvestObject, outcome: bool | str) -> None:
    """Keep the outcome on the object (not committed): each step commits it with its own
    writes, so an outcome is kept exactly when what it reports was committed."""
    value = "unchanged" if outcome == "unchanged" else "written"
    kept = next((extra for extra in harvest_object.extras if extra.key == OUTCOME_EXTRA), None)
    if kept is None:
        harvest_object.extras.append(HarvestObjectExtra(key=OUTCOME_EXTRA, value=value))
    else:
        kept.value = value


def _delete(harvest_object: HarvestObject, job: JobSource, user: str) -> bool:
    package = model.Package.get(harvest_object.package_id)
    if package is not None and package.state != "deleted":
        _check_delete_rights(harvest_object, job, package)
        tk.get_action("package_delete")(_context(user), {"id": package.id})
    _set_only_current(harvest_object, current=False)
    _remember_outcome(harvest_object, True)
    harvest_object.save()
    return True


def _create_or_update(
    harvest_object: HarvestObject, step: PlannedWrite, job: JobSource, user: str
) -> bool | str:
    """Steps that may rename one of the source's datasets (theirs, or the one whose name they
    take) run under the source's names lock, so a dataset is never moved off a name between
    another step's read of it and its write; they take it after their dataset's lock, and no
    holder of it waits for a dataset's lock, so consumers cannot deadlock."""
    if step.displaces or step.name != cut_name(step.dataset["name"]):
        with advisory_lock(f"syncsource-names:{harvest_object.harvest_source_id}", wait=True):
            return _merge_and_write(harvest_object, step, job, user)
    return _merge_and_write(harvest_object, step, job, user)


def _merge_and_write(
    harvest_object: HarvestObject, step: PlannedWrite, job: JobSource, user: str
) -> bool | str:
    source = job.source
    package_id = harvest_object.package_id
    if package_id is None:
        package_id = site_state.dataset_made_for(
            harvest_object.harvest_source_id, harvest_object.guid
        )
    current = package = None
    if package_id is not None:
        show_context = _context(user, for_update=True)
        current = tk.get_action("package_show")(show_context, {"id": package_id})
        # The row package_show locked and read; held here, it stays in the session (which
        # holds its objects weakly), so its plugin_data is read below without a query.
        package = show_context["package"]
    try:
        merged = merge_for_site(
            source,
            harvest_object.guid,
            step.dataset,
            current,
            step.org_ids,
            step.group_ids,
            name=step.name,
            marker_extra=step.marker_extra,
        )
    except InvalidObject as e:
        raise ImportFailed(f"Dataset {harvest_object.guid!r}: {e}") from e
    marker = source.marker(harvest_object.guid)
    if step.displaces and (current is None or merged["name"] != current["name"]):
        _displace(harvest_object, job, step.displaces, merged["name"], user)
    if current is not None and merged["name"] != current["name"]:
        merged = renamed(
            merged, step.dataset, _free_name(merged["name"], current["id"], current["name"])
        )

    if (
        current is not None
        and not differs(merged, current)
        and site_state.stored_marker(current["id"]) in (marker, None)
    ):
        _make_current(harvest_object, current["id"])
        _record_sync(harvest_object, step, current["metadata_modified"])
        _remember_outcome(harvest_object, "unchanged")
        harvest_object.save()
        return "unchanged"
    # The write sets metadata_modified to the time recorded beside the fingerprint, so the
    # record goes into the transaction the action commits: no second commit, no re-read.
    _check_rights(harvest_object, job, current, merged)
    synced_at = datetime.datetime.utcnow().isoformat()
    merged["metadata_modified"] = synced_at
    if current is None:
        if step.frees:
            _delete_replaced(harvest_object, job, step.frees, user)
        merged = renamed(merged, step.dataset, _free_name(merged["name"], step.frees))
        merged["id"] = str(uuid.uuid4())
        model.Session.execute(sa.text("SET CONSTRAINTS harvest_object_package_id_fkey DEFERRED"))
    merged["plugin_data"] = site_state.plugin_data_with_marker(package, marker)
    _make_current(harvest_object, merged["id"], new=current is None)
    _record_sync(harvest_object, step, synced_at)
    _remember_outcome(harvest_object, True)
    if current is None:
        _write("package_create", merged, user)
    else:
        # CKAN 2.12 would read the dataset again (a whole package_show) for what it already is.
        _write("package_update", merged, user, original_package=current)
    stored_modified, stored_marker = site_state.stored_modified_and_marker(merged["id"])
    _record_stored_modified(harvest_object, step, stored_modified, synced_at)
    if stored_marker != marker:
        log.warning(
            "Dataset %s: the site kept no ownership marker %r (its schema or plugins dropped "
            "it); the harvest object still links the dataset",
            merged["id"],
            marker,
        )
    return True


def _check_rights(harvest_object: HarvestObject, job: JobSource, current, merged) -> None:
    problem = dataset_write_problem(job.rights, current, merged)
    if problem:
        raise ImportFailed(f"Dataset {harvest_object.guid!r}: {problem}")


def _check_delete_rights(
    harvest_object: HarvestObject, job: JobSource, package: model.Package
) -> None:
    current = {"owner_org": package.owner_org, "type": package.type}
    _check_rights(harvest_object, job, current, None)


def _make_current(harvest_object: HarvestObject, package_id: str, new: bool = False) -> None:
    """Link the object to the dataset as its current one in the transaction the action commits,
    so the dataset is indexed with this object (ckanext-harvest's index extras name it). No
    other object can link a `new` dataset (its id was just made), so none is unset."""
    harvest_object.package_id = package_id
    if new:
        harvest_object.current = True
        model.Session.add(harvest_object)
    else:
        _set_only_current(harvest_object, current=True)


def _write(action: str, data: dict[str, Any], user: str, **context: Any) -> None:
    try:
        tk.get_action(action)(_context(user, **context), data)
    except tk.ValidationError as e:
        model.Session.rollback()
        raise ImportFailed(
            f"CKAN refused the dataset ({action}): {describe_ckan_error(e.error_dict, data)}"
        ) from e


def _delete_replaced(
    harvest_object: HarvestObject, job: JobSource, package_id: str, user: str
) -> None:
    """Delete the source's own dataset whose name a create takes over, when the plan deletes it
    in this job but its delete object has not run yet (consumers take objects in any order).

    Its delete object then finds it deleted. Done under the create's lock only: a concurrent
    delete of the same dataset is harmless, `package_delete` of a deleted dataset changes nothing.
    """
    package = model.Package.get(package_id)
    if package is not None and package.state == "active":
        _check_delete_rights(harvest_object, job, package)
        log.info("Deleting dataset %s first: a create of this job takes its name", package_id)
        tk.get_action("package_delete")(_context(user), {"id": package_id})


def _displace(
    harvest_object: HarvestObject, job: JobSource, package_id: str, name: str, user: str
) -> None:
    """Move the source's own dataset `package_id` off `name` to its id, when it still holds
    `name`: the plan renames it away in this job (names swapped at the source, or a deleted
    dataset coming back under another name), and its own step, before or after this one,
    gives it its new name. A deleted one is moved too: it holds its name in the table, and a
    `package_update` to that name would break the unique constraint."""
    if site_state.package_id_by_name(name) != package_id:
        return
    package = model.Package.get(package_id)
    if package is None:
        return
    _check_delete_rights(harvest_object, job, package)
    log.info("Renaming dataset %s to its id first: a step of this job takes its name", package_id)
    _write("package_patch", {"id": package_id, "name": package_id}, user)


def _free_name(wanted: str, own_id: str | None = None, current: str | None = None) -> str:
    """`wanted`, or its first suffixed form that no dataset but `own_id` holds.

    A create re-checks the planned name (something may have taken it since the plan), and may
    take the name of `own_id`, the source's deleted dataset the plan gave that name; an update
    that takes the source's name (its `current` name given) must not collide either, and keeps
    its suffixed name while `wanted` is held (`name_for_rename`).
    """

    def taken(name: str) -> bool:
        holder = site_state.package_id_by_name(name)
        return holder is not None and holder != own_id

    if current is None:
        name = name_for_create(wanted, taken, max_name_tries())
    else:
        name = name_for_rename(wanted, current, taken, max_name_tries())
    if name is None:
        raise ImportFailed(f"No free dataset name: {wanted!r} and its suffixed forms are taken")
    return name


def _record_sync(harvest_object: HarvestObject, step: PlannedWrite, modified: str) -> None:
    """Record on the object what was synced, what it was read from, and the dataset's
    metadata_modified after it (not committed)."""
    values = {
        FINGERPRINT_EXTRA: step.fingerprint,
        SYNCED_MODIFIED_EXTRA: modified,
    }
    if step.source_version:
        values[SOURCE_VERSION_EXTRA] = step.source_version
    for extra in harvest_object.extras:
        if extra.key in values:
            extra.value = values.pop(extra.key)
    for key, value in values.items():
        harvest_object.extras.append(HarvestObjectExtra(key=key, value=value))


def _record_stored_modified(
    harvest_object: HarvestObject, step: PlannedWrite, stored: str | None, sent: str
) -> None:
    """CKAN 2.11 sets metadata_modified itself on every write (2.12 keeps the one sent): record
    the one it stored, or the next job would not trust the fingerprint."""
    if stored is not None and stored != sent:
        _record_sync(harvest_object, step, stored)
        harvest_object.save()


def _set_only_current(harvest_object: HarvestObject, current: bool) -> None:
    """Set the object's `current` and unset it on the source's other objects of the dataset
    (not committed)."""
    model.Session.execute(
        sa.update(HarvestObject)
        .where(
            HarvestObject.harvest_source_id == harvest_object.harvest_source_id,
            HarvestObject.package_id == harvest_object.package_id,
            HarvestObject.id != harvest_object.id,
            # Not the bare column: SQLAlchemy 1.4 (CKAN 2.11) cannot evaluate it in the session.
            HarvestObject.current.is_(True),
        )
        .values(current=False)
    )
    harvest_object.current = current
    model.Session.add(harvest_object)


def _context(user: str, **extra: Any) -> dict[str, Any]:
    return {"user": user, "ignore_auth": True, **extra}
