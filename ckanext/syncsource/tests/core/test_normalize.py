import pytest

from ckanext.syncsource.core.errors import InvalidObject
from ckanext.syncsource.core.normalize import (
    normalize_ckan_dataset,
    normalize_dataset,
    normalize_group,
)

LEGACY = {
    "id": "src-1",
    "name": "ds",
    "title": "Dataset",
    "owner_org": "org-a",
    "extras": {"b": "2", "a": "1"},
    "tags": ["zeta", "alpha"],
    "groups": ["grp-b", "grp-a"],
    "resources": [
        {"id": "r1", "url": "http://x/1", "name": "one"},
        {"id": "r2", "url": "http://x/2", "name": "two"},
    ],
}
PACKAGE_SHOW = {
    "id": "2f0c-ckan-id",
    "name": "ds",
    "title": "Dataset",
    "owner_org": "remote-org-uuid",
    "organization": {"id": "remote-org-uuid", "name": "org-a", "title": "Org A"},
    "state": "active",
    "private": False,
    "type": "dataset",
    "author": None,
    "url": "",
    "metadata_created": "2024-01-01T00:00:00",
    "metadata_modified": "2024-01-02T00:00:00",
    "num_resources": 2,
    "num_tags": 2,
    "creator_user_id": "u",
    "isopen": True,
    "license_title": "x",
    "relationships_as_object": [],
    "relationships_as_subject": [],
    "extras": [
        {"key": "a", "value": "1"},
        {"key": "harvest_object_id", "value": "h"},
        {"key": "b", "value": "2"},
        {"key": "harvest_source_id", "value": "s"},
        {"key": "harvest_source_title", "value": "t"},
        {"key": "_harvest_source", "value": "other:src-1"},
    ],
    "tags": [{"name": "alpha", "id": "t1", "display_name": "alpha"}, {"name": "zeta"}],
    "groups": [{"name": "grp-a", "id": "g1"}, {"name": "grp-b", "id": "g2"}],
    "resources": [
        {
            "id": "r1",
            "url": "http://x/1",
            "name": "one",
            "position": 0,
            "package_id": "2f0c-ckan-id",
            "created": "2024",
            "last_modified": None,
            "metadata_modified": "2024",
            "datastore_active": False,
            "cache_url": None,
            "state": "active",
        },
        {"id": "r2", "url": "http://x/2", "name": "two", "position": 1},
    ],
}


def test_legacy_and_package_show_forms_give_one_canonical_form():
    assert normalize_dataset(LEGACY) == normalize_dataset(PACKAGE_SHOW)
    assert normalize_dataset(LEGACY) == {
        "name": "ds",
        "title": "Dataset",
        "owner_org": "org-a",
        "extras": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}],
        "tags": [{"name": "alpha"}, {"name": "zeta"}],
        "groups": [{"name": "grp-a"}, {"name": "grp-b"}],
        "resources": [
            {"url": "http://x/1", "name": "one", "source_resource_id": "r1"},
            {"url": "http://x/2", "name": "two", "source_resource_id": "r2"},
        ],
    }


def test_tags_extras_and_groups_compare_without_order_but_resources_with_order():
    shuffled = {
        **LEGACY,
        "extras": {"a": "1", "b": "2"},
        "tags": ["alpha", "zeta", "alpha"],
        "groups": ["grp-a", "grp-b"],
    }
    assert normalize_dataset(shuffled) == normalize_dataset(LEGACY)
    reordered = {**LEGACY, "resources": LEGACY["resources"][::-1]}
    assert normalize_dataset(reordered) != normalize_dataset(LEGACY)


def test_a_source_resource_id_already_recorded_is_kept():
    resource = {"id": "ckan-r", "url": "u", "source_resource_id": "orig"}
    canonical = normalize_dataset({"name": "ds", "resources": [resource]})
    assert canonical["resources"] == [{"url": "u", "source_resource_id": "orig"}]


def test_ckan_side_references_are_ids_and_the_marker_is_content():
    canonical = normalize_ckan_dataset(PACKAGE_SHOW)
    assert canonical["owner_org"] == "remote-org-uuid"
    assert canonical["groups"] == [{"id": "g1"}, {"id": "g2"}]
    assert {"key": "_harvest_source", "value": "other:src-1"} in canonical["extras"]
    assert not any(e["key"].startswith("harvest_") for e in canonical["extras"])
    assert canonical["resources"][0] == {"url": "http://x/1", "name": "one"}


