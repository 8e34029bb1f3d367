"""What `SynchronizationClient` refuses before it asks CKAN anything."""

from __future__ import annotations

import pytest

from ckanext.syncsource.client import OptionError, SynchronizationClient
from ckanext.syncsource.core.options import SyncOptions

NOWHERE = "http://127.0.0.1:9"  # the discard port: any request would fail as unreachable


def test_the_defaults_are_the_legacy_client_s():
    assert SynchronizationClient(NOWHERE).options == SyncOptions()


def test_the_five_options_are_taken():
    options = {
        "organization_merge_strategy": "update",
        "group_merge_strategy": "update",
        "dataset_preserve_names": False,
        "dataset_preserve_organization": False,
        "dataset_group_merge_strategy": "replace",
    }
    assert SynchronizationClient(NOWHERE, "key", **options).options == SyncOptions(**options)


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [
        ("organization_merge_strategy", "merge", "'create', 'update'"),
        ("group_merge_strategy", None, "'create', 'update'"),
        ("dataset_group_merge_strategy", "keep", "'add', 'replace', 'preserve'"),
        ("dataset_preserve_names", "yes", "true or false"),
        ("dataset_preserve_organization", 1, "true or false"),
    ],
)
def test_a_bad_option_value_is_refused_with_the_allowed_values(option, value, allowed):
    with pytest.raises(OptionError) as error:
        SynchronizationClient(NOWHERE, **{option: value})
    assert list(error.value.problems) == [option]
    assert allowed in str(error.value)


def test_unknown_options_and_bad_limits_are_refused_together():
    with pytest.raises(OptionError) as error:
        SynchronizationClient(
            NOWHERE,
            dataset_preserve_name=True,
            timeout=0,
            max_name_tries=0,
            group_merge_strategy="",
        )
    problems = error.value.problems
    assert sorted(problems) == [
        "dataset_preserve_name",
        "group_merge_strategy",
        "max_name_tries",
        "timeout",
    ]
    assert "dataset_preserve_names" in problems["dataset_preserve_name"]


@pytest.mark.parametrize("source_name", ["", "a:b", "-lead", "x" * 101, None])
def test_a_bad_source_name_is_refused(source_name):
    with pytest.raises(ValueError, match="source_name"):
        SynchronizationClient(NOWHERE).sync(source_name, {})


def test_data_that_is_not_collections_of_objects_is_refused_before_any_write():
    with pytest.raises(TypeError, match="dataset"):
        SynchronizationClient(NOWHERE).sync("cat", {"dataset": ["a", "b"]})


def test_the_api_key_is_not_in_the_client_s_repr():
    client = SynchronizationClient(NOWHERE, "secret-token")
    assert "secret-token" not in repr(client)
    assert "secret-token" not in repr(client.api)
