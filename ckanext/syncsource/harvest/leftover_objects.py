"""Harvest objects left behind by a job that finished before they were imported.

A worker that died, or a job that `ckanext.harvest.timeout` finished, leaves objects WAITING;
`harvest_jobs_run` re-sends every WAITING object to the fetch queue, so they may arrive after a
newer job synced the same datasets. Their content is stale: they are closed as errors instead
of being applied, and the next job (which plans from the current state) takes care of them.
"""

from __future__ import annotations

from ckan import model
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectError

LEFT_BY_FINISHED_JOB = (
    "Not imported: its job finished before this object was imported (a worker died or the job "
    "timed out); a later job syncs this dataset from the source as it is then"
)
_UNFINISHED_STATES = ("WAITING", "FETCH", "IMPORT")


def is_left_by_finished_job(harvest_object: HarvestObject) -> bool:
    return harvest_object.job is not None and harvest_object.job.status == "Finished"


def close_leftover_objects(harvest_source_id: str) -> int:
    """Mark the unfinished objects of the source's finished jobs as errors; returns how many."""
    leftovers = (
        model.Session.query(HarvestObject)
        .join(HarvestJob, HarvestJob.id == HarvestObject.harvest_job_id)
        .filter(
            HarvestObject.harvest_source_id == harvest_source_id,
            HarvestObject.state.in_(_UNFINISHED_STATES),
            HarvestJob.status == "Finished",
        )
        .all()
    )
    for harvest_object in leftovers:
        harvest_object.state = "ERROR"
        harvest_object.report_status = "errored"
        harvest_object.current = False
        model.Session.add(
            HarvestObjectError(object=harvest_object, message=LEFT_BY_FINISHED_JOB, stage="Import")
        )
    model.Session.commit()
    return len(leftovers)
