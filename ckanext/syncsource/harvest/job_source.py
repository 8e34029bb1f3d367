"""The harvest source as the import of one job sees it: read at the job's first object in a
process, reused for its other objects, never for another job.

Resolving the source (its config and name) and its rights (who may edit it, and what each of
them may do in the organizations and groups the datasets name) would otherwise cost several
queries per dataset. A change of the source's config, organization or editors made while a job
runs therefore applies from the next job, as a config change already did for the plan. The
rights are still checked before every write, against the dataset as it is then.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from ckanext.harvest.model import HarvestObject

from ..planning.resolved_source import ResolvedSource, resolve_source
from ..planning.source_rights import SourceRights, source_rights

_KEPT_JOBS = 4
"""Jobs whose source a process keeps at once (a consumer may serve several sources' jobs)."""

_by_job: OrderedDict[str, JobSource] = OrderedDict()


@dataclass(frozen=True)
class JobSource:
    source: ResolvedSource
    rights: SourceRights


def job_source(harvest_object: HarvestObject) -> JobSource:
    """The source of the object's job; ConfigError when its config is invalid."""
    job_id = harvest_object.harvest_job_id
    kept = _by_job.get(job_id)
    if kept is None:
        kept = JobSource(
            resolve_source(harvest_object.source),
            source_rights(harvest_object.harvest_source_id),
        )
        _by_job[job_id] = kept
        while len(_by_job) > _KEPT_JOBS:
            _by_job.popitem(last=False)
    return kept
