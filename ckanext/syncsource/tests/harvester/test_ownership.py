"""Which datasets a source may touch: its own and the legacy client's, never anybody else's."""

from __future__ import annotations

import json

from ckan.cli.cli import ckan
from ckan.tests import factories, helpers

from ..harvest_runner import create_source, job_errors, run_job, sysadmin_context
from .catalogue import dataset, datasets
from .conftest import SOURCE_NAME
from .site_view import assert_site_matches, expected, modified_stamps, show, stats


def _hand_made(**fields) -> dict:
    return helpers.call_action("package_create", sysadmin_context(), owner_org="org-a", **fields)


def test_datasets_of_the_legacy_client_are_adopted_not_duplicated(catalogue, make_source):
    helpers.call_action("organization_create", sysadmin_context(), name="org-a", title="A")
    legacy = {
        key: _hand_made(
            name=f"legacy-{key}",
            title="Synced by the legacy client",
            extras=[{"key": "_harvest_source", "value": f"{SOURCE_NAME}:{key}"}],
        )
        for key in ("s1", "s2")
    }
    catalogue.datasets = datasets("s1", "s2", "s3")
    source = make_source()

    job = run_job(source["id"])

    assert job_errors(job["id"]) == []
    # ckanext-harvest reports an object as "updated" only when the dataset had an earlier
    # harvest object; an adopted dataset has none, so its first update counts as "added".
    assert stats(job)["added"] == 3
    for key, made in legacy.items():
        adopted = show(made["id"])
        assert (adopted["name"], adopted["title"]) == (f"legacy-{key}", f"Dataset {key}")
    names = {"s1": "legacy-s1", "s2": "legacy-s2"}
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets, names))

    second = run_job(source["id"])
    assert stats(second)["not modified"] == 3


CLASHING_ID = "0b6d9d2e-1c54-4c1e-9a51-6f0b7f5d3c01"


def test_other_sources_and_hand_made_datasets_with_clashing_ids_and_names_stay_identical(
    catalogue, make_source, catalogue_dir, reconfigure
):
    other_path = catalogue_dir / "other.json"
    other_path.write_text(json.dumps({"dataset": datasets("s1", "s2", org=None)}))
    other_url = str(other_path)
    other = create_source(other_url, {"source_name": "other"}, name="other-source")
    assert job_errors(run_job(other["id"])["id"]) == []
    helpers.call_action("organization_create", sysadmin_context(), name="org-a", title="A")
    by_hand_id = _hand_made(id=CLASHING_ID, name="hand-made-s3", title="Id equals a source id")
    by_hand_name = _hand_made(name="ds-s4", title="Name equals a source name")
    foreign_ids = [show("ds-s1")["id"], show("ds-s2")["id"], by_hand_id["id"], by_hand_name["id"]]
    before = [show(package_id) for package_id in foreign_ids]

    catalogue.datasets = datasets("s1", "s2", "s4")
    catalogue.datasets[CLASHING_ID] = dataset(CLASHING_ID, name="ds-s3")
    source = make_source()
    job = run_job(source["id"])
    assert (stats(job)["added"], job_errors(job["id"])) == (4, [])
    assert [show(package_id) for package_id in foreign_ids] == before
    names = {"s1": "ds-s1-1", "s2": "ds-s2-1", "s4": "ds-s4-1"}
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets, names))

    # Removing every dataset but one from this source deletes only this source's.
    catalogue.datasets = {CLASHING_ID: catalogue.datasets[CLASHING_ID]}
    catalogue.write()
    reconfigure(source, delete_limit=1)
    job = run_job(source["id"])
    assert stats(job)["deleted"] == 3
    assert [show(package_id) for package_id in foreign_ids] == before
    assert stats(run_job(other["id"]))["not modified"] == 2
    assert [show(package_id) for package_id in foreign_ids] == before


def test_a_new_source_name_rewrites_every_marker_so_the_old_name_owns_nothing(
    catalogue, make_source, reconfigure
):
    catalogue.datasets = datasets("s1", "s2", "s3")
    source = make_source()
    run_job(source["id"])

    reconfigure(source, source_name="renamed")
    job = run_job(source["id"])

    assert (stats(job)["updated"], job_errors(job["id"])) == (3, [])
    assert_site_matches("renamed", expected(catalogue.datasets))
    assert_site_matches(SOURCE_NAME, {})
    assert stats(run_job(source["id"]))["not modified"] == 3


