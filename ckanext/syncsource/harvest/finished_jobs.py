"""Tell the site's `ISyncSource` plugins when a syncsource job has finished.

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

log = logging.getLogger(__name__)


def running_jobs(source_id: str | None) -> list[str]:
    """Ids of the running jobs of syncsource sources (of `source_id` only, when given); none
    when no plugin listens."""
    if not any(True for _ in p.PluginImplementations(ISyncSource)):
        return []
    query = (
        sa.select(HarvestJob.id)
        .join(HarvestSource, HarvestSource.id == HarvestJob.source_id)
        .where(HarvestJob.status == "Running", HarvestSource.type == "syncsource")
    )
    if source_id:
        query = query.where(HarvestSource.id == source_id)
    return list(model.Session.execute(query).scalars())


def announce_finished(job_ids: list[str]) -> None:
    """Call `after_sync` for each of the jobs that is now Finished."""
    if not job_ids:
        return
    finished = model.Session.execute(
        sa.select(HarvestJob.id).where(HarvestJob.id.in_(job_ids), HarvestJob.status == "Finished")
    ).scalars()
    for job_id in finished:
        job = tk.get_action("harvest_job_show")({"ignore_auth": True}, {"id": job_id})
        for plugin in p.PluginImplementations(ISyncSource):
            try:
                plugin.after_sync(job, dict(job.get("stats") or {}))
            except Exception:
                # A plugin's fault must not stop the job runner from finishing other jobs.
                log.exception("after_sync of plugin %s failed for job %s", plugin.name, job_id)
