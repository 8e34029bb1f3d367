"""Running again converges and writes nothing more: unchanged re-runs, a fetch message
delivered twice, and a job whose worker died half-way."""

from __future__ import annotations

import pytest
from ckan.tests import helpers

from ..harvest_runner import job_errors, run_job, sysadmin_context
from .catalogue import dataset, datasets, org
from .conftest import SOURCE_NAME
from .site_view import (
    assert_site_matches,
    dataset_count,
    expected,
    modified_stamps,
    show,
    spy_group_writes,
    stats,
)
from .stages import (
    finish_as_timed_out,
    gather_job,
    import_object,
    object_count,
    regather,
    run_job_finish,
)


def test_an_unchanged_rerun_writes_nothing(catalogue, make_source, monkeypatch):
    catalogue.organizations["org-b"] = {"title": "B"}
    catalogue.groups = {"grp-1": {"title": "G"}}
    catalogue.datasets = {
        **datasets("s1", "s2", "s3", groups=("grp-1",), resources=2),
        **datasets("s4", "s5", org="org-b", resources=0),
        **datasets("s6", org=None),
    }
    source = make_source(organization_merge_strategy="update", group_merge_strategy="update")
    run_job(source["id"])
    before, objects = modified_stamps(), object_count()
    groups = helpers.call_action("group_list", all_fields=True)
    group_writes = spy_group_writes(monkeypatch)

    job = run_job(source["id"])

    assert stats(job) == {**stats({"stats": {}}), "not modified": 6}
    assert modified_stamps() == before
    assert object_count() == objects
    assert helpers.call_action("group_list", all_fields=True) == groups
    assert group_writes == []


def test_a_dataset_edited_by_hand_is_restored_once_then_left_alone(catalogue, make_source):
    catalogue.datasets = datasets("s1", "s2")
    source = make_source()
    run_job(source["id"])
    helpers.call_action("package_patch", sysadmin_context(), id="ds-s1", title="Edited by hand")

    job = run_job(source["id"])

    assert (stats(job)["updated"], stats(job)["not modified"]) == (1, 1)
    assert show("ds-s1")["title"] == "Dataset s1"
    before = modified_stamps()
    assert stats(run_job(source["id"]))["not modified"] == 2
    assert modified_stamps() == before


def test_a_fetch_message_delivered_twice_creates_no_duplicate(catalogue, make_source):
    catalogue.datasets = datasets("s1", "s2", "s3")
    source = make_source()
    run_job(source["id"])
    del catalogue.datasets["s1"]
    catalogue.datasets.update(datasets("s4"))
    catalogue.datasets["s2"]["title"] = "Changed"
    catalogue.write()

    job_id, object_ids = gather_job(source["id"])
    for object_id in object_ids + object_ids:
        import_object(object_id)

    assert dataset_count() == 4  # s1 deleted, s2 to s4 active, no duplicate
    job = run_job_finish(source["id"], job_id)
    assert stats(job) == {"added": 1, "updated": 1, "deleted": 1, "not modified": 1, "errored": 0}
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))


def test_a_job_whose_worker_died_half_way_converges_in_the_next_job(catalogue, make_source):
    catalogue.datasets = datasets(*(f"s{n}" for n in range(8)))
    source = make_source()
    crashed_job, object_ids = gather_job(source["id"])
    for object_id in object_ids[:4]:
        import_object(object_id)
    finish_as_timed_out(crashed_job)
    catalogue.datasets["s7"]["title"] = "Changed after the crash"
    catalogue.write()

    job = run_job(source["id"])

    assert job_errors(job["id"]) == []
    assert (stats(job)["added"], stats(job)["not modified"]) == (4, 4)
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))

    # The dead job's messages may still arrive (harvest_jobs_run resubmits waiting objects):
    # they must not undo the newer job.
    for object_id in object_ids[4:]:
        import_object(object_id)
    assert dataset_count() == 8
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
    assert stats(run_job(source["id"]))["not modified"] == 8
    left = job_errors(crashed_job)
    assert len(left) >= 4
    assert all("its job finished before this object was imported" in error for error in left)


def test_a_gather_message_delivered_twice_plans_once(catalogue, make_source):
    catalogue.datasets = datasets("s1", "s2", "s3")
    source = make_source()
    run_job(source["id"])
    catalogue.datasets["s1"]["title"] = "Changed"
    catalogue.datasets.update(datasets("s4"))
    catalogue.write()

    job_id, object_ids = gather_job(source["id"])
    again = regather(job_id)
    for object_id in object_ids + again:
        import_object(object_id)
    finished = run_job_finish(source["id"], job_id)

    assert sorted(again) == sorted(object_ids)
    assert (stats(finished)["added"], stats(finished)["updated"]) == (1, 1)
    assert stats(finished)["not modified"] == 2
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))


