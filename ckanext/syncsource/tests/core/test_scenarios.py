"""The legacy client's scenarios, run through the engine against the in-memory catalogue."""

from ckanext.syncsource.core.options import SyncOptions

from .memory_catalogue import MemoryCatalogue, sync


def own(catalogue, source_id, source_name="src"):
    [package] = [
        p
        for p in catalogue.packages.values()
        if catalogue.owner_source_id(p, source_name) == source_id
    ]
    return package


def group_names(catalogue, package):
    return [catalogue.groups[g["id"]]["name"] for g in package["groups"]]


def document(**dataset):
    return {
        "organization": {"org-a": {"title": "A"}, "org-b": {"title": "B"}},
        "group": {"grp-a": {}, "grp-b": {}, "grp-c": {}},
        "dataset": {"d1": {"name": "first", "title": "First", **dataset}},
    }


def test_preserve_names_then_rename():
    catalogue = MemoryCatalogue()
    sync(catalogue, "src", document())
    report = sync(catalogue, "src", document(name="renamed", title="Changed"))
    assert report.updated == ["d1"]
    assert own(catalogue, "d1")["name"] == "first"
    assert own(catalogue, "d1")["title"] == "Changed"

    sync(catalogue, "src", document(name="renamed"), SyncOptions(dataset_preserve_names=False))
    assert own(catalogue, "d1")["name"] == "renamed"


def test_groups_replace_then_add_then_preserve():
    catalogue = MemoryCatalogue()
    sync(catalogue, "src", document(groups=["grp-a", "grp-b"]))
    assert group_names(catalogue, own(catalogue, "d1")) == ["grp-a", "grp-b"]

    replace = SyncOptions(dataset_group_merge_strategy="replace")
    sync(catalogue, "src", document(groups=["grp-c"]), replace)
    assert group_names(catalogue, own(catalogue, "d1")) == ["grp-c"]

    add = SyncOptions(dataset_group_merge_strategy="add")
    sync(catalogue, "src", document(groups=["grp-b", "grp-a"]), add)
    assert group_names(catalogue, own(catalogue, "d1")) == ["grp-c", "grp-a", "grp-b"]

    preserve = SyncOptions(dataset_group_merge_strategy="preserve")
    report = sync(catalogue, "src", document(groups=[], title="Other"), preserve)
    assert report.updated == ["d1"]
    assert group_names(catalogue, own(catalogue, "d1")) == ["grp-c", "grp-a", "grp-b"]


def test_preserve_organization_then_move_it():
    catalogue = MemoryCatalogue()
    sync(catalogue, "src", document(owner_org="org-a"))
    org_a = own(catalogue, "d1")["owner_org"]
    sync(catalogue, "src", document(owner_org="org-b"))
    assert own(catalogue, "d1")["owner_org"] == org_a

    move = SyncOptions(dataset_preserve_organization=False)
    sync(catalogue, "src", document(owner_org="org-b"), move)
    assert own(catalogue, "d1")["organization"]["name"] == "org-b"


def test_org_and_group_strategies_on_existing_objects_with_changed_titles():
    catalogue = MemoryCatalogue()
    org_id = catalogue.group_create("organization", {"name": "org-a", "title": "Old org"})
    group_id = catalogue.group_create("group", {"name": "grp-a", "title": "Old group"})
    doc = {
        "organization": {"org-a": {"title": "New org"}},
        "group": {"grp-a": {"title": "New group"}},
        "dataset": {"d1": {"name": "first", "owner_org": "org-a", "groups": ["grp-a"]}},
    }
    sync(catalogue, "src", doc)
    assert catalogue.groups[org_id]["title"] == "Old org"
    assert catalogue.groups[group_id]["title"] == "Old group"
    assert own(catalogue, "d1")["owner_org"] == org_id

    orgs_only = SyncOptions(organization_merge_strategy="update")
    sync(catalogue, "src", doc, orgs_only)
    assert catalogue.groups[org_id]["title"] == "New org"
    assert catalogue.groups[group_id]["title"] == "Old group"

    sync(catalogue, "src", doc, SyncOptions(group_merge_strategy="update"))
    assert catalogue.groups[group_id]["title"] == "New group"
    assert len(catalogue.groups) == 2


def test_a_deleted_org_is_revived_with_its_old_values_under_create():
    catalogue = MemoryCatalogue()
    org_id = catalogue.group_create("organization", {"name": "org-a", "title": "Old"})
    catalogue.group_delete(org_id)
    sync(catalogue, "src", document(owner_org="org-a"))
    assert catalogue.groups[org_id]["state"] == "active"
    assert catalogue.groups[org_id]["title"] == "Old"