def _copy_of(shown: dict, **fields) -> dict:
    """A copy of a synced dataset as `ckanapi dump` then `load` (or a hand clone) makes it: the
    same content and `_harvest_source` marker under another name."""
    copy = {key: value for key, value in shown.items() if key not in ("id", "name")}
    copy["resources"] = [
        {key: value for key, value in resource.items() if key not in ("id", "package_id")}
        for resource in shown["resources"]
    ]
    copy["groups"] = [{"id": group["id"]} for group in shown["groups"]]
    return helpers.call_action("package_create", sysadmin_context(), **copy, **fields)


LOW_ID = "00000000-0000-4000-8000-000000000001"


def test_a_copy_with_the_marker_and_a_lower_id_is_never_updated_or_deleted(
    catalogue, make_source, reconfigure, cli, app
):
    """Issue 10, part 3: a hand-made dataset with a copied marker and a lower package id must
    not make the next job update the copy and delete the real one."""
    catalogue.datasets = datasets("s1", "s2")
    source = make_source()
    run_job(source["id"])
    real = show("ds-s1")
    copy = _copy_of(real, id=LOW_ID, name="copy-of-s1")
    assert copy["id"] < real["id"]
    assert [extra for extra in copy["extras"] if extra["key"] == "_harvest_source"] == [
        {"key": "_harvest_source", "value": f"{SOURCE_NAME}:s1"}
    ]

    shown = json.loads(cli.invoke(ckan, ["syncsource", "plan", source["name"], "--json"]).output)
    assert shown["datasets"]["ignored_copies"] == [
        {"source_id": "s1", "id": LOW_ID, "name": "copy-of-s1", "owner": real["id"]}
    ]
    assert shown["datasets"]["delete"] == []

    catalogue.datasets["s1"]["title"] = "Edited at the source"
    catalogue.write()
    job = run_job(source["id"])

    assert (stats(job)["updated"], stats(job)["deleted"], stats(job)["errored"]) == (1, 0, 0)
    assert job_errors(job["id"]) == []
    [warning] = job["syncsource_warnings"]
    assert warning.startswith("Dataset 'copy-of-s1' (" + LOW_ID + ")")
    assert real["id"] in warning
    token = factories.APIToken(user=factories.Sysadmin()["name"])["token"]
    page = app.get(f"/harvest/{source['name']}/job/{job['id']}", headers={"Authorization": token})
    assert "copy-of-s1" in page.body.split('id="job-warnings"')[1].split("</ul>")[0]
    assert show("ds-s1")["title"] == "Edited at the source"
    assert show(LOW_ID) == copy
    assert stats(run_job(source["id"]))["not modified"] == 2

    del catalogue.datasets["s1"]
    catalogue.write()
    reconfigure(source, delete_limit=1)
    job = run_job(source["id"])

    assert stats(job)["deleted"] == 1
    assert show(real["id"])["state"] == "deleted"
    assert show(LOW_ID) == copy


def test_after_the_harvest_history_is_cleared_the_source_adopts_its_datasets_again(
    catalogue, make_source
):
    catalogue.datasets = datasets("s1", "s2", "s3")
    source = make_source()
    run_job(source["id"])
    ids = {source_id: show(f"ds-{source_id}")["id"] for source_id in catalogue.datasets}
    before = modified_stamps()
    helpers.call_action("harvest_source_job_history_clear", sysadmin_context(), id=source["id"])

    job = run_job(source["id"])

    assert (stats(job)["not modified"], job_errors(job["id"])) == (3, [])
    assert {key: show(f"ds-{key}")["id"] for key in catalogue.datasets} == ids
    assert modified_stamps() == before
    catalogue.datasets["s2"]["title"] = "Edited"
    catalogue.write()
    assert stats(run_job(source["id"]))["updated"] == 1
    assert show("ds-s2")["id"] == ids["s2"]
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
