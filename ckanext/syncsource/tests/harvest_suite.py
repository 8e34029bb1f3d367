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
    for item in items:
        for mark in item.iter_markers("ckan_config"):
            if mark.args and mark.args[0] == "ckan.plugins":
                marker = mark
                break
        else:
            continue
        plugins = marker.args[1].split()
        if "syncsource" not in plugins:
            # Prepended, so CKAN's ckan_config fixture applies it after (over) the test's own.
            item.add_marker(
                pytest.mark.ckan_config("ckan.plugins", " ".join([*plugins, "syncsource"])),
                append=False,
            )
