"""Fixtures of the tests on a site with custom dataset schemas (ckanext-scheming, DCAT-AP).

They run with test-scheming.ini (`make test-scheming`); a session on another configuration
deselects them, since its site has no scheming.
"""

from __future__ import annotations

import ckan.plugins as p
import pytest
from ckan.common import config

from ..client.conftest import ckan_server, site  # noqa: F401 (the client tests' live site)
from ..harvester.conftest import Catalogue

SCHEMAS = "ckanext.syncsource.tests:scheming/schemas/"

pytest.register_assert_rewrite("ckanext.syncsource.tests.harvester.site_view")


def pytest_collection_modifyitems(config, items):
    if "scheming_datasets" in p.toolkit.aslist(p.toolkit.config.get("ckan.plugins")):
        return
    deselected = [item for item in items if item.get_closest_marker("scheming")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("scheming")]


@pytest.fixture
def site_schema(monkeypatch, stack):
    """Give the site the dataset schema `schema` (a scheming schema path)."""

    def use(schema: str) -> None:
        monkeypatch.setitem(config, "scheming.dataset_schemas", schema)
        _reload_scheming()

    yield use
    monkeypatch.undo()
    _reload_scheming()


def _reload_scheming() -> None:
    # ckanext-scheming reads its schemas when the plugin is loaded.
    p.unload("scheming_datasets")
    p.load("scheming_datasets")


@pytest.fixture
def catalogue(stack, write_catalogue) -> Catalogue:
    return Catalogue(write_catalogue)
