"""Private source datasets stay private: synced, searchable only by those who may see them."""

from __future__ import annotations

from ckan.tests import helpers

from ..harvest_runner import job_errors, run_job
from .catalogue import dataset, datasets
from .conftest import SOURCE_NAME
from .site_view import assert_site_matches, expected, modified_stamps, show, stats


def test_private_datasets_are_synced_private_and_rerun_unchanged(catalogue, make_source):
    catalogue.datasets = {**datasets("public"), "hidden": dataset("hidden", private=True)}
    source = make_source()

    job = run_job(source["id"])

    assert (stats(job)["added"], job_errors(job["id"])) == (2, [])
    assert show("ds-hidden")["private"] is True
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
    anonymous = helpers.call_action("package_search", {"user": ""}, q="*:*")["results"]
    assert [result["name"] for result in anonymous] == ["ds-public"]
    before = modified_stamps()
    assert stats(run_job(source["id"]))["not modified"] == 2
    assert modified_stamps() == before

    catalogue.datasets["hidden"]["private"] = False
    catalogue.write()
    assert stats(run_job(source["id"]))["updated"] == 1
    assert show("ds-hidden")["private"] is False
