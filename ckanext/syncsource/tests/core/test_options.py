import pytest

from ckanext.syncsource.core.errors import OptionError
from ckanext.syncsource.core.options import SyncOptions


def test_defaults_are_the_legacy_clients():
    options = SyncOptions.from_config({})
    assert options == SyncOptions(
        organization_merge_strategy="create",
        group_merge_strategy="create",
        dataset_preserve_names=True,
        dataset_preserve_organization=True,
        dataset_group_merge_strategy="add",
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("organization_merge_strategy", "create"),
        ("organization_merge_strategy", "update"),
        ("group_merge_strategy", "create"),
        ("group_merge_strategy", "update"),
        ("dataset_preserve_names", True),
        ("dataset_preserve_names", False),
        ("dataset_preserve_organization", True),
        ("dataset_preserve_organization", False),
        ("dataset_group_merge_strategy", "add"),
        ("dataset_group_merge_strategy", "replace"),
        ("dataset_group_merge_strategy", "preserve"),
    ],
)
def test_every_allowed_value_is_taken(key, value):
    assert getattr(SyncOptions.from_config({key: value}), key) == value


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("organization_merge_strategy", "merge", "'create', 'update'"),
        ("group_merge_strategy", 1, "'create', 'update'"),
        ("dataset_group_merge_strategy", "Add", "'add', 'replace', 'preserve'"),
        ("dataset_group_merge_strategy", None, "'add', 'replace', 'preserve'"),
        ("dataset_preserve_names", "yes", "true or false"),
        ("dataset_preserve_names", "true", "true or false"),
        ("dataset_preserve_organization", 1, "true or false"),
        ("dataset_preserve_organization", None, "true or false"),
    ],
)
def test_a_bad_value_is_refused_naming_key_and_allowed_values(key, value, allowed):
    with pytest.raises(OptionError) as raised:
        SyncOptions.from_config({key: value})
    assert key in str(raised.value)
    assert allowed in str(raised.value)
    assert list(raised.value.problems) == [key]


def test_every_bad_key_is_reported_at_once():
    with pytest.raises(OptionError) as raised:
        SyncOptions.from_config(
            {"group_merge_strategy": "x", "dataset_preserve_names": "no", "source_name": "s"}
        )
    assert set(raised.value.problems) == {"group_merge_strategy", "dataset_preserve_names"}


def test_other_keys_are_left_to_the_harvester():
    assert SyncOptions.from_config({"source_name": "s", "delete_limit": 3}) == SyncOptions()


def test_a_config_that_is_not_an_object_is_refused():
    with pytest.raises(OptionError):
        SyncOptions.from_config(["dataset_preserve_names"])


def test_direct_construction_is_checked_too():
    with pytest.raises(OptionError, match="dataset_group_merge_strategy"):
        SyncOptions(dataset_group_merge_strategy="merge")
