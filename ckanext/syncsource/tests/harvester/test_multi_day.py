"""Several days of one source: after each job the site holds exactly the source's datasets,
in the database and in the search index, and the job's counts say what happened."""

from __future__ import annotations

import pytest
from ckan.tests import helpers

from ..harvest_runner import job_errors, run_job
from .catalogue import dataset, datasets, org
from .conftest import SOURCE_NAME
from .site_view import assert_site_matches, expected, show, stats

pytestmark = pytest.mark.usefixtures("stack")


def _day(source, catalogue, **counts) -> dict:
    catalogue.write()
    job = run_job(source["id"])
    assert job_errors(job["id"]) == []
    wanted = {"added": 0, "updated": 0, "deleted": 0, "errored": 0}
    wanted["not modified"] = counts.pop("unchanged")
    wanted.update(counts)
    assert stats(job) == wanted
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
    return job


def test_a_source_over_five_days(catalogue, make_source):
    catalogue.organizations["org-b"] = org("Organization B")
    catalogue.groups = {"grp-1": org("Group 1")}
    catalogue.datasets = {
        **datasets("s01", "s02", "s03", "s04", groups=("grp-1",)),
        **datasets("s05", "s06", "s07", "s08", org="org-b", resources=2),
    }
    source = make_source()
    _day(source, catalogue, added=8, unchanged=0)
    first_ids = {key: show(f"ds-{key}")["id"] for key in ("s01", "s03")}

    # Day 2: three datasets are added.
    catalogue.datasets.update(datasets("s09", "s10", "s11", org="org-b"))
    _day(source, catalogue, added=3, unchanged=8)

    # Day 3: two are removed, two modified (a title; a resource URL and a new resource).
    del catalogue.datasets["s01"], catalogue.datasets["s02"]
    catalogue.datasets["s03"]["title"] = "Dataset s03, corrected"
    s04 = catalogue.datasets["s04"]
    s04["resources"][0]["url"] = "https://data.example.org/s04/moved.csv"
    s04["resources"].append({"id": "s04-new", "name": "Extra", "url": "https://x.example/e.csv"})
    _day(source, catalogue, deleted=2, updated=2, unchanged=7)
    assert show(first_ids["s01"])["state"] == "deleted"
    assert show("ds-s03")["id"] == first_ids["s03"]

    # Day 4: a new organization and group, a dataset in them, one dataset joins the new group.
    catalogue.organizations["org-c"] = org("Organization C")
    catalogue.groups["grp-2"] = org("Group 2")
    catalogue.datasets["s12"] = dataset("s12", org="org-c", groups=("grp-2",))
    catalogue.datasets["s05"]["groups"] = ["grp-2"]
    _day(source, catalogue, added=1, updated=1, unchanged=8)
    assert helpers.call_action("organization_show", id="org-c")["package_count"] == 1
    assert sorted(g["name"] for g in show("ds-s05")["groups"]) == ["grp-2"]

    # Day 5: a removed dataset comes back: its old CKAN dataset is revived, same id and name.
    catalogue.datasets["s01"] = dataset("s01", groups=("grp-1",))
    _day(source, catalogue, updated=1, unchanged=10)
    revived = show("ds-s01")
    assert (revived["id"], revived["state"]) == (first_ids["s01"], "active")

    # Day 6: nothing changed at the source.
    _day(source, catalogue, unchanged=11)
