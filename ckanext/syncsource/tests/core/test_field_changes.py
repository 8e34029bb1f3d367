"""The fields an update would change, as the Plan page lists them."""

from __future__ import annotations

from ckanext.syncsource.core.field_changes import VALUE_CHARS, field_changes


def _dataset(**fields):
    return {"name": "ds-1", "title": "Old", "tags": [{"name": "a"}], **fields}


def test_only_the_fields_that_differ_are_listed_with_old_and_new_values():
    changes = field_changes(_dataset(title="New", notes="Added"), _dataset())

    assert changes == [
        {"field": "notes", "old": "", "new": "Added"},
        {"field": "title", "old": "Old", "new": "New"},
    ]


def test_ckan_ordering_and_server_fields_are_no_change():
    current = _dataset(tags=[{"name": "b"}, {"name": "a"}], metadata_modified="2020-01-01")

    assert field_changes(_dataset(tags=[{"name": "a"}, {"name": "b"}]), current) == []


def test_long_values_are_cut():
    (change,) = field_changes(_dataset(notes="x" * 1000), _dataset())

    assert len(change["new"]) == VALUE_CHARS and change["new"].endswith("…")
