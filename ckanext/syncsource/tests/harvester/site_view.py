"""What a site operator sees of a source's datasets: in the database and through Solr."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from ckan import model
from ckan.tests import helpers

from ckanext.syncsource.core.normalize import OWNERSHIP_EXTRA
from ckanext.syncsource.harvest import groups_sync
from ckanext.syncsource.planning.site_state import with_ownership_marker

from ..harvest_runner import sysadmin_context


def _marker(dataset: dict[str, Any]) -> str | None:
    return next(
        (extra["value"] for extra in dataset.get("extras", ()) if extra["key"] == OWNERSHIP_EXTRA),
        None,
    )


def visible_summary(dataset: dict[str, Any]) -> tuple:
    """Name, title and resources (name, url, source id) as an operator compares them."""
    resources = tuple(
        (resource.get("name"), resource["url"], resource.get("source_resource_id"))
        for resource in dataset["resources"]
    )
    return dataset["name"], dataset["title"], resources


def expected(catalogue: dict[str, dict[str, Any]], names: dict[str, str] | None = None) -> dict:
    """Source id -> summary the source dataset should have in CKAN (`names` overrides names)."""
    names = names or {}
    return {
        source_id: (
            names.get(source_id, content["name"]),
            content["title"],
            tuple(
                (resource["name"], resource["url"], resource["id"])
                for resource in content["resources"]
            ),
        )
        for source_id, content in catalogue.items()
    }


def in_database(source_name: str) -> dict[str, tuple]:
    """Source id -> summary of the active datasets carrying this source's marker (DB)."""
    prefix = f"{source_name}:"
    packages, marker = with_ownership_marker(sa.select(model.Package.id))
    ids = model.Session.execute(
        packages.where(
            model.Package.state == "active",
            model.Package.type == "dataset",
            sa.func.starts_with(marker, prefix),
        )
    ).scalars()
    found = {}
    for package_id in ids:
        shown = helpers.call_action("package_show", sysadmin_context(), id=package_id)
        source_id = _marker(shown)[len(prefix) :]
        assert source_id not in found, f"two datasets for source id {source_id!r}"
        found[source_id] = visible_summary(shown)
    return found


def in_search_index(source_name: str) -> dict[str, tuple]:
    """Source id -> summary of this source's datasets as `package_search` (Solr) returns them."""
    prefix = f"{source_name}:"
    results = helpers.call_action(
        "package_search", sysadmin_context(), q="*:*", rows=1000, include_private=True
    )["results"]
    found = {}
    for result in results:
        marker = _marker(result)
        if marker and marker.startswith(prefix):
            source_id = marker[len(prefix) :]
            assert source_id not in found, f"two indexed datasets for source id {source_id!r}"
            found[source_id] = visible_summary(result)
    return found


def assert_site_matches(source_name: str, wanted: dict[str, tuple]) -> None:
    assert in_database(source_name) == wanted
    assert in_search_index(source_name) == wanted


def modified_stamps() -> dict[str, str]:
    """metadata_modified of every dataset on the site, by id."""
    return dict(
        model.Session.execute(
            sa.select(model.Package.id, model.Package.metadata_modified).where(
                model.Package.type == "dataset"
            )
        ).all()
    )


def dataset_count() -> int:
    return model.Session.execute(
        sa.select(sa.func.count()).where(model.Package.type == "dataset")
    ).scalar()


def show(name_or_id: str) -> dict[str, Any]:
    return helpers.call_action("package_show", sysadmin_context(), id=name_or_id)


def stats(job: dict[str, Any]) -> dict[str, int]:
    """The job's counts, with the keys ckanext-harvest leaves out when zero."""
    counts = {"added": 0, "updated": 0, "deleted": 0, "not modified": 0, "errored": 0}
    counts.update(job["stats"])
    return counts


def spy_group_writes(monkeypatch) -> list[tuple[str, str, str]]:
    """Record each organization/group create and patch the harvester makes from now on, as
    (verb, kind, name or id), and let it through (organizations have no metadata_modified to
    show a write)."""
    writes: list[tuple[str, str, str]] = []
    writer = groups_sync._ActionWriter
    create, patch = writer.create, writer.patch

    def spied_create(self, kind, content):
        writes.append(("create", kind, content["name"]))
        return create(self, kind, content)

    def spied_patch(self, kind, data):
        writes.append(("patch", kind, data["id"]))
        return patch(self, kind, data)

    monkeypatch.setattr(writer, "create", spied_create)
    monkeypatch.setattr(writer, "patch", spied_patch)
    return writes
