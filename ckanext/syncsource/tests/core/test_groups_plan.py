import pytest

from ckanext.syncsource.core.entries import ExistingGroup
from ckanext.syncsource.core.groups_plan import (
    GroupCreate,
    GroupLeave,
    GroupRevive,
    GroupUpdate,
    plan_groups,
)


def existing(name, state="active", title="Old title", group_id=None):
    content = {"id": group_id or f"id-{name}", "name": name, "title": title, "state": state}
    return ExistingGroup(group_id or f"id-{name}", name, state, content)


@pytest.mark.parametrize("kind", ["organization", "group"])
@pytest.mark.parametrize("strategy", ["create", "update"])
def test_a_missing_object_is_created(kind, strategy):
    plan = plan_groups(kind, {"acme": {"title": "Acme"}}, {}, strategy)
    assert plan.creates == [GroupCreate("acme", {"name": "acme", "title": "Acme"})]
    assert plan.kind == kind


def test_create_strategy_leaves_a_changed_existing_object_alone():
    plan = plan_groups(
        "organization", {"acme": {"title": "New"}}, {"acme": existing("acme")}, "create"
    )
    assert plan.leaves == [GroupLeave("acme", "id-acme")]
    assert not (plan.creates or plan.updates or plan.revives)


def test_update_strategy_overwrites_a_changed_existing_object():
    plan = plan_groups("group", {"acme": {"title": "New"}}, {"acme": existing("acme")}, "update")
    assert plan.updates == [GroupUpdate("acme", "id-acme", {"name": "acme", "title": "New"})]


@pytest.mark.parametrize(
    "extras", [{"harvest_object_id": "x"}, [{"key": "harvest_source_id", "value": "y"}]]
)
def test_update_strategy_leaves_an_object_whose_source_extras_are_only_index_keys(extras):
    """ckanext-harvest's index keys are dropped, leaving no extras: CKAN holds none either."""
    source = {"acme": {"title": "Old title", "extras": extras}}
    plan = plan_groups("organization", source, {"acme": existing("acme")}, "update")
    assert plan.leaves == [GroupLeave("acme", "id-acme")]


def test_update_strategy_leaves_an_equal_object_alone():
    source = {"acme": {"name": "acme", "title": "Old title"}}
    plan = plan_groups("group", source, {"acme": existing("acme")}, "update")
    assert plan.leaves == [GroupLeave("acme", "id-acme")]


def test_a_deleted_object_is_revived_keeping_its_values_with_create():
    current = {"acme": existing("acme", state="deleted")}
    plan = plan_groups("organization", {"acme": {"title": "New"}}, current, "create")
    assert plan.revives == [GroupRevive("acme", "id-acme", None)]


def test_a_deleted_object_is_revived_with_the_source_values_with_update():
    current = {"acme": existing("acme", state="deleted", title="New")}
    plan = plan_groups("organization", {"acme": {"title": "New"}}, current, "update")
    assert plan.revives == [GroupRevive("acme", "id-acme", {"name": "acme", "title": "New"})]


def test_a_name_that_disagrees_with_its_key_is_an_error_for_that_object_only():
    source = {"acme": {"name": "other"}, "beta": {"name": "beta"}}
    plan = plan_groups("group", source, {}, "create")
    assert [error.key for error in plan.errors] == ["acme"]
    assert "other" in plan.errors[0].reason
    assert [step.key for step in plan.creates] == ["beta"]


def test_invalid_keys_and_objects_are_errors():
    source = {"Bad Key": {}, "ok": "not an object"}
    plan = plan_groups("organization", source, {}, "create")
    assert sorted(error.key for error in plan.errors) == ["Bad Key", "ok"]
    assert not plan.creates


def test_ids_map_every_usable_key_to_its_ckan_id():
    source = {"new": {}, "failed": {}, "kept": {}, "gone": {}, "bad": {"name": "x"}}
    current = {"kept": existing("kept"), "gone": existing("gone", state="deleted")}
    plan = plan_groups("group", source, current, "create")
    assert plan.ids({"new": "id-new"}) == {"new": "id-new", "kept": "id-kept", "gone": "id-gone"}


def test_an_unknown_strategy_is_a_programming_error():
    with pytest.raises(ValueError, match="merge"):
        plan_groups("group", {}, {}, "merge")
