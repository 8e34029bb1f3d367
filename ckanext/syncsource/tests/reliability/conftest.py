"""The reliability battery: one site per module, invariants checked after every case.

A module's cases share one database (reset when the module starts) holding hand-made datasets
and the datasets of every earlier case's sources, so each case also proves it left the others'
work alone. Cases marked `full` run only in `make reliability` (SYNCSOURCE_RELIABILITY=full);
the rest are the quick subset that `make test` runs.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field

import ckan.plugins
import pytest
from ckan.tests import helpers

from ..harvest_runner import create_source, sysadmin_context
from ..harvester.catalogue import dataset
from .invariants import Figures, Site, search_differences, stored_digests

FULL = os.environ.get("SYNCSOURCE_RELIABILITY") == "full"
HAND_MADE = ("hand-made", "ds-k1")
"""Hand-made datasets; the second has a name battery catalogues also want."""


def pytest_configure(config):
    config.addinivalue_line("markers", "full: a reliability case only `make reliability` runs")


def pytest_collection_modifyitems(config, items):
    if FULL:
        return
    slow = [item for item in items if item.get_closest_marker("full")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("full")]


@pytest.fixture(scope="module")
def site(reset_db, migrate_db_for, reset_index) -> Site:
    """A fresh database and index for the module, with two hand-made datasets."""
    ckan.plugins.load_all()
    reset_db()
    migrate_db_for("harvest")
    reset_index()
    helpers.call_action(
        "organization_create", sysadmin_context(), name="hand-org", title="Hand-made"
    )
    for name in HAND_MADE:
        helpers.call_action(
            "package_create",
            sysadmin_context(),
            name=name,
            title=f"Made by hand: {name}",
            owner_org="hand-org",
            resources=[{"url": "https://data.example.org/hand.csv"}],
        )
    return Site()


_numbers = itertools.count(1)


@dataclass
class Case:
    """One case of the battery: its sources, and the figures measured after it."""

    site: Site
    before: dict[str, str]
    search_before: list[str]
    sources: set[str] = field(default_factory=set)
    crashes: list[str] = field(default_factory=list)
    figures: Figures | None = None

    def new_source(self, url: str, ids=(), **config) -> tuple[dict, str]:
        """A syncsource source of the case (source_name unique in the module) expected to hold
        `ids`; returns the source and its source_name."""
        source_name = f"battery{next(_numbers)}"
        source = create_source(url, {"source_name": source_name, **config}, name=source_name)
        self.sources.add(source_name)
        self.site.expect(source_name, ids)
        return source, source_name

    def expect(self, source_name: str, ids) -> None:
        self.site.expect(source_name, ids)


@pytest.fixture
def case(site, with_plugins, request) -> Case:
    """Check the invariants after the case and record its figures for the battery's table."""
    current = Case(site, stored_digests(), search_differences())
    yield current
    figures = site.measure(current.before, current.search_before, current.sources)
    current.figures = figures
    properties = request.node.user_properties
    properties += [
        ("lost", figures.lost),
        ("duplicates", figures.duplicates),
        ("crashes", len(current.crashes)),
    ]
    assert figures.problems == [], figures.problems
    assert current.crashes == []
    assert (figures.stale, figures.foreign_changed, figures.search_mismatches) == (0, 0, 0)


def catalogue(ids, org: str = "battery-org", **fields) -> dict:
    """A sync document with one organization and a dataset per id (named `ds-<id>`)."""
    return {
        "organization": {org: {"title": "Battery organization"}},
        "group": {},
        "dataset": {source_id: dataset(source_id, org=org, **fields) for source_id in ids},
    }
