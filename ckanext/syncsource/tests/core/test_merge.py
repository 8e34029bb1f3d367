import pytest

from ckanext.syncsource.core.errors import UnknownReference
from ckanext.syncsource.core.merge import differs, merge_dataset
from ckanext.syncsource.core.normalize import normalize_dataset
from ckanext.syncsource.core.options import SyncOptions

ORGS = {"org-a": "ORG-A", "org-b": "ORG-B"}
GROUPS = {"grp-a": "GRP-A", "grp-b": "GRP-B", "grp-c": "GRP-C"}
SOURCE = normalize_dataset(
    {
        "id": "src-id",
        "name": "new-name",
        "title": "T",
        "owner_org": "org-b",
        "groups": ["grp-b", "grp-a"],
        "extras": {"k": "v", "_harvest_source": "forged:1"},
        "resources": [{"id": "r1", "url": "http://x/1"}, {"id": "r2", "url": "http://x/2"}],
    }
)
CURRENT = {
    "id": "CKAN-ID",
    "name": "old-name",
    "title": "T",
    "state": "active",
    "owner_org": "ORG-A",
    "groups": [{"id": "GRP-C", "name": "grp-c"}, {"id": "GRP-A", "name": "grp-a"}],
    "extras": [{"key": "_harvest_source", "value": "src:src-id"}],
    "resources": [
        {"id": "C2", "url": "http://x/2", "source_resource_id": "r2"},
        {"id": "C1", "url": "http://x/1", "source_resource_id": "r1"},
    ],
}


def merge(current=CURRENT, source=SOURCE, name=None, **options):
    return merge_dataset(source, current, SyncOptions(**options), ORGS, GROUPS, "src:src-id", name)


def test_a_create_maps_references_marks_ownership_and_never_uses_the_source_id():
    merged = merge(current=None, name="chosen-name")
    assert "id" not in merged
    assert merged["name"] == "chosen-name"
    assert merged["owner_org"] == "ORG-B"
    assert merged["groups"] == [{"id": "GRP-A"}, {"id": "GRP-B"}]
    assert merged["extras"] == [
        {"key": "_harvest_source", "value": "src:src-id"},
        {"key": "k", "value": "v"},
    ]
    assert [r.get("id") for r in merged["resources"]] == [None, None]


def test_an_update_keeps_the_ckan_id():
    assert merge()["id"] == "CKAN-ID"


@pytest.mark.parametrize(("preserve", "name"), [(True, "old-name"), (False, "new-name")])
def test_preserve_names(preserve, name):
    assert merge(dataset_preserve_names=preserve)["name"] == name


@pytest.mark.parametrize(("preserve", "owner"), [(True, "ORG-A"), (False, "ORG-B")])
def test_preserve_organization(preserve, owner):
    assert merge(dataset_preserve_organization=preserve)["owner_org"] == owner


def test_preserve_organization_takes_the_source_one_when_ckan_has_none():
    assert merge(current={**CURRENT, "owner_org": None})["owner_org"] == "ORG-B"


@pytest.mark.parametrize(
    ("strategy", "groups"),
    [
        ("add", ["GRP-C", "GRP-A", "GRP-B"]),
        ("replace", ["GRP-A", "GRP-B"]),
        ("preserve", ["GRP-C", "GRP-A"]),
    ],
)
def test_group_merge_strategies(strategy, groups):
    merged = merge(dataset_group_merge_strategy=strategy)
    assert [group["id"] for group in merged["groups"]] == groups


def test_resources_keep_their_ckan_ids_by_source_resource_id():
    assert [r["id"] for r in merge()["resources"]] == ["C1", "C2"]


def test_resources_without_a_known_source_id_match_by_url_at_most_once():
    source = {**SOURCE, "resources": [{"url": "http://x/1"}, {"url": "http://x/1"}, {"url": "new"}]}
    current = {**CURRENT, "resources": [{"id": "C1", "url": "http://x/1"}]}
    assert [r.get("id") for r in merge(current=current, source=source)["resources"]] == [
        "C1",
        None,
        None,
    ]


def test_a_changed_resource_list_does_not_churn_ids():
    source = {
        **SOURCE,
        "resources": [
            {"url": "http://x/0", "source_resource_id": "r0"},
            {"url": "http://x/2-moved", "source_resource_id": "r2"},
        ],
    }
    assert [r.get("id") for r in merge(source=source)["resources"]] == [None, "C2"]


