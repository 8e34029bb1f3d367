"""An in-memory stand-in for CKAN, and a harvester-like driver, to test the engine end to end.

`MemoryCatalogue` behaves like CKAN 2.12's actions where the engine relies on it:
`package_delete` only marks a dataset deleted (its name stays taken until a create takes it,
which renames the deleted dataset to its id), `package_update` replaces the whole dataset and
guesses a resource's missing mimetype from its URL, extras come back in the order of CKAN's
JSONB column (shorter keys first), resources sent without an id get a fresh one, creates get
fresh uuids, `group_patch` keeps the fields it is not sent, and `package_show` carries
ckanext-harvest's index extras. `sync` drives the engine the way the
harvester does: plan organizations and groups, apply them, plan datasets, apply the steps.
"""

from __future__ import annotations

import copy
import mimetypes
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ckanext.syncsource.core import groups_apply
from ckanext.syncsource.core.datasets_plan import (
    DatasetCreate,
    DatasetDelete,
    DatasetPlan,
    plan_datasets,
)
from ckanext.syncsource.core.entries import ExistingEntry, ExistingGroup, ObjectError, SourceEntry
from ckanext.syncsource.core.errors import InvalidObject
from ckanext.syncsource.core.fingerprint import sync_fingerprint
from ckanext.syncsource.core.groups_apply import GroupRefused
from ckanext.syncsource.core.groups_plan import GroupPlan, Kind, plan_groups
from ckanext.syncsource.core.merge import differs, merge_dataset, renamed
from ckanext.syncsource.core.names import (
    DEFAULT_MAX_TRIES,
    cut_name,
    is_valid_name,
    name_for_rename,
)
from ckanext.syncsource.core.normalize import OWNERSHIP_EXTRA, normalize_dataset
from ckanext.syncsource.core.options import SyncOptions


class ValidationError(Exception):
    """What CKAN's actions raise for data they refuse."""