def test_an_unchanged_job_gathered_twice_still_finishes(catalogue, make_source):
    catalogue.datasets = datasets("s1", "s2")
    source = make_source()
    run_job(source["id"])

    job_id, object_ids = gather_job(source["id"])
    again = regather(job_id)
    finished = run_job_finish(source["id"], job_id)

    assert (object_ids, again) == ([], [])
    assert (finished["status"], job_errors(job_id)) == ("Finished", [])
    assert stats(finished)["not modified"] == 2


MANY_EXTRAS = {
    "origin": "catalogue",
    "b": "2",
    "a": "1",
    "zeta-longer-key": "z",
    "c": "3",
    "m": "13",
    "publisher-contact-email": "data@example.org",
    "q": "17",
}


def test_a_config_change_that_leaves_merged_datasets_unchanged_writes_none(
    catalogue, make_source, reconfigure
):
    """Datasets created, then updated by CKAN (so it stores extras and resources its own way),
    then a config change that changes no merge result: no dataset write."""
    catalogue.groups = {"grp-1": org("Group 1")}
    catalogue.datasets = datasets("s1", "s2", groups=("grp-1",), resources=2, extras=MANY_EXTRAS)
    source = make_source()
    run_job(source["id"])
    for content in catalogue.datasets.values():
        content["title"] += ", edited"
        content["extras"] = {**MANY_EXTRAS, "added-later": "x"}
    catalogue.write()
    assert stats(run_job(source["id"]))["updated"] == 2
    before = modified_stamps()

    reconfigure(source, dataset_group_merge_strategy="replace")
    job = run_job(source["id"])

    assert (stats(job)["not modified"], stats(job)["updated"]) == (2, 0)
    assert modified_stamps() == before
    assert stats(run_job(source["id"]))["not modified"] == 2


def test_a_create_delivered_before_the_delete_that_frees_its_name_still_gets_the_name(
    catalogue, make_source, reconfigure
):
    """Consumers take objects in any order: the create deletes the source's own dataset that
    the job deletes and that still holds its name; the delete object then finds it done."""
    catalogue.datasets = datasets("s1", "s2")
    source = make_source()
    run_job(source["id"])
    old = show("ds-s1")
    catalogue.datasets = {"k1": dataset("k1", name="ds-s1"), "s2": catalogue.datasets["s2"]}
    catalogue.write()
    reconfigure(source, delete_limit=1)

    job_id, object_ids = gather_job(source["id"])
    for object_id in reversed(object_ids):
        import_object(object_id)
    job = run_job_finish(source["id"], job_id)

    assert (stats(job)["added"], stats(job)["deleted"], job_errors(job_id)) == (1, 1, [])
    assert show(old["id"])["state"] == "deleted"
    assert show("ds-s1")["id"] != old["id"]
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))


@pytest.mark.parametrize("order", [list, reversed], ids=["in-order", "reversed"])
def test_names_swapped_at_the_source_are_exact_after_one_job_in_any_delivery_order(
    catalogue, make_source, order
):
    """Each rename wants the name the other holds until its own rename: whichever object a
    consumer takes first moves the other dataset off the name, and the other's step renames
    it. Without that, the first rename got a suffix and the names were exact a job later."""
    catalogue.datasets = datasets("s1", "s2", "s3")
    source = make_source(dataset_preserve_names=False)
    run_job(source["id"])
    ids = {source_id: show(f"ds-{source_id}")["id"] for source_id in catalogue.datasets}
    catalogue.datasets["s1"]["name"], catalogue.datasets["s2"]["name"] = "ds-s2", "ds-s1"
    catalogue.write()

    job_id, object_ids = gather_job(source["id"])
    for object_id in order(object_ids):
        import_object(object_id)
    job = run_job_finish(source["id"], job_id)

    assert (stats(job)["updated"], job_errors(job_id)) == (2, [])
    assert (show("ds-s2")["id"], show("ds-s1")["id"]) == (ids["s1"], ids["s2"])
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
    assert stats(run_job(source["id"]))["not modified"] == 3


def test_a_name_given_up_by_a_dataset_coming_back_is_exact_after_one_job(catalogue, make_source):
    """ds-s1 was deleted by hand, so the job brings it back, under its new source name; s2 takes
    its old name. The objects run in reverse (s2 first): the deleted dataset still holds the
    name in the package table, and s2's update moves it off first instead of taking a suffix."""
    catalogue.datasets = datasets("s1", "s2")
    source = make_source(dataset_preserve_names=False)
    run_job(source["id"])
    helpers.call_action("package_delete", sysadmin_context(), id="ds-s1")
    catalogue.datasets["s1"]["name"], catalogue.datasets["s2"]["name"] = "ds-s1-now", "ds-s1"
    catalogue.write()

    job_id, object_ids = gather_job(source["id"])
    for object_id in reversed(object_ids):
        import_object(object_id)
    job = run_job_finish(source["id"], job_id)

    assert (stats(job)["updated"], job_errors(job_id)) == (2, [])
    assert show("ds-s1-now")["state"] == "active"
    assert_site_matches(SOURCE_NAME, expected(catalogue.datasets))
    assert stats(run_job(source["id"]))["not modified"] == 2
