"""A real CKAN web server for the client tests, and a sysadmin token for it.

The server is `ckan run` in a subprocess on a free ephemeral port, with the test process's
environment (so CKAN_SQLALCHEMY_URL, CKAN_SOLR_URL, ... apply to both). It shares the test
database and Solr core: the `stack` fixture resets them before each test, and what the test
makes in process is visible to the server once committed. It starts on first use, after the
first reset has made the database's tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ckan.tests import factories

from ckanext.syncsource.client.action_api import ActionApi

from .live_site import CkanServer, Site


@pytest.fixture(scope="session")
def ckan_server(request, tmp_path_factory) -> Iterator[CkanServer]:
    ini = Path(request.config.getoption("--ckan-ini")).resolve()
    server = CkanServer(ini, tmp_path_factory.mktemp("ckan-server") / "ckan-run.log")
    yield server
    server.stop()


@pytest.fixture
def site(stack, ckan_server) -> Site:
    user = factories.Sysadmin()
    token = factories.APIToken(user=user["name"])["token"]
    url = ckan_server.url()
    return Site(url, token, ActionApi(url, token, timeout=30))