class MemoryCatalogue:
    def __init__(self) -> None:
        self.packages: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.synced: dict[str, tuple[str, int]] = {}
        """package id -> (sync fingerprint, metadata_modified) recorded when the harvester last
        synced it; an edit since then makes the fingerprint unknown, as the harvester does."""
        self.linked: set[str] = set()
        """Ids of the packages the harvester's current harvest objects link."""
        self.copies: set[str] = set()
        """Ids of datasets made as copies of synced ones (the tests' bookkeeping)."""
        self.writes = 0

    # Datasets, like CKAN's package_* actions (as a sysadmin).

    def package_create(self, data: Mapping[str, Any]) -> dict[str, Any]:
        if "id" in data:
            raise ValidationError("the engine must never choose a dataset id")
        package_id = str(uuid.uuid4())
        for package in self.packages.values():
            if package["name"] == data.get("name") and package["state"] == "deleted":
                package["name"] = package["id"]
        self.packages[package_id] = self._stored(package_id, data, created=None)
        return self.package_show(package_id)

    def package_update(self, data: Mapping[str, Any]) -> dict[str, Any]:
        current = self.packages.get(data.get("id"))
        if current is None:
            raise ValidationError("not found")
        stored = self._stored(current["id"], data, created=current)
        for resource in stored["resources"]:
            if "mimetype" not in resource and resource.get("url"):
                guessed = mimetypes.guess_type(resource["url"])[0]
                if guessed:
                    resource["mimetype"] = guessed
        if "state" not in data:
            stored["state"] = current["state"]
        self.packages[current["id"]] = stored
        return self.package_show(current["id"])

    def package_rename(self, package_id: str, name: str) -> None:
        """`package_patch` of the name alone (the title CKAN stored stays)."""
        if any(p["name"] == name for p in self.packages.values()):
            raise ValidationError(f"name {name!r} is already in use")
        self._tick()
        self.packages[package_id]["name"] = name
        self.packages[package_id]["metadata_modified"] = self.writes

    def package_delete(self, package_id: str) -> None:
        self._tick()
        self.packages[package_id]["state"] = "deleted"
        self.packages[package_id]["metadata_modified"] = self.writes

    def package_show(self, package_id: str) -> dict[str, Any]:
        shown = copy.deepcopy(self.packages[package_id])
        if any(extra["key"] == OWNERSHIP_EXTRA for extra in shown["extras"]):
            shown["extras"] += [
                {"key": "harvest_object_id", "value": str(self.writes)},
                {"key": "harvest_source_id", "value": "source-uuid"},
            ]
        return shown

    def _stored(self, package_id: str, data: Mapping[str, Any], created: Any) -> dict[str, Any]:
        """The dataset as CKAN would store it; a refused write changes nothing."""
        name = data.get("name")
        if not is_valid_name(name):
            raise ValidationError(f"invalid name {name!r}")
        if any(p["name"] == name and p["id"] != package_id for p in self.packages.values()):
            raise ValidationError(f"name {name!r} is already in use")
        stored = copy.deepcopy(dict(data))
        stored.update(
            id=package_id,
            state=data.get("state", "active"),
            metadata_created=created["metadata_created"] if created else None,
            private=data.get("private", False),
            type=data.get("type", "dataset"),
            title=data.get("title") or name,
            notes=data.get("notes"),
            num_resources=len(data.get("resources") or ()),
        )
        owner = data.get("owner_org")
        if owner is not None:
            org = self.groups.get(owner)
            if org is None or org["type"] != "organization":
                raise ValidationError(f"organization {owner!r} does not exist")
            stored["organization"] = {"id": owner, "name": org["name"], "title": org["title"]}
        else:
            stored["owner_org"] = None
        stored["groups"] = []
        for group in data.get("groups") or ():
            found = self.groups.get(group["id"])
            if found is None or found["type"] != "group":
                raise ValidationError(f"group {group['id']!r} does not exist")
            stored["groups"].append({"id": found["id"], "name": found["name"]})
        stored["tags"] = [
            {"name": tag["name"], "id": tag["name"]} for tag in data.get("tags") or ()
        ]
        stored["extras"] = sorted(
            (dict(extra) for extra in data.get("extras") or ()),
            key=lambda extra: (len(extra["key"].encode()), extra["key"].encode()),
        )
        stored["resources"] = [
            {**resource, "id": resource.get("id") or str(uuid.uuid4()), "position": position}
            for position, resource in enumerate(data.get("resources") or ())
        ]
        for resource in stored["resources"]:
            resource["package_id"] = package_id
        self._tick()
        stored["metadata_modified"] = self.writes
        if created is None:
            stored["metadata_created"] = self.writes
        return stored

    # Organizations and groups (one table and one name space in CKAN).

    def group_create(self, kind: Kind, content: Mapping[str, Any]) -> str:
        if any(g["name"] == content["name"] for g in self.groups.values()):
            raise ValidationError(f"group name {content['name']!r} is already in use")
        self._tick()
        group_id = str(uuid.uuid4())
        self.groups[group_id] = {
            "title": "",
            **copy.deepcopy(dict(content)),
            "id": group_id,
            "type": kind,
            "state": "active",
        }
        return group_id

    def group_patch(self, data: Mapping[str, Any]) -> None:
        """Like `group_patch`: the fields sent replace the stored ones, the others stay."""
        self._tick()
        group = self.groups[data["id"]]
        self.groups[data["id"]] = {**group, **copy.deepcopy(dict(data)), "type": group["type"]}

    def group_delete(self, group_id: str) -> None:
        self._tick()
        self.groups[group_id]["state"] = "deleted"

    def existing_groups(self, kind: Kind) -> dict[str, ExistingGroup]:
        return {
            g["name"]: ExistingGroup(g["id"], g["name"], g["state"], copy.deepcopy(g))
            for g in self.groups.values()
            if g["type"] == kind
        }

    # What the harvester asks about ownership.

    def owner_source_id(self, package: Mapping[str, Any], source_name: str) -> str | None:
        for extra in package["extras"]:
            if extra["key"] == OWNERSHIP_EXTRA and extra["value"].startswith(f"{source_name}:"):
                return extra["value"][len(source_name) + 1 :]
        return None

    def own_entries(self, source_name: str) -> list[ExistingEntry]:
        entries = []
        for package in self.packages.values():
            source_id = self.owner_source_id(package, source_name)
            if source_id is not None:
                entries.append(
                    ExistingEntry(
                        source_id,
                        package["id"],
                        package["name"],
                        package["state"],
                        self._synced_fingerprint(package),
                        linked=package["id"] in self.linked,
                        created=f"{package['metadata_created']:08}",
                    )
                )
        return entries

    def _synced_fingerprint(self, package: Mapping[str, Any]) -> str | None:
        recorded, modified = self.synced.get(package["id"], (None, None))
        return recorded if modified == package["metadata_modified"] else None

    def name_taken(self) -> Callable[[str], bool]:
        """Which names some dataset holds, in any state (as the harvester asks the database)."""
        return {p["name"] for p in self.packages.values()}.__contains__

    def free_name(self, wanted: str, own_id: str) -> str:
        """What the harvester's import renames a dataset to (`name_for_rename`)."""
        held = {p["name"] for p in self.packages.values() if p["id"] != own_id}
        current = self.packages[own_id]["name"]
        name = name_for_rename(wanted, current, held.__contains__, DEFAULT_MAX_TRIES)
        if name is None:
            raise ValidationError(f"no free name for {wanted!r}")
        return name

    def _tick(self) -> None:
        self.writes += 1


