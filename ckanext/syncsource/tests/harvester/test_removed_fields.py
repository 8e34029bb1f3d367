"""A field removed at the source is removed in CKAN too, and the next run writes nothing."""

from __future__ import annotations

import pytest
from ckan.tests import helpers

from ..harvest_runner import job_errors, run_job
from .catalogue import dataset
from .site_view import modified_stamps, show, spy_group_writes, stats


def _drop_notes(content):
    del content["notes"]


def _drop_private(content):
    content["private"] = False


def _drop_resource_description(content):
    del content["resources"][0]["description"]


def _drop_extra(content):
    del content["extras"]["origin"]


def _drop_tag(content):
    content["tags"].remove("sync")


def _drop_version(content):
    content["version"] = ""


@pytest.mark.parametrize(
    ("change", "field", "gone"),
    [
        (_drop_notes, lambda d: d["notes"], None),
        (_drop_private, lambda d: d["private"], False),
        (_drop_version, lambda d: d["version"], None),
        (_drop_resource_description, lambda d: d["resources"][0].get("description"), None),
        (_drop_extra, lambda d: [e["key"] for e in d["extras"] if e["key"] == "origin"], []),
        (_drop_tag, lambda d: [t["name"] for t in d["tags"] if t["name"] == "sync"], []),
    ],
)
def test_a_field_removed_at_the_source_is_removed_in_ckan(
    catalogue, make_source, change, field, gone
):
    content = dataset("s1", private=True, version="1.0")
    content["resources"][0]["description"] = "Described"
    catalogue.datasets = {"s1": content}
    source = make_source()
    run_job(source["id"])
    change(content)
    catalogue.write()

    job = run_job(source["id"])

    assert (stats(job)["updated"], job_errors(job["id"])) == (1, [])
    assert field(show("ds-s1")) == gone
    before = modified_stamps()
    assert stats(run_job(source["id"]))["not modified"] == 1
    assert modified_stamps() == before


def test_all_groups_and_resources_removed_at_the_source_are_removed_in_ckan(catalogue, make_source):
    catalogue.groups = {"grp-1": {"title": "Group 1"}}
    catalogue.datasets = {"s1": dataset("s1", groups=("grp-1",), resources=2)}
    source = make_source(dataset_group_merge_strategy="replace")
    run_job(source["id"])

    catalogue.datasets["s1"].update(groups=[], resources=[])
    catalogue.write()
    job = run_job(source["id"])

    assert (stats(job)["updated"], job_errors(job["id"])) == (1, [])
    shown = show("ds-s1")
    assert (shown["groups"], shown["resources"]) == ([], [])
    assert stats(run_job(source["id"]))["not modified"] == 1


def test_organization_fields_removed_at_the_source_are_removed_with_the_update_strategy(
    catalogue, make_source, monkeypatch
):
    catalogue.organizations["org-a"].update(
        image_url="https://img.example.org/a.png", extras={"homepage": "https://a.example"}
    )
    catalogue.datasets = {"s1": dataset("s1")}
    source = make_source(organization_merge_strategy="update")
    run_job(source["id"])

    catalogue.organizations["org-a"] = {"title": "Organization A"}
    catalogue.write()
    run_job(source["id"])

    organization = helpers.call_action("organization_show", id="org-a")
    assert (organization["image_url"], organization["description"]) == ("", "")
    assert organization.get("extras", []) == []
    group_writes = spy_group_writes(monkeypatch)
    run_job(source["id"])
    assert group_writes == []
