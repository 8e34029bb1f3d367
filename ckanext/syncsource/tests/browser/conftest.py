"""Fixtures of the browser tests: a live site with its workers, and Debian's chromium driven
by Playwright (no browser download). A failed test leaves a screenshot of its page, named in
the test's output."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ckan.tests import factories
from ckanext.harvest import queue
from playwright.sync_api import Page, sync_playwright

from ..client.live_site import CkanServer
from ..harvest_runner import sysadmin_context
from .web_stack import background_workers

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Browser-test-1"


@pytest.fixture(scope="session")
def browser_server(request, tmp_path_factory) -> Iterator[CkanServer]:
    ini = Path(request.config.getoption("--ckan-ini")).resolve()
    log = tmp_path_factory.mktemp("browser-site") / "ckan-run.log"
    server = CkanServer(ini, log, own_site_url=True)
    yield server
    server.stop()


@pytest.fixture
def live_site(stack, browser_server, tmp_path) -> Iterator[str]:
    """The site's URL, with the consumers, job runner and jobs worker running."""
    queue.purge_queues()
    sysadmin_context()  # makes the site user before the workers race to make it too
    url = browser_server.url()
    with background_workers(tmp_path):
        yield url
    queue.purge_queues()


@pytest.fixture
def operator(stack) -> dict:
    return factories.Sysadmin(password=PASSWORD)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.failed_call = report.failed


@pytest.fixture
def page(request, tmp_path) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.dialogs = dialogs
        yield page
        if getattr(request.node, "failed_call", False):
            shot = tmp_path / "failure.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of {page.url}: {shot}")
        browser.close()