@dataclass
class SyncPlan:
    organizations: GroupPlan
    groups: GroupPlan
    datasets: DatasetPlan
    content: dict[str, dict[str, Any]]


@dataclass
class RunReport:
    created: dict[str, str] = field(default_factory=dict)
    """source id -> name used"""
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    plan: SyncPlan | None = None


def plan_sync(
    catalogue: MemoryCatalogue,
    source_name: str,
    document: Mapping[str, Any],
    options: SyncOptions,
) -> SyncPlan:
    organizations = plan_groups(
        "organization",
        document.get("organization", {}),
        catalogue.existing_groups("organization"),
        options.organization_merge_strategy,
    )
    groups = plan_groups(
        "group",
        document.get("group", {}),
        catalogue.existing_groups("group"),
        options.group_merge_strategy,
    )
    content, entries, invalid = {}, [], []
    for source_id, obj in document.get("dataset", {}).items():
        try:
            canonical = normalize_dataset(obj)
        except InvalidObject as error:
            invalid.append(ObjectError(source_id, str(error)))
            continue
        content[source_id] = canonical
        entries.append(
            SourceEntry(source_id, canonical["name"], sync_fingerprint(canonical, options))
        )
    datasets = plan_datasets(
        entries,
        catalogue.own_entries(source_name),
        catalogue.name_taken(),
        invalid=invalid,
        follow_names=not options.dataset_preserve_names,
    )
    return SyncPlan(organizations, groups, datasets, content)


class _MemoryGroupWriter:
    """The harvester's organization/group writes, on the memory catalogue."""

    def __init__(self, catalogue: MemoryCatalogue) -> None:
        self._catalogue = catalogue

    def create(self, kind: Kind, content: dict[str, Any]) -> str:
        try:
            return self._catalogue.group_create(kind, content)
        except ValidationError as e:
            raise GroupRefused(str(e)) from e

    def patch(self, kind: Kind, data: dict[str, Any]) -> None:
        self._catalogue.group_patch(data)

    def leave(self, kind: Kind, group_id: str) -> None:
        """The memory catalogue makes nobody a member."""


def apply_group_plan(catalogue: MemoryCatalogue, plan: GroupPlan) -> dict[str, str]:
    return groups_apply.apply_group_plan(plan, _MemoryGroupWriter(catalogue)).ids


def sync(
    catalogue: MemoryCatalogue,
    source_name: str,
    document: Mapping[str, Any],
    options: SyncOptions | None = None,
) -> RunReport:
    options = options or SyncOptions()
    plan = plan_sync(catalogue, source_name, document, options)
    org_ids = apply_group_plan(catalogue, plan.organizations)
    group_ids = apply_group_plan(catalogue, plan.groups)
    report = RunReport(plan=plan)
    report.errors.update((error.key, error.reason) for error in plan.datasets.errors)
    report.unchanged.extend(step.source_id for step in plan.datasets.unchanged)
    for step in plan.datasets.steps():
        if isinstance(step, DatasetDelete):
            if catalogue.packages[step.package_id]["state"] != "deleted":
                catalogue.package_delete(step.package_id)
            catalogue.linked.discard(step.package_id)
            report.deleted.append(step.source_id)
            continue
        canonical = plan.content[step.source_id]
        marker = f"{source_name}:{step.source_id}"
        if step.displaces:
            _displace(
                catalogue,
                step.displaces,
                step.name if isinstance(step, DatasetCreate) else cut_name(canonical["name"]),
            )
        try:
            if isinstance(step, DatasetCreate):
                merged = merge_dataset(
                    canonical, None, options, org_ids, group_ids, marker, step.name
                )
                package_id = catalogue.package_create(merged)["id"]
                report.created[step.source_id] = step.name
            else:
                package_id = step.package_id
                current = catalogue.package_show(package_id)
                merged = merge_dataset(canonical, current, options, org_ids, group_ids, marker)
                if merged["name"] != current["name"]:
                    free = catalogue.free_name(merged["name"], package_id)
                    merged = renamed(merged, canonical, free)
                if differs(merged, current):
                    catalogue.package_update(merged)
                    report.updated.append(step.source_id)
                else:
                    report.unchanged.append(step.source_id)
        except (InvalidObject, ValidationError) as error:
            report.errors[step.source_id] = str(error)
            continue
        modified = catalogue.packages[package_id]["metadata_modified"]
        catalogue.synced[package_id] = (step.fingerprint, modified)
        catalogue.linked.add(package_id)
    return report


def _displace(catalogue: MemoryCatalogue, package_id: str, name: str) -> None:
    """What the harvester's import does for a step that `displaces`: move the source's own
    dataset (active, or deleted and coming back) off the name the step takes, to its id, when
    it still holds that name."""
    package = catalogue.packages[package_id]
    if package["name"] == name:
        catalogue.package_rename(package_id, package_id)