def test_ckan_defaults_and_empty_values_equal_absent_fields():
    bare = normalize_dataset({"name": "ds"})
    assert normalize_dataset({"name": "ds", "private": False, "type": "dataset"}) == bare
    assert normalize_dataset({"name": "ds", "notes": None, "url": ""}) == bare
    assert normalize_dataset({"name": "ds", "private": True}) != bare


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ([], "dataset"),
        ({"title": "no name"}, "name"),
        ({"name": 3}, "name"),
        ({"name": "ds", "extras": "a=b"}, "extras"),
        ({"name": "ds", "extras": {"a": 1}}, "extras"),
        ({"name": "ds", "extras": {"a": None}}, "extras"),
        ({"name": "ds", "extras": [{"value": "v"}]}, "extras"),
        (
            {"name": "ds", "extras": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]},
            "extras",
        ),
        ({"name": "ds", "tags": "a,b"}, "tags"),
        ({"name": "ds", "tags": [1]}, "tags"),
        ({"name": "ds", "tags": [{"id": "x"}]}, "tags"),
        ({"name": "ds", "groups": "g"}, "groups"),
        ({"name": "ds", "groups": [{"title": "G"}]}, "groups"),
        ({"name": "ds", "resources": {"url": "u"}}, "resources"),
        ({"name": "ds", "resources": ["u"]}, "resources[0]"),
        ({"name": "ds", "resources": [{"id": 7, "url": "u"}]}, "resources[0].id"),
        ({"name": "ds", "owner_org": ["o"]}, "owner_org"),
        ({"name": "ds", "size": float("nan")}, "size"),
        ({"name": "ds", "custom": {1, 2}}, "custom"),
        ({"name": "ds", 5: "x"}, "5"),
    ],
)
def test_invalid_input_names_the_field(obj, field):
    with pytest.raises(InvalidObject) as raised:
        normalize_dataset(obj)
    assert raised.value.field == field


def test_group_normalization_drops_server_fields_and_keeps_content():
    shown = {
        "id": "g1",
        "name": "grp-a",
        "title": "Group A",
        "description": "d",
        "image_url": "http://i",
        "image_display_url": "http://i",
        "created": "2024",
        "package_count": 3,
        "num_followers": 0,
        "is_organization": False,
        "type": "group",
        "state": "active",
        "users": [{"name": "admin"}],
        "extras": [{"key": "k", "value": "v"}],
    }
    legacy = {
        "name": "grp-a",
        "title": "Group A",
        "description": "d",
        "image_url": "http://i",
        "extras": {"k": "v"},
    }
    assert normalize_group(shown) == normalize_group(legacy)
    assert set(normalize_group(shown)) == {"name", "title", "description", "image_url", "extras"}


def test_a_group_shown_with_empty_extras_equals_one_without_extras():
    shown = {"name": "grp-a", "title": "Group A", "extras": [], "groups": []}

    assert normalize_group(shown) == normalize_group({"name": "grp-a", "title": "Group A"})


def test_invalid_groups_are_refused():
    with pytest.raises(InvalidObject):
        normalize_group("grp")
    with pytest.raises(InvalidObject) as raised:
        normalize_group({"name": ["x"]})
    assert raised.value.field == "name"


@pytest.mark.parametrize("kind", ["harvest", "showcase"])
def test_a_source_dataset_of_another_type_is_refused(kind):
    """A source must not make harvest sources (type `harvest`) or other typed datasets."""
    with pytest.raises(InvalidObject, match=f"type: must be 'dataset'.*{kind!r}"):
        normalize_dataset({"id": "d1", "name": "d1", "type": kind})
    assert "type" not in normalize_dataset({"id": "d1", "name": "d1", "type": "dataset"})


def _nested(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = [value]
    return value


def test_a_value_nested_too_deeply_is_refused_without_recursing_into_it():
    # 5,000 levels would exhaust Python's recursion limit; the field is refused first.
    for deep in ({"notes": _nested(5000)}, {"resources": [{"url": "u", "schema": _nested(5000)}]}):
        with pytest.raises(InvalidObject, match="nested deeper than 100 levels"):
            normalize_dataset({"name": "ds", **deep})
    assert normalize_dataset({"name": "ds", "spatial": _nested(99)})["spatial"] == _nested(99)


@pytest.mark.parametrize(
    ("dataset", "message"),
    [
        ({"title": "a\u0000b"}, r"title: contains a NUL character \(\\u0000\)"),
        ({"tags": ["ok", "t\u0000"]}, r"tags: contains a NUL character"),
        ({"extras": {"k\u0000": "v"}}, r"extras: contains a NUL character"),
        ({"notes": "\ud800 lone"}, r"notes: contains an unpaired UTF-16 surrogate"),
        ({"resources": [{"url": "u", "name": "\udc00"}]}, r"resources: contains an unpaired"),
    ],
)
def test_text_postgresql_cannot_store_is_refused_naming_the_field(dataset, message):
    with pytest.raises(InvalidObject, match=message):
        normalize_dataset({"name": "ds", **dataset})


def test_the_text_of_a_nul_escape_is_stored_as_it_is():
    # The check reads the JSON text of the whole dataset first, where a NUL is `\u0000`:
    # a backslash followed by "u0000" written as text is no NUL.
    notes = "Written in JSON as \\u0000 (six characters)."
    assert normalize_dataset({"name": "ds", "notes": notes})["notes"] == notes


def test_an_organization_with_a_nul_character_is_refused():
    with pytest.raises(InvalidObject, match="description: contains a NUL character"):
        normalize_group({"name": "org", "description": "x\u0000"})
