"""A harvest source can do no more than the people who may edit it (see `source_rights`)."""

from __future__ import annotations

import json

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.tests import factories
from ckanext.harvest.model import HarvestObject, HarvestSource

from ..harvest_runner import create_source, job_errors, run_job, sysadmin_context
from .catalogue import dataset, org
from .site_view import show


def _as(user: dict | None) -> dict:
    return {"user": user["name"] if user else ""}


def _save_source(user: dict | None, url: str, config: dict, **fields) -> dict:
    name = f"source-{factories.Dataset.stub().name}"
    return tk.get_action("harvest_source_create")(
        _as(user),
        {
            "name": name,
            "title": name,
            "url": url,
            "source_type": "syncsource",
            "config": json.dumps(config),
            **fields,
        },
    )


@pytest.fixture
def editor(stack) -> dict:
    """A user who is only an editor of organization `mine`; `theirs` is another organization."""
    user = factories.User()
    factories.Organization(name="mine", users=[{"name": user["name"], "capacity": "editor"}])
    factories.Organization(name="theirs", title="Theirs")
    return user


def test_the_measured_attack_of_an_organization_editor_is_refused(editor, catalogue):
    catalogue.organizations = {
        "mine": org("Mine"),
        "theirs": org("Renamed by the editor"),
        "brand-new": org("New"),
    }
    catalogue.datasets = {
        "m1": dataset("m1", org="mine"),
        "t2": dataset("t2", org="theirs"),
        "t3": dataset("t3", org="theirs"),
    }
    url = catalogue.write()
    with pytest.raises(tk.ValidationError) as refused:
        _save_source(editor, url, {"organization_merge_strategy": "update"}, owner_org="mine")
    assert "organization_merge_strategy 'update'" in str(refused.value.error_dict["config"])
    assert "only a sysadmin" in str(refused.value.error_dict["config"])
    with pytest.raises(tk.ValidationError, match="only a sysadmin"):
        _save_source(editor, url, {"source_name": "x"}, owner_org="mine")

    source = _save_source(editor, url, {}, owner_org="mine")
    # A dataset of the other organization carrying this source's marker, as the legacy client
    # would have left it: it must not be adopted.
    theirs_dataset = tk.get_action("package_create")(
        sysadmin_context(),
        {
            "name": "theirs-own",
            "title": "Theirs, by hand",
            "owner_org": "theirs",
            "extras": [{"key": "_harvest_source", "value": f"{source['name']}:t2"}],
        },
    )
    job = run_job(source["id"])

    kept = show("theirs-own")
    assert (kept["id"], kept["title"]) == (theirs_dataset["id"], "Theirs, by hand")
    assert (
        tk.get_action("organization_show")(sysadmin_context(), {"id": "theirs"})["title"]
        == "Theirs"
    )
    assert model.Group.get("brand-new") is None
    theirs = tk.get_action("package_search")(
        sysadmin_context(), {"fq": "organization:theirs", "include_private": True}
    )
    assert [d["name"] for d in theirs["results"]] == ["theirs-own"]
    assert show("ds-m1")["organization"]["name"] == "mine"
    errors = sorted(job_errors(job["id"]))
    assert len(errors) == 3
    assert "organization 'brand-new' was not created" in errors[2]
    assert errors[0].startswith("Dataset 't2'") and "update_dataset" in errors[0]
    assert errors[1].startswith("Dataset 't3'") and "create_dataset" in errors[1]
    assert all("organization 'theirs'" in error for error in errors[:2])


def test_a_source_saved_with_privileged_options_before_the_rule_cannot_run(editor, catalogue):
    catalogue.organizations = {"theirs": org("Renamed")}
    source = create_source(catalogue.write(), {})
    stored = HarvestSource.get(source["id"])
    stored.config = json.dumps({"organization_merge_strategy": "update"})
    package = model.Package.get(source["id"])
    package.owner_org = model.Group.get("mine").id
    model.Session.commit()

    job = run_job(source["id"])

    assert "organization_merge_strategy 'update'" in " ".join(job_errors(job["id"]))
    theirs = tk.get_action("organization_show")(sysadmin_context(), {"id": "theirs"})
    assert theirs["title"] == "Theirs"


def test_anonymous_learns_nothing_and_only_sysadmins_edit_unowned_sources(editor, catalogue):
    url = catalogue.write()
    taken = create_source(url, {"source_name": "taken"})
    with pytest.raises(tk.NotAuthorized):
        _save_source(None, url + "?x", {"source_name": "taken"}, owner_org="mine")
    with pytest.raises(tk.NotAuthorized):
        _save_source(editor, url + "?y", {})
    for action, data in (
        ("harvest_source_update", {**taken, "title": "Taken over"}),
        ("harvest_job_create", {"source_id": taken["id"]}),
    ):
        with pytest.raises(tk.NotAuthorized):
            tk.get_action(action)(_as(editor), data)


def test_syncsource_objects_are_shown_only_to_those_who_may_edit_the_source(editor, catalogue):
    catalogue.organizations = {"mine": org("Mine")}
    catalogue.datasets = {"p1": dataset("p1", org="mine", private=True)}
    source = _save_source(editor, catalogue.write(), {}, owner_org="mine")
    run_job(source["id"])
    object_id = model.Session.query(HarvestObject.id).filter_by(current=True).scalar()

    for user in (None, factories.User()):
        with pytest.raises(tk.NotAuthorized):
            tk.get_action("harvest_object_show")(_as(user), {"id": object_id})
        with pytest.raises(tk.NotAuthorized):
            tk.get_action("harvest_object_show")(_as(user), {"dataset_id": "ds-p1"})
    for user in (editor, None):
        context = _as(user) if user else sysadmin_context()
        assert tk.get_action("harvest_object_show")(context, {"id": object_id})["id"] == object_id


def test_an_editor_losing_rights_between_two_jobs_limits_the_second(editor, catalogue):
    """The import reads a source's rights once per job: what it read for one job (in the same
    process) must not let the next job write where an editor may no longer."""
    tk.get_action("organization_member_create")(
        sysadmin_context(), {"id": "theirs", "username": editor["name"], "role": "editor"}
    )
    catalogue.organizations = {"mine": org("Mine"), "theirs": org("Theirs")}
    catalogue.datasets = {"t1": dataset("t1", org="theirs")}
    source = _save_source(editor, catalogue.write(), {}, owner_org="mine")
    assert job_errors(run_job(source["id"])["id"]) == []
    assert show("ds-t1")["organization"]["name"] == "theirs"

    tk.get_action("organization_member_delete")(
        sysadmin_context(), {"id": "theirs", "username": editor["name"]}
    )
    catalogue.datasets["t1"]["title"] = "Changed after the editor left"
    catalogue.datasets["t2"] = dataset("t2", org="theirs")
    catalogue.write()
    errors = sorted(job_errors(run_job(source["id"])["id"]))

    assert len(errors) == 2
    assert errors[0].startswith("Dataset 't1'") and "update_dataset" in errors[0]
    assert errors[1].startswith("Dataset 't2'") and "create_dataset" in errors[1]
    assert show("ds-t1")["title"] == "Dataset t1"
    assert model.Package.get("ds-t2") is None
