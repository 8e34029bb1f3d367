"""Resources keep their CKAN ids while they are the same resource at the source."""

from __future__ import annotations

from ..harvest_runner import job_errors, run_job
from .catalogue import dataset
from .site_view import show, stats


def _ids_by_source_id(name: str) -> list[tuple[str, str]]:
    return [(r["source_resource_id"], r["id"]) for r in show(name)["resources"]]


def test_resource_ids_survive_renames_reordering_and_neighbours_changing(catalogue, make_source):
    catalogue.datasets = {"s1": dataset("s1", resources=4)}
    source = make_source()
    run_job(source["id"])
    ids = dict(_ids_by_source_id("ds-s1"))

    # Renamed and reordered.
    resources = catalogue.datasets["s1"]["resources"]
    resources[1]["name"] = "Renamed table"
    resources.reverse()
    catalogue.write()
    job = run_job(source["id"])

    assert (stats(job)["updated"], job_errors(job["id"])) == (1, [])
    order = ["s1-r3", "s1-r2", "s1-r1", "s1-r0"]
    assert _ids_by_source_id("ds-s1") == [(key, ids[key]) for key in order]
    assert show("ds-s1")["resources"][2]["name"] == "Renamed table"

    # One removed, one added, one with a new URL.
    resources.pop(0)
    resources[0]["url"] = "https://data.example.org/s1/two-moved.csv"
    resources.append({"id": "s1-new", "name": "New", "url": "https://data.example.org/n.csv"})
    catalogue.write()
    run_job(source["id"])

    after = _ids_by_source_id("ds-s1")
    assert [key for key, _ in after] == ["s1-r2", "s1-r1", "s1-r0", "s1-new"]
    assert after[:3] == [(key, ids[key]) for key in ("s1-r2", "s1-r1", "s1-r0")]
    assert after[3][1] not in ids.values()


def test_resources_without_source_ids_are_matched_by_url(catalogue, make_source):
    catalogue.datasets = {"s1": dataset("s1", resources=3)}
    for resource in catalogue.datasets["s1"]["resources"]:
        del resource["id"]
    source = make_source()
    run_job(source["id"])
    ids = {r["url"]: r["id"] for r in show("ds-s1")["resources"]}

    resources = catalogue.datasets["s1"]["resources"]
    resources.reverse()
    resources[0]["description"] = "Now described"
    catalogue.write()
    run_job(source["id"])

    after = show("ds-s1")["resources"]
    assert [(r["url"], r["id"]) for r in after] == [(r["url"], ids[r["url"]]) for r in resources]
    assert after[0]["description"] == "Now described"
