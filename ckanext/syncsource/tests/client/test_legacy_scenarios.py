"""The legacy client's documented options, observed on a live CKAN after `sync` over HTTP."""

from __future__ import annotations

from ..harvester.catalogue import dataset, org

SOURCE = "cat"


def _group_names(dataset_dict: dict) -> list[str]:
    return sorted(group["name"] for group in dataset_dict["groups"])


def test_names_are_preserved_until_preserve_names_is_off(site):
    data = {"organization": {"org-a": org("A")}, "dataset": {"s1": dataset("s1")}}
    site.client().sync(SOURCE, data)
    created = site.dataset("ds-s1")

    data["dataset"]["s1"].update(name="ds-s1-renamed", title="Renamed at the source")
    report = site.client().sync(SOURCE, data)
    kept = site.dataset(created["id"])
    assert (kept["name"], kept["title"]) == ("ds-s1", "Renamed at the source")
    assert report.updated == ["s1"]

    report = site.client(dataset_preserve_names=False).sync(SOURCE, data)
    renamed = site.dataset(created["id"])
    assert renamed["name"] == "ds-s1-renamed"
    assert report.updated == ["s1"]
    assert report.created == report.deleted == []


def test_names_swapped_at_the_source_are_exact_after_one_sync(site):
    """With names following the source, one sync swaps them, as one harvest job does."""
    data = {"organization": {"org-a": org("A")}, "dataset": {"s1": dataset("s1")}}
    data["dataset"]["s2"] = dataset("s2")
    client = site.client(dataset_preserve_names=False)
    client.sync(SOURCE, data)
    ids = {source_id: site.dataset(f"ds-{source_id}")["id"] for source_id in ("s1", "s2")}

    data["dataset"]["s1"]["name"], data["dataset"]["s2"]["name"] = "ds-s2", "ds-s1"
    report = client.sync(SOURCE, data)
    assert (site.dataset(ids["s1"])["name"], site.dataset(ids["s2"])["name"]) == (
        "ds-s2",
        "ds-s1",
    )
    assert sorted(report.updated) == ["s1", "s2"]
    assert report.errored == report.created == report.deleted == []
    assert client.sync(SOURCE, data).updated == []


def test_a_source_name_held_by_another_dataset_is_followed_with_a_suffix_that_stays(site):
    data = {"organization": {"org-a": org("A")}, "dataset": {"s1": dataset("s1")}}
    client = site.client(dataset_preserve_names=False)
    client.sync(SOURCE, data)
    owner = site.organization("org-a")["id"]
    site.api.call("package_create", {"name": "by-hand", "owner_org": owner})

    data["dataset"]["s1"]["name"] = "by-hand"
    report = client.sync(SOURCE, data)
    assert (report.updated, report.errored) == (["s1"], [])
    assert site.dataset("by-hand-1")["title"] == "Dataset s1"
    assert client.sync(SOURCE, data).updated == []


def test_dataset_group_merge_strategies(site):
    groups = {name: org(name.title()) for name in ("grp-1", "grp-2", "grp-3")}
    data = {
        "organization": {"org-a": org("A")},
        "group": groups,
        "dataset": {"s1": dataset("s1", groups=("grp-1",))},
    }
    site.client().sync(SOURCE, data)
    by_hand = site.group("grp-2")["id"]
    site.api.call(
        "member_create",
        {"id": by_hand, "object": "ds-s1", "object_type": "package", "capacity": "public"},
    )
    data["dataset"]["s1"]["groups"] = ["grp-1", "grp-3"]

    site.client(dataset_group_merge_strategy="preserve").sync(SOURCE, data)
    assert _group_names(site.dataset("ds-s1")) == ["grp-1", "grp-2"]

    site.client(dataset_group_merge_strategy="add").sync(SOURCE, data)
    added = site.dataset("ds-s1")
    assert _group_names(added) == ["grp-1", "grp-2", "grp-3"]

    report = site.client(dataset_group_merge_strategy="replace").sync(SOURCE, data)
    assert _group_names(site.dataset("ds-s1")) == ["grp-1", "grp-3"]
    assert report.updated == ["s1"]


