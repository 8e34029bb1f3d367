"""The legacy client's merge options, each observed on the site after a harvest job."""

from __future__ import annotations

import pytest
from ckan.tests import helpers

from ..harvest_runner import job_errors, run_job, sysadmin_context
from .catalogue import dataset, org
from .site_view import show, stats


def _run(source) -> dict:
    job = run_job(source["id"])
    assert job_errors(job["id"]) == []
    return job


@pytest.mark.parametrize(("preserve", "name_after"), [(True, "ds-s1"), (False, "ds-s1-renamed")])
def test_dataset_preserve_names_keeps_or_takes_the_new_source_name(
    catalogue, make_source, preserve, name_after
):
    catalogue.datasets = {"s1": dataset("s1")}
    source = make_source(dataset_preserve_names=preserve)
    _run(source)
    created = show("ds-s1")

    catalogue.datasets["s1"].update(name="ds-s1-renamed", title="Renamed at the source")
    catalogue.write()
    job = _run(source)

    after = show(created["id"])
    assert (after["name"], after["title"]) == (name_after, "Renamed at the source")
    assert stats(job)["updated"] == 1


@pytest.mark.parametrize(
    ("strategy", "groups_after"),
    [("add", ["grp-1", "grp-2"]), ("replace", ["grp-2"]), ("preserve", ["grp-1"])],
)
def test_dataset_group_merge_strategy(catalogue, make_source, strategy, groups_after):
    catalogue.groups = {"grp-1": org("Group 1"), "grp-2": org("Group 2")}
    catalogue.datasets = {"s1": dataset("s1", groups=("grp-1",))}
    source = make_source(dataset_group_merge_strategy=strategy)
    _run(source)

    catalogue.datasets["s1"].update(groups=["grp-2"], title="Moved to group 2")
    catalogue.write()
    _run(source)

    after = show("ds-s1")
    assert sorted(group["name"] for group in after["groups"]) == groups_after
    assert after["title"] == "Moved to group 2"


@pytest.mark.parametrize(("preserve", "org_after"), [(True, "org-a"), (False, "org-b")])
def test_dataset_preserve_organization_keeps_or_moves_the_dataset(
    catalogue, make_source, preserve, org_after
):
    catalogue.organizations["org-b"] = org("Organization B")
    catalogue.datasets = {"s1": dataset("s1", org="org-a")}
    source = make_source(dataset_preserve_organization=preserve)
    _run(source)

    catalogue.datasets["s1"]["owner_org"] = "org-b"
    catalogue.write()
    _run(source)

    assert show("ds-s1")["organization"]["name"] == org_after


@pytest.mark.parametrize(
    ("strategy", "org_title", "group_title"),
    [
        ("create", "Made by hand", "Group made by hand"),
        ("update", "Organization A", "Group 1"),
    ],
)
def test_org_and_group_strategies_on_existing_ones_whose_titles_changed(
    catalogue, make_source, strategy, org_title, group_title
):
    helpers.call_action(
        "organization_create", sysadmin_context(), name="org-a", title="Made by hand"
    )
    helpers.call_action(
        "group_create", sysadmin_context(), name="grp-1", title="Group made by hand"
    )
    catalogue.groups = {"grp-1": org("Group 1")}
    catalogue.datasets = {"s1": dataset("s1", groups=("grp-1",))}
    source = make_source(organization_merge_strategy=strategy, group_merge_strategy=strategy)

    _run(source)

    organization = helpers.call_action("organization_show", id="org-a")
    group = helpers.call_action("group_show", id="grp-1")
    assert (organization["title"], group["title"]) == (org_title, group_title)
    assert (organization["state"], group["state"]) == ("active", "active")
    shown = show("ds-s1")
    assert shown["owner_org"] == organization["id"]
    assert [g["id"] for g in shown["groups"]] == [group["id"]]


@pytest.mark.parametrize(
    ("strategy", "title_after"), [("create", "Made by hand"), ("update", "Organization A")]
)
def test_a_deleted_organization_is_revived(catalogue, make_source, strategy, title_after):
    made = helpers.call_action(
        "organization_create", sysadmin_context(), name="org-a", title="Made by hand"
    )
    helpers.call_action("organization_delete", sysadmin_context(), id="org-a")
    catalogue.datasets = {"s1": dataset("s1")}
    source = make_source(organization_merge_strategy=strategy)

    job = _run(source)

    revived = helpers.call_action("organization_show", sysadmin_context(), id="org-a")
    assert (revived["id"], revived["state"], revived["title"]) == (
        made["id"],
        "active",
        title_after,
    )
    assert show("ds-s1")["owner_org"] == made["id"]
    assert stats(job)["added"] == 1


def test_creating_an_organization_grants_the_harvest_user_no_membership(catalogue, make_source):
    catalogue.datasets = {"s1": dataset("s1")}
    _run(make_source())

    members = helpers.call_action("member_list", id="org-a", object_type="user")

    assert members == []


def test_an_organization_removed_at_the_source_leaves_the_dataset_unowned_when_not_preserved(
    catalogue, make_source
):
    catalogue.datasets = {"s1": dataset("s1", org="org-a")}
    source = make_source(dataset_preserve_organization=False)
    _run(source)

    del catalogue.datasets["s1"]["owner_org"]
    catalogue.write()
    job = _run(source)

    assert stats(job)["updated"] == 1
    assert show("ds-s1")["owner_org"] is None
    assert stats(_run(source))["not modified"] == 1


def test_taking_source_names_keeps_a_suffixed_name_while_the_wanted_one_is_held_by_another(
    catalogue, make_source
):
    helpers.call_action("package_create", sysadmin_context(), name="ds-s1", title="By hand")
    catalogue.datasets = {"s1": dataset("s1")}
    source = make_source(dataset_preserve_names=False)
    _run(source)
    assert show("ds-s1-1")["title"] == "Dataset s1"

    catalogue.datasets["s1"]["title"] = "Changed at the source"
    catalogue.write()
    job = _run(source)

    assert stats(job)["updated"] == 1
    assert show("ds-s1-1")["title"] == "Changed at the source"
    assert show("ds-s1")["title"] == "By hand"


def test_a_rename_onto_a_name_held_by_another_dataset_takes_a_suffixed_name(catalogue, make_source):
    catalogue.datasets = {"s1": dataset("s1"), "s2": dataset("s2")}
    source = make_source(dataset_preserve_names=False)
    _run(source)
    hand_made = helpers.call_action(
        "package_create", sysadmin_context(), name="hand-made", title="Mine"
    )
    catalogue.datasets["s1"]["name"] = "hand-made"
    catalogue.datasets["s2"]["name"] = "ds-s1"  # the name s1 gives up in the same job
    catalogue.write()

    job = _run(source)

    assert stats(job)["updated"] == 2
    assert show(hand_made["id"]) == hand_made
    assert show("hand-made-1")["title"] == "Dataset s1"
    assert show("ds-s1")["title"] == "Dataset s2"  # s1 gave it up earlier in the job
