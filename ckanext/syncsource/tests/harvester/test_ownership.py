"""Which datasets a source may touch: its own and the legacy client's, never anybody else's."""

from __future__ import annotations

import json

from ckan.tests import helpers

from ..harvest_runner import create_source, job_errors, run_job, sysadmin_context
from .catalogue import dataset, datasets
from .conftest import SOURCE_NAME
from .site_view import assert_site_matches, expected, show, stats


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
