"""A job's plan counts are kept once per job, and fold into ckanext-harvest's statistics."""

from __future__ import annotations

import pytest
from ckan.tests import helpers
from ckanext.harvest.model import HarvestJob

from ckanext.syncsource.core.datasets_plan import DatasetPlan, DatasetUnchanged
from ckanext.syncsource.harvest.job_counts import load_counts, save_counts

from .harvest_runner import create_source, sysadmin_context

pytestmark = pytest.mark.usefixtures("stack")


def plan_with_unchanged(count: int) -> DatasetPlan:
    return DatasetPlan(unchanged=[DatasetUnchanged(f"s{i}", f"p{i}") for i in range(count)])


def test_saving_a_jobs_summary_again_replaces_it(write_catalogue):
    source = create_source(write_catalogue())
    job = helpers.call_action("harvest_job_create", sysadmin_context(), source_id=source["id"])
    job_obj = HarvestJob.get(job["id"])

    save_counts(job_obj, plan_with_unchanged(3))
    save_counts(job_obj, plan_with_unchanged(7))

    assert load_counts(job["id"])["unchanged"] == 7
    shown = helpers.call_action("harvest_job_show", sysadmin_context(), id=job["id"])
    assert shown["stats"]["not modified"] == 7
