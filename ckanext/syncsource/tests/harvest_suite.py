"""Run ckanext-harvest's own test suite with `syncsource` loaded (`make test` does).

Our actions chain ckanext-harvest's (`logic/action.py`), so its tests guard against breaking
other harvesters. This pytest plugin adds `syncsource` to every plugin list those tests set;
`harvest-tests.ini` gives the ones that set none ckanext-harvest's own list plus `syncsource`.
Use: python -m pytest --ckan-ini=harvest-tests.ini -o consider_namespace_packages=true
-p ckanext.syncsource.tests.harvest_suite --pyargs ckanext.harvest.tests
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items):
    """Rewrite each `ckan_config("ckan.plugins", ...)` mark where it sits (test, class or
    module): CKAN's `ckan_config` fixture applies every such mark, the farthest last, so an added
    mark would not win over a module's own."""
    seen = set()
    for item in items:
        for node in item.listchain():
            if id(node) in seen:
                continue
            seen.add(id(node))
            node.own_markers[:] = [_with_syncsource(mark) for mark in node.own_markers]


def _with_syncsource(mark):
    if mark.name != "ckan_config" or not mark.args or mark.args[0] != "ckan.plugins":
        return mark
    plugins = mark.args[1].split()
    if "syncsource" in plugins:
        return mark
    return pytest.mark.ckan_config("ckan.plugins", " ".join([*plugins, "syncsource"])).mark
