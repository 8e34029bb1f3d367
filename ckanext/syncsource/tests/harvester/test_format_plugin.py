"""A source format another package registers is accepted by the source form and harvested."""

from __future__ import annotations

import pytest
from ckan.plugins import toolkit as tk

from ckanext.syncsource.sources.source_formats import registered_formats

from .. import csv_format
from ..harvest_runner import create_source, job_errors, run_job
from .site_view import show, stats


@pytest.fixture
def csv_installed(tmp_path, monkeypatch):
    packages = tmp_path / "site-packages"
    packages.mkdir()
    csv_format.register(packages)
    monkeypatch.syspath_prepend(str(packages))
    registered_formats.cache_clear()
    yield
    monkeypatch.undo()
    registered_formats.cache_clear()


def test_a_job_reads_a_source_in_a_registered_format(stack, catalogue_dir, csv_installed):
    path = catalogue_dir / "catalogue.csv"
    path.write_text("id,name,title\ns1,csv-one,First\ns2,csv-two,Second\n")
    source = create_source(str(path), {"format": "csvcat"})

    job = run_job(source["id"])

    assert job_errors(job["id"]) == []
    assert stats(job)["added"] == 2
    assert show("csv-two")["title"] == "Second"


def test_the_source_form_refuses_a_format_nobody_registered(stack, catalogue_dir):
    known = "'ckan', 'directory', 'json', 'jsonl', 'sqlite'"
    with pytest.raises(tk.ValidationError, match=f"format must be one of {known}, not 'csvcat'"):
        create_source(str(catalogue_dir / "catalogue.csv"), {"format": "csvcat"})
