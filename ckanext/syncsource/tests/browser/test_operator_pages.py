"""An operator's way through the web UI, in Debian's chromium: add a syncsource source, harvest
it, see the plan of the next job, run it, edit the source; with the real consumers, job runner
and background-job worker."""

from __future__ import annotations

import json
import re

from ckan import model
from ckanext.harvest.model import HarvestSource
from playwright.sync_api import Page, expect

from ..harvest_runner import create_source
from ..harvester.catalogue import datasets, org
from .conftest import PASSWORD

HOSTILE_TITLE = "<script>alert(1)</script> Title"
HOSTILE_NOTES = "<img src=x onerror=alert(1)> Notes"
SOURCE = "browser-catalogue"
JOB_SECONDS = 180_000


def _log_in(page: Page, site: str, user: dict) -> None:
    page.goto(f"{site}/user/login")
    page.fill("#field-login", user["name"])
    page.fill("#field-password", PASSWORD)
    page.click("form:has(#field-login) button[type=submit]")
    expect(page.locator(".account.authed .username")).to_have_text(user["display_name"])


def _save_source_form(page: Page, config: dict) -> None:
    page.fill("#field-config", json.dumps(config))
    page.click("input[name=save]")


def _run_and_wait(page: Page, site: str, button: str) -> dict[str, str]:
    """Click Reharvest / Run now, confirm, and wait for the job page to say Finished."""
    page.wait_for_load_state("networkidle")  # CKAN's confirm-action module is set up
    page.click(button)
    page.locator(".modal.show .btn-primary").click()
    deadline_page = f"{site}/harvest/{SOURCE}/job/last"
    for _ in range(JOB_SECONDS // 2000):
        page.goto(deadline_page)
        if page.locator("[data-diff=added]").count():
            break
        page.wait_for_timeout(2000)
    return {
        action: page.locator(f"[data-diff='{action}']").inner_text().split()[0]
        for action in ("added", "updated", "deleted")
    }


def test_an_operator_adds_harvests_plans_and_edits_a_source(
    live_site, page, operator, write_catalogue
):
    catalogue = {"org-a": org("Organization A")}
    content = datasets("s1", "s2", "s3", "s4")
    path = write_catalogue(content, catalogue)
    _log_in(page, live_site, operator)

    page.goto(f"{live_site}/harvest/new")
    page.fill("#field-url", path)
    page.fill("#field-title", "Browser catalogue")
    page.check("input[name=source_type][value=syncsource]")
    expect(page.locator("#syncsource-config-help")).to_contain_text("delete_limit")
    _save_source_form(page, {"delete_limit": 5, "dataset_group_merge_strategy": "merge"})
    errors = page.locator(".error-explanation, .alert-error, .error-block").first
    expect(errors).to_contain_text("delete_limit must be a number from 0 to 1")
    expect(page.locator("body")).to_contain_text("'add', 'replace', 'preserve'")
    _save_source_form(page, {"source_name": "cat", "delete_limit": 1})
    expect(page).to_have_url(re.compile(f"/harvest/{SOURCE}$"))

    page.goto(f"{live_site}/harvest/admin/{SOURCE}")
    first = _run_and_wait(page, live_site, "a:has-text('Reharvest')")
    assert first == {"added": "4", "updated": "0", "deleted": "0"}

    content["s1"]["title"] = HOSTILE_TITLE
    content["s2"]["notes"] = HOSTILE_NOTES
    del content["s4"]
    content.update(datasets("s5"))
    write_catalogue(content, catalogue)
    page.goto(f"{live_site}/harvest/admin/{SOURCE}")
    page.click("a:has-text('Plan')")
    expect(page.locator("#plan-computing")).to_be_visible()
    counts = page.locator("#plan-dataset-counts")
    expect(counts).to_be_visible(timeout=JOB_SECONDS)
    planned = {
        step: counts.locator(f"[data-count={step}]").inner_text()
        for step in ("create", "update", "delete")
    }
    assert planned == {"create": "1", "update": "2", "delete": "1"}
    expect(page.locator("[data-dataset=ds-s1] .syncsource-changes")).to_contain_text(HOSTILE_TITLE)
    expect(page.locator("[data-dataset=ds-s2] .syncsource-changes")).to_contain_text(HOSTILE_NOTES)
    assert page.locator("#plan-delete a[href='/dataset/ds-s4']").count() == 1

    second = _run_and_wait(page, live_site, "#plan-run-now")
    assert second == {"added": planned["create"], "updated": planned["update"], "deleted": "1"}

    page.goto(f"{live_site}/harvest/edit/{SOURCE}")
    expect(page.locator("#field-config")).to_have_value(re.compile('"source_name": "cat"'))
    page.click("input[name=save]")
    page.wait_for_load_state()
    stored = HarvestSource.get(model.Package.by_name(SOURCE).id)
    assert json.loads(stored.config) == {"source_name": "cat", "delete_limit": 1}
    assert page.dialogs == []


def test_anonymous_visitors_get_403_on_the_plan_page(live_site, page, write_catalogue):
    source = create_source(write_catalogue(datasets("s1")), {"source_name": "cat"})

    answer = page.goto(f"{live_site}/harvest/{source['name']}/plan")

    assert answer.status == 403


def test_the_plan_page_counts_and_lists_the_datasets_ckan_would_refuse_as_the_job_does(
    live_site, page, operator, write_catalogue
):
    content = datasets("s1", "s2", "s3")
    content["s2"]["extras"]["author"] = "an extra clashing with a field of CKAN's schema"
    content["s3"]["version"] = "v" * 101
    create_source(write_catalogue(content, {"org-a": org("Organization A")}), name=SOURCE)
    _log_in(page, live_site, operator)

    page.goto(f"{live_site}/harvest/{SOURCE}/plan")
    counts = page.locator("#plan-dataset-counts")
    expect(counts).to_be_visible(timeout=JOB_SECONDS)
    assert counts.locator("[data-count=create]").inner_text() == "1"
    assert counts.locator("[data-count=errors]").inner_text() == "2"
    expect(page.locator("#plan-would-fail li")).to_have_count(2)
    expect(page.locator("#plan-would-fail li[data-source-id=s2]")).to_contain_text(
        "ds-s2 (source id s2): CKAN would refuse the dataset (package_create): "
        "extras 'author': key: There is a schema field with the same name"
    )
    expect(page.locator("#plan-would-fail li[data-source-id=s3]")).to_contain_text(
        "version: Version must be a maximum of 100 characters long"
    )
    expect(page.locator("#plan-create li", has_text="CKAN would refuse")).to_have_count(2)

    job = _run_and_wait(page, live_site, "#plan-run-now")
    assert job == {"added": "1", "updated": "0", "deleted": "0"}
    assert page.locator("[data-diff=error]").inner_text().split()[0] == "2"