def test_unknown_keys_are_errors_naming_the_key():
    with pytest.raises(UnknownReference) as raised:
        merge(current=None, source={**SOURCE, "owner_org": "org-x"}, name="n")
    assert (raised.value.field, raised.value.key) == ("owner_org", "org-x")
    with pytest.raises(UnknownReference, match="grp-x"):
        merge(source={**SOURCE, "groups": [{"name": "grp-x"}]}, dataset_group_merge_strategy="add")


def test_source_references_the_options_ignore_need_not_be_known():
    source = {**SOURCE, "owner_org": "org-x", "groups": [{"name": "grp-x"}]}
    merged = merge(source=source, dataset_group_merge_strategy="preserve")
    assert merged["owner_org"] == "ORG-A"


def test_a_deleted_dataset_is_revived():
    merged = merge(current={**CURRENT, "state": "deleted"})
    assert merged["state"] == "active"
    assert differs(merged, {**CURRENT, "state": "deleted"})


def test_an_update_equal_to_ckan_does_not_differ():
    current = {
        **CURRENT,
        "name": "new-name",
        "owner_org": "ORG-B",
        "groups": [{"id": "GRP-A", "name": "grp-a"}, {"id": "GRP-B", "name": "grp-b"}],
        "extras": [
            {"key": "k", "value": "v"},
            {"key": "_harvest_source", "value": "src:src-id"},
            {"key": "harvest_object_id", "value": "ho"},
        ],
        "resources": CURRENT["resources"][::-1],
        "metadata_modified": "2024",
        "private": False,
        "num_resources": 2,
    }
    merged = merge(current=current)
    assert not differs(merged, current)
    assert differs(merged, {**current, "resources": CURRENT["resources"]})
    assert differs(merged, {**current, "title": "Edited by hand"})
    assert differs(merged, {**current, "extras": current["extras"][:1]})


def test_a_missing_title_is_what_ckan_would_store():
    source = {key: value for key, value in SOURCE.items() if key != "title"}
    assert merge(source=source)["title"] == "old-name"


def test_a_dataset_made_public_at_the_source_is_sent_as_public():
    private_in_ckan = dict(CURRENT, private=True)

    merged = merge(current=private_in_ckan)

    assert merged["private"] is False
    assert differs(merged, private_in_ckan)


def test_an_organization_removed_at_the_source_is_sent_as_none_when_not_preserved():
    unowned = {key: value for key, value in SOURCE.items() if key != "owner_org"}

    merged = merge(source=unowned, dataset_preserve_organization=False)

    assert merged["owner_org"] == ""
    assert merge(source=unowned)["owner_org"] == "ORG-A"


def _stored_by_ckan(merged: dict) -> dict:
    """`merged` as `package_show` returns it after `package_update`: extras, tags and groups in
    CKAN's order, resources with their ids and the mimetype CKAN guessed from the URL."""
    return {
        **merged,
        "extras": merged["extras"][::-1],
        "groups": [{**group, "name": group["id"].lower()} for group in merged["groups"]][::-1],
        "resources": [
            {**resource, "id": f"R{n}", "mimetype": "text/csv", "position": n}
            for n, resource in enumerate(merged["resources"])
        ],
        "metadata_modified": "2026",
        "state": "active",
    }


def test_what_ckan_stores_for_a_merge_does_not_differ_from_it():
    source = {**SOURCE, "tags": [{"name": "b"}, {"name": "a"}]}
    merged = merge(source=source, dataset_group_merge_strategy="replace")
    stored = _stored_by_ckan(merged)
    stored["tags"] = [{"name": "a", "id": "t1"}, {"name": "b", "id": "t2"}]

    assert not differs(merged, stored)
    assert not differs(merge(stored, source, dataset_group_merge_strategy="replace"), stored)


def test_a_mimetype_set_at_the_source_or_a_changed_resource_list_still_differs():
    merged = merge()
    stored = _stored_by_ckan(merged)
    merged["resources"][0]["mimetype"] = "application/json"

    assert differs(merged, stored)
    assert differs(merge(), {**stored, "resources": stored["resources"][:1]})
