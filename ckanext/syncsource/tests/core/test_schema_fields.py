"""Extras that the site's dataset schema holds as fields (no database: the schema is given)."""

import pytest

from ckanext.syncsource.core.errors import InvalidObject, describe_ckan_error
from ckanext.syncsource.core.merge import differs, merge_dataset
from ckanext.syncsource.core.normalize import normalize_dataset
from ckanext.syncsource.core.options import SyncOptions
from ckanext.syncsource.core.schema_fields import (
    COMPOSITE,
    LIST,
    TEXT,
    SiteSchema,
    extras_to_fields_problem,
    map_extras_to_fields,
    scheming_site_schema,
)

DCAT = SiteSchema({"title": TEXT, "notes": TEXT, "theme": LIST, "contact": COMPOSITE})
STRICT = SiteSchema({"title": TEXT, "contact_email": TEXT, "extras": COMPOSITE})


def _dataset(extras, **fields):
    return normalize_dataset({"name": "ds", **fields, "extras": extras})


def test_an_extra_named_like_a_schema_field_becomes_that_field_in_the_form_ckan_gives_back():
    mapped = map_extras_to_fields(
        _dataset(
            {
                "theme": '["http://eu/theme/ECON", "http://eu/theme/AGRI"]',
                "contact": '{"name": "Ann", "email": "ann@example.org"}',
                "free": "kept",
            }
        ),
        DCAT,
        {},
    )
    assert mapped["theme"] == ["http://eu/theme/ECON", "http://eu/theme/AGRI"]
    assert mapped["contact"] == [{"name": "Ann", "email": "ann@example.org"}]
    assert mapped["extras"] == [{"key": "free", "value": "kept"}]


def test_a_plain_text_value_of_a_list_field_is_a_list_of_one():
    assert map_extras_to_fields(_dataset({"theme": "ECON"}), DCAT, {})["theme"] == ["ECON"]


def test_without_a_site_schema_every_extra_stays_an_extra():
    dataset = _dataset({"theme": "ECON", "contact_email": "a@example.org"})
    assert map_extras_to_fields(dataset, None, {}) == dataset


def test_extras_to_fields_renames_a_key_to_a_schema_field():
    mapped = map_extras_to_fields(
        _dataset({"contact": "ann@example.org"}), STRICT, {"contact": "contact_email"}
    )
    assert mapped["contact_email"] == "ann@example.org"
    assert mapped["extras"] == []


def test_a_rename_to_a_field_the_schema_lacks_is_an_error_naming_the_extra():
    with pytest.raises(InvalidObject) as error:
        map_extras_to_fields(_dataset({"contact": "x"}), DCAT, {"contact": "contact_email"})
    assert error.value.field == "extras.contact"
    assert "'contact_email'" in str(error.value)


def test_an_extra_and_a_field_giving_two_values_is_an_error_naming_the_extra():
    with pytest.raises(InvalidObject) as error:
        map_extras_to_fields(_dataset({"notes": "from the extra"}, notes="own"), DCAT, {})
    assert error.value.field == "extras.notes"


def test_a_composite_field_needs_json_objects():
    with pytest.raises(InvalidObject) as error:
        map_extras_to_fields(_dataset({"contact": "ann@example.org"}), DCAT, {})
    assert error.value.field == "extras.contact"


def test_an_extra_never_becomes_a_field_the_sync_sets_itself():
    mapped = map_extras_to_fields(_dataset({"extras": "x"}), STRICT, {})
    assert mapped["extras"] == [{"key": "extras", "value": "x"}]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("contact_email", "must map extra keys"),
        ({"contact": ""}, "non-empty strings"),
        ({"contact": "owner_org"}, "may not become"),
        ({"a": "contact_email", "b": "contact_email"}, "both map"),
    ],
)
def test_bad_extras_to_fields_is_refused_with_the_reason(value, words):
    assert words in extras_to_fields_problem(value)


def test_the_mapped_dataset_is_unchanged_against_what_ckan_shows_back():
    mapped = map_extras_to_fields(
        _dataset({"theme": "ECON", "contact": '[{"name": "Ann"}]'}), DCAT, {}
    )
    merged = merge_dataset(mapped, None, SyncOptions(), {}, {}, "src:1", name="ds")
    shown = {
        **merged,
        "id": "ID",
        "theme": ["ECON"],
        "contact": [{"name": "Ann"}],
        "plugin_data": None,
    }
    assert not differs(merge_dataset(mapped, shown, SyncOptions(), {}, {}, "src:1"), shown)


def test_a_schema_that_controls_extras_gets_no_ownership_extra():
    merged = merge_dataset(
        _dataset({}), None, SyncOptions(), {}, {}, "src:1", name="ds", marker_extra=False
    )
    assert merged["extras"] == []
    assert STRICT.controls_extras and not DCAT.controls_extras


def test_ckan_errors_in_a_list_name_the_extra_not_its_position():
    sent = {"extras": [{"key": "free", "value": "x"}, {"key": "theme", "value": "t"}]}
    error = {"extras": [{}, {"key": ["There is a schema field with the same name"]}]}
    assert describe_ckan_error(error, sent) == (
        "extras 'theme': key: There is a schema field with the same name"
    )


def test_a_scheming_schema_answer_gives_each_field_its_kind():
    answer = {
        "dataset_fields": [
            {"field_name": "title", "preset": "title"},
            {"field_name": "theme", "preset": "multiple_text"},
            {"field_name": "keywords", "validators": "ignore_missing scheming_multiple_text"},
            {"field_name": "contact", "repeating_subfields": [{"field_name": "email"}]},
        ]
    }

    assert scheming_site_schema(answer) == SiteSchema(
        {"title": TEXT, "theme": LIST, "keywords": LIST, "contact": COMPOSITE}
    )


@pytest.mark.parametrize(
    "answer", [None, {}, {"dataset_fields": "title"}, {"dataset_fields": [{"name": "title"}]}]
)
def test_an_answer_that_is_no_scheming_schema_is_refused(answer):
    with pytest.raises(ValueError, match="no list of dataset_fields with field_name"):
        scheming_site_schema(answer)