def test_removed_then_returning_dataset_revives_its_old_ckan_dataset():
    catalogue = MemoryCatalogue()
    sync(catalogue, "src", document())
    package_id = own(catalogue, "d1")["id"]
    report = sync(catalogue, "src", {"dataset": {}})
    assert report.deleted == ["d1"]
    assert own(catalogue, "d1")["state"] == "deleted"

    report = sync(catalogue, "src", document())
    assert report.updated == ["d1"]
    assert own(catalogue, "d1")["id"] == package_id
    assert own(catalogue, "d1")["state"] == "active"
    assert own(catalogue, "d1")["name"] == "first"


def test_a_rerun_writes_nothing_even_without_recorded_fingerprints():
    catalogue = MemoryCatalogue()
    doc = document(owner_org="org-a", groups=["grp-a"], resources=[{"id": "r", "url": "u"}])
    sync(catalogue, "src", doc)
    catalogue.synced.clear()
    writes = catalogue.writes
    report = sync(catalogue, "src", doc)
    assert report.unchanged == ["d1"]
    assert catalogue.writes == writes


def test_resource_ids_survive_updates():
    catalogue = MemoryCatalogue()
    resources = [{"id": "r1", "url": "http://x/1"}, {"id": "r2", "url": "http://x/2"}]
    sync(catalogue, "src", document(resources=resources))
    before = {r["source_resource_id"]: r["id"] for r in own(catalogue, "d1")["resources"]}
    changed = [{"id": "r0", "url": "http://x/0"}, {"id": "r2", "url": "http://x/2", "name": "n"}]
    sync(catalogue, "src", document(resources=changed))
    after = {r["source_resource_id"]: r["id"] for r in own(catalogue, "d1")["resources"]}
    assert after["r2"] == before["r2"]
    assert after["r0"] not in before.values()


def test_foreign_datasets_with_the_same_name_are_left_alone():
    catalogue = MemoryCatalogue()
    hand_made = catalogue.package_create({"name": "first", "title": "Mine"})
    report = sync(catalogue, "src", document())
    assert report.created == {"d1": "first-1"}
    assert catalogue.package_show(hand_made["id"]) == hand_made
    sync(catalogue, "src", {"dataset": {}})
    assert catalogue.package_show(hand_made["id"]) == hand_made


def test_an_unknown_organization_is_an_error_for_that_dataset_only():
    catalogue = MemoryCatalogue()
    doc = document(owner_org="org-x")
    doc["dataset"]["d2"] = {"name": "second"}
    report = sync(catalogue, "src", doc)
    assert list(report.errors) == ["d1"]
    assert "org-x" in report.errors["d1"]
    assert report.created == {"d2": "second"}


def test_names_swapped_and_rotated_at_the_source_are_exact_in_one_run():
    """Each rename wants a name another of the source's datasets holds until its own rename:
    the step moves that dataset off it, and its own step then gives it its new name."""
    follow = SyncOptions(dataset_preserve_names=False)
    names = {"d1": "one", "d2": "two", "d3": "three", "d4": "four"}
    doc = {"dataset": {key: {"name": name} for key, name in names.items()}}
    catalogue = MemoryCatalogue()
    sync(catalogue, "src", doc, follow)
    ids = {key: own(catalogue, key)["id"] for key in names}

    swapped = {"d1": "two", "d2": "one", "d3": "four", "d4": "new-name", "d5": "three"}
    doc = {"dataset": {key: {"name": name} for key, name in swapped.items()}}
    report = sync(catalogue, "src", doc, follow)

    assert sorted(report.updated) == ["d1", "d2", "d3", "d4"]
    assert report.created == {"d5": "three"}
    assert {key: own(catalogue, key)["name"] for key in swapped} == swapped
    assert {key: own(catalogue, key)["id"] for key in names} == ids
    writes = catalogue.writes
    catalogue.synced.clear()
    again = sync(catalogue, "src", doc, follow)
    assert (catalogue.writes, sorted(again.unchanged)) == (writes, sorted(swapped))


def test_a_suffixed_name_stays_while_the_wanted_name_is_held():
    """d1 got `data-2` (another holds `data`; `data-1` is what d2 wants, but d2 is in error):
    an update never moves it to `data-1`, which d2 then gets as it should."""
    catalogue = MemoryCatalogue()
    catalogue.package_create({"name": "data", "title": "made by hand"})
    follow = SyncOptions(dataset_preserve_names=False)
    doc = {"dataset": {"d1": {"name": "data"}, "d2": {"name": "data-1", "owner_org": "org-x"}}}
    sync(catalogue, "src", doc, follow)
    assert own(catalogue, "d1")["name"] == "data-2"

    doc["dataset"]["d1"]["title"] = "Changed"
    sync(catalogue, "src", doc, follow)
    assert own(catalogue, "d1")["name"] == "data-2"

    doc["organization"] = {"org-x": {"title": "X"}}
    assert sync(catalogue, "src", doc, follow).created == {"d2": "data-1"}
