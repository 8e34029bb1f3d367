"""Source formats come from the entry point group, the built-in ones and any package's."""

from __future__ import annotations

import pytest

from ckanext.syncsource.sources import SourceError, format_names, guess_format, open_source
from ckanext.syncsource.sources.source_formats import registered_formats

from .. import csv_format
from .conftest import make_settings


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """Register formats in a package record under tmp_path; forgotten afterwards."""
    packages = tmp_path / "site-packages"
    packages.mkdir()
    monkeypatch.syspath_prepend(str(packages))
    registered_formats.cache_clear()
    yield packages
    monkeypatch.undo()
    registered_formats.cache_clear()


def test_the_built_in_formats_are_registered_as_entry_points():
    assert format_names() == ("ckan", "directory", "json", "jsonl", "sqlite")


def test_a_format_of_another_package_reads_a_source(installed, tmp_path):
    csv_format.register(installed)
    path = tmp_path / "catalogue.csv"
    path.write_text("id,name,title\ns1,ds-s1,First\ns2,ds-s2,Second\n")
    settings = make_settings(local_source_dirs=(str(tmp_path),))

    assert guess_format(str(path)) == "csvcat"
    with open_source(str(path), None, settings) as records:
        read = [(record.kind, record.key, record.obj["title"]) for record in records]

    assert read == [("dataset", "s1", "First"), ("dataset", "s2", "Second")]
    assert "csvcat" in format_names()


def test_an_unknown_format_lists_the_registered_ones(installed, tmp_path):
    csv_format.register(installed)
    with (
        pytest.raises(SourceError, match=r"unknown format 'xml' .*ckan, .*csvcat, .*sqlite"),
        open_source(str(tmp_path / "c.xml"), "xml", make_settings()) as records,
    ):
        list(records)


def test_an_entry_point_that_is_not_a_format_is_named(installed):
    csv_format.register(installed, target="ckanext.syncsource.tests.csv_format:register")
    with pytest.raises(SourceError, match=r"source format 'csvcat' .* is not a SourceFormat"):
        format_names()
