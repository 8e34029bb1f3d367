"""The search index (and so package_show, which answers from it) names each dataset's current
harvest object."""

from __future__ import annotations

from ckan import model
from ckan.tests import helpers
from ckanext.harvest.model import HarvestObject

from ..harvest_runner import run_job, sysadmin_context
from .catalogue import datasets


def _harvest_extras(dataset: dict) -> dict[str, str]:
    return {
        extra["key"]: extra["value"]
        for extra in dataset["extras"]
        if extra["key"] in ("harvest_object_id", "harvest_source_id")
    }


def test_indexed_harvest_links_follow_the_current_object_after_creates_and_updates(
    catalogue, make_source
):
    catalogue.datasets = datasets("s1", "s2")
    source = make_source()
    run_job(source["id"])
    catalogue.datasets["s1"]["title"] = "Updated"
    catalogue.write()
    run_job(source["id"])

    results = helpers.call_action("package_search", sysadmin_context(), q="*:*")["results"]

    assert len(results) == 2
    for result in results:
        [current] = model.Session.query(HarvestObject.id).filter_by(
            package_id=result["id"], current=True
        )
        assert _harvest_extras(result) == {
            "harvest_object_id": current.id,
            "harvest_source_id": source["id"],
        }