def test_organization_is_preserved_until_preserve_organization_is_off(site):
    data = {
        "organization": {"org-a": org("A"), "org-b": org("B")},
        "dataset": {"s1": dataset("s1", org="org-a")},
    }
    site.client().sync(SOURCE, data)
    data["dataset"]["s1"]["owner_org"] = "org-b"

    report = site.client().sync(SOURCE, data)
    assert site.dataset("ds-s1")["organization"]["name"] == "org-a"
    assert report.unchanged == ["s1"]

    report = site.client(dataset_preserve_organization=False).sync(SOURCE, data)
    assert site.dataset("ds-s1")["organization"]["name"] == "org-b"
    assert report.updated == ["s1"]


def test_create_strategy_leaves_existing_organizations_and_groups_alone(site):
    data = {"organization": {"org-a": org("A")}, "group": {"grp-1": org("Group 1")}}
    report = site.client().sync(SOURCE, data)
    assert (report.organizations.created, report.groups.created) == (["org-a"], ["grp-1"])

    data["organization"]["org-a"]["title"] = "A, retitled"
    data["group"]["grp-1"]["title"] = "Group 1, retitled"
    report = site.client().sync(SOURCE, data)

    assert site.organization("org-a")["title"] == "A"
    assert site.group("grp-1")["title"] == "Group 1"
    assert (report.organizations.unchanged, report.groups.unchanged) == (["org-a"], ["grp-1"])


def test_update_strategy_overwrites_existing_organizations_and_groups(site):
    data = {"organization": {"org-a": org("A")}, "group": {"grp-1": org("Group 1")}}
    options = {"organization_merge_strategy": "update", "group_merge_strategy": "update"}
    site.client(**options).sync(SOURCE, data)
    org_id = site.organization("org-a")["id"]

    data["organization"]["org-a"]["title"] = "A, retitled"
    data["group"]["grp-1"]["title"] = "Group 1, retitled"
    report = site.client(**options).sync(SOURCE, data)

    assert site.organization("org-a")["title"] == "A, retitled"
    assert site.organization("org-a")["id"] == org_id
    assert site.group("grp-1")["title"] == "Group 1, retitled"
    assert (report.organizations.updated, report.groups.updated) == (["org-a"], ["grp-1"])

    again = site.client(**options).sync(SOURCE, data)
    assert (again.organizations.unchanged, again.groups.unchanged) == (["org-a"], ["grp-1"])


def test_a_deleted_organization_comes_back_with_its_values(site):
    data = {"organization": {"org-a": org("A")}}
    site.client().sync(SOURCE, data)
    site.api.call("organization_delete", {"id": "org-a"})

    data["organization"]["org-a"]["title"] = "A, retitled"
    report = site.client().sync(SOURCE, data)

    revived = site.organization("org-a")
    assert (revived["state"], revived["title"]) == ("active", "A")
    assert report.organizations.revived == ["org-a"]


def test_organizations_and_groups_follow_the_harvester_s_apply_rules(site):
    """Created ones grant the API user no membership; `update` clears fields the source no
    longer has; a revive CKAN refuses keeps the datasets out of the still deleted group."""
    orgs = {"org-a": {"title": "A", "description": "Described", "image_url": "https://x.org/a"}}
    groups = {"grp-1": {"title": "Group 1", "description": "Described"}}
    client = site.client(organization_merge_strategy="update", group_merge_strategy="update")
    client.sync(SOURCE, {"organization": orgs, "group": groups})

    assert site.api.call("member_list", {"id": "org-a", "object_type": "user"}) == []
    assert site.api.call("member_list", {"id": "grp-1", "object_type": "user"}) == []

    report = client.sync(SOURCE, {"organization": {"org-a": {"title": "A"}}, "group": groups})
    assert report.organizations.updated == ["org-a"]
    shown = site.organization("org-a")
    assert (shown["description"], shown["image_url"]) == ("", "")

    site.api.call("group_delete", {"id": "grp-1"})
    clashing = {"grp-1": {"title": "G", "extras": {"title": "clashes with a schema field"}}}
    source = {"s1": dict(dataset("s1", org=None), groups=["grp-1"])}
    report = client.sync(SOURCE, {"group": clashing, "dataset": source})

    assert "There is a schema field with the same name" in report.groups.errors["grp-1"].reason
    assert report.groups.errors["grp-1"].ckan_error is not None
    assert report.groups.revived == []
    assert "unknown key 'grp-1'" in report.errors["s1"].reason
    assert site.api.show("group_show", id="grp-1")["state"] == "deleted"
