"""A scheduled source is started by `ckan harvester run`, as a cron-driven site runs it."""

from __future__ import annotations

import datetime

import pytest
from ckan.tests import helpers
from ckanext.harvest.model import HarvestSource

from ..harvest_runner import create_source, job_errors, sysadmin_context, wait_until
from .catalogue import datasets
from .conftest import SOURCE_NAME
from .queue_run import consumers, objects_done
from .site_view import assert_site_matches, expected, stats
from .stages import ckan_command

pytestmark = [pytest.mark.queues, pytest.mark.usefixtures("empty_queues")]


def _harvester_run() -> None:
    """`ckan harvester run`, the command a site's cron calls every few minutes."""
    ckan_command("harvester", "run")


def _jobs(source_id: str) -> list[dict]:
    return helpers.call_action("harvest_job_list", sysadmin_context(), source_id=source_id)


def test_a_daily_source_due_to_run_is_started_and_finished_by_harvester_run(catalogue, tmp_path):
    catalogue.datasets = datasets("s1", "s2", "s3")
    source = create_source(
        catalogue.write(), {"source_name": SOURCE_NAME}, name="scheduled-source", frequency="DAILY"
    )
    due = HarvestSource.get(source["id"])
    due.next_run = datetime.datetime.utcnow() - datetime.timedelta(minutes=5)
    due.save()

    with consumers(tmp_path):
        _harvester_run()
        [started] = wait_until(lambda: _jobs(source["id"]), what="the scheduled job")
        wait_until(lambda: objects_done(started["id"]), what="the scheduled job's objects")
        _harvester_run()

    job = helpers.call_action("harvest_job_show", sysadmin_context(), id=started["id"])
    assert (job["status"], stats(job)["added"], job_errors(job["id"])) == ("Finished", 3, [])
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
    next_run = HarvestSource.get(source["id"]).next_run
    assert next_run > datetime.datetime.utcnow() + datetime.timedelta(hours=23)
    assert len(_jobs(source["id"])) == 1
