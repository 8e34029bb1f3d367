"""The Plan page: computed by CKAN's background worker, shown only to the source's editors."""

from __future__ import annotations

import json

import pytest
from ckan.tests import factories

from ..harvest_runner import run_job
from .catalogue import datasets
from .stages import ckan_command

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)>"


@pytest.fixture
def planned_source(catalogue, make_source, empty_queues):
    """A harvested source whose catalogue then changes: 1 create, 2 updates, 1 delete."""
    catalogue.datasets = datasets("s1", "s2", "s3", "s4")
    source = make_source(delete_limit=1)
    run_job(source["id"])
    catalogue.datasets["s1"]["title"] = HOSTILE
    catalogue.datasets["s2"]["notes"] = "New notes " + "x" * 400
    del catalogue.datasets["s4"]
    catalogue.datasets.update(datasets("s5"))
    catalogue.datasets["s5"]["name"] = "new-one"
    catalogue.write()
    return source


@pytest.fixture
def editor_headers():
    user = factories.Sysadmin()
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def test_the_plan_is_computed_by_the_worker_and_shows_each_step(
    app, planned_source, editor_headers
):
    url = f"/harvest/{planned_source['name']}/plan"
    assert 'id="plan-computing"' in app.get(url, headers=editor_headers).body

    ckan_command("jobs", "worker", "--burst")
    page = app.get(url, headers=editor_headers).body

    counts = {c: page.split(f'data-count="{c}">')[1].split("<")[0] for c in ("create", "update")}
    assert counts == {"create": "1", "update": "2"}
    assert 'data-count="delete">1<' in page
    assert "new-one" in page and 'href="/dataset/ds-s4"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert "New notes " + "x" * 100 in page and "x" * 400 not in page


def test_the_plan_downloads_as_json(app, planned_source, editor_headers):
    app.get(f"/harvest/{planned_source['name']}/plan", headers=editor_headers)
    ckan_command("jobs", "worker", "--burst")

    answer = app.get(f"/harvest/{planned_source['name']}/plan.json", headers=editor_headers)

    plan = json.loads(answer.body)["plan"]
    assert [step["name"] for step in plan["datasets"]["delete"]] == ["ds-s4"]
    assert "attachment" in answer.headers["Content-Disposition"]


def test_the_plan_names_a_dataset_taking_the_name_another_gives_up(
    app, catalogue, make_source, empty_queues, editor_headers
):
    catalogue.datasets = datasets("s1", "s2")
    source = make_source(dataset_preserve_names=False)
    run_job(source["id"])
    catalogue.datasets["s2"]["name"] = "ds-s2-now"
    catalogue.datasets.update(datasets("s3"))
    catalogue.datasets["s3"]["name"] = "ds-s2"
    catalogue.write()
    url = f"/harvest/{source['name']}/plan"
    app.get(url, headers=editor_headers)

    ckan_command("jobs", "worker", "--burst")
    page = app.get(url, headers=editor_headers).body

    moves = page.split('id="plan-name-moves">')[1].split("</ul>")[0]
    assert "Source dataset s3 takes the name 'ds-s2' from source dataset s2" in moves


def test_anonymous_visitors_and_other_users_get_403(app, catalogue):
    organization = factories.Organization()
    source = factories.Dataset.stub()
    from ckan.tests import helpers

    from ..harvest_runner import sysadmin_context

    owned = helpers.call_action(
        "harvest_source_create",
        sysadmin_context(),
        name=source.name,
        title="Owned",
        url=catalogue.write(),
        source_type="syncsource",
        owner_org=organization["id"],
        config=json.dumps({"source_name": "owned"}),
    )
    stranger = factories.User()
    stranger_headers = {"Authorization": factories.APIToken(user=stranger["name"])["token"]}

    for headers in ({}, stranger_headers):
        for url in (f"/harvest/{owned['name']}/plan", f"/harvest/{owned['name']}/plan.json"):
            assert app.get(url, headers=headers, status=403)
