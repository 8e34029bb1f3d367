"""When a syncsource job has finished: commit the search index, tell the `ISyncSource` plugins.

ckanext-harvest marks a job Finished inside `harvest_jobs_run` (the job runner, every few
seconds) and offers no hook: the syncsource jobs running before the call and Finished after it
are the ones that just ended.
"""

from __future__ import annotations

import logging

import ckan.plugins as p
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model
from ckanext.harvest.model import HarvestJob, HarvestSource

from ..interfaces import ISyncSource
from .index_commits import commit_index, deferring

log = logging.getLogger(__name__)


def running_jobs(source_id: str | None) -> list[str]:
    """Ids of the running jobs of syncsource sources (of `source_id` only, when given)."""
    query = (
        sa.select(HarvestJob.id)
        .join(HarvestSource, HarvestSource.id == HarvestJob.source_id)
        .where(HarvestJob.status == "Running", HarvestSource.type == "syncsource")
    )
    if source_id:
        query = query.where(HarvestSource.id == source_id)
    return list(model.Session.execute(query).scalars())


def announce_finished(job_ids: list[str]) -> None:
    """Commit the index of the jobs that are now Finished, and call `after_sync` for each."""
    if not job_ids:
        return
    finished = (
        model.Session.execute(
            sa.select(HarvestJob.id).where(
                HarvestJob.id.in_(job_ids), HarvestJob.status == "Finished"
            )
        )
        .scalars()
        .all()
    )
    if finished and deferring():
        commit_index()
    listeners = list(p.PluginImplementations(ISyncSource))
    for job_id in finished if listeners else ():
        job = tk.get_action("harvest_job_show")({"ignore_auth": True}, {"id": job_id})
        for plugin in listeners:
            try:
                plugin.after_sync(job, dict(job.get("stats") or {}))
            except Exception:
                # A plugin's fault must not stop the job runner from finishing other jobs.
                log.exception("after_sync of plugin %s failed for job %s", plugin.name, job_id)
