"""What CKAN holds for a source, read straight from the database in a few bulk queries.

Planning 100,000 datasets must not load 100,000 datasets: these queries return ids, names,
states and fingerprints only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from ckan import model
from ckanext.harvest.model import HarvestObject, HarvestObjectExtra, HarvestSource

from ..core.entries import ExistingEntry, ExistingGroup
from ..core.normalize import OWNERSHIP_EXTRA, ownership_marker
from .harvest_objects import FINGERPRINT_EXTRA, SOURCE_VERSION_EXTRA, SYNCED_MODIFIED_EXTRA
from .source_config import configured_source_name

PLUGIN_DATA_KEY = "syncsource"
PLUGIN_DATA_MARKER = "harvest_source"
"""The ownership marker's home outside the schema: `plugin_data["syncsource"]["harvest_source"]`."""
_CHUNK = 5000


def with_ownership_marker(
    query: sa.Select, outer: bool = False
) -> tuple[sa.Select, sa.ColumnElement]:
    """`query` (which selects from `package`) able to read the ownership marker, and the column
    that holds it; with `outer`, packages without a marker stay in the query.

    The marker is read from `package.plugin_data` (outside every schema, written by sysadmins
    only, not copied by `package_show` dumps) and else from the `_harvest_source` extra (the
    legacy client's, and the one a site schema may drop or refuse). CKAN 2.12 keeps extras in a
    JSONB column of `package`; CKAN 2.11 in the `package_extra` table; both have `plugin_data`.
    """
    kept = model.package_table.c.plugin_data[PLUGIN_DATA_KEY][PLUGIN_DATA_MARKER].astext
    if "extras" in model.package_table.c:
        marker = sa.func.coalesce(kept, model.package_table.c.extras[OWNERSHIP_EXTRA].astext)
    else:
        extra = model.package_extra_table
        query = query.join(
            extra,
            sa.and_(
                extra.c.package_id == model.Package.id,
                extra.c.key == OWNERSHIP_EXTRA,
                extra.c.state == "active",
            ),
            isouter=True,
        )
        marker = sa.func.coalesce(kept, extra.c.value)
    if not outer:
        query = query.where(marker.is_not(None))
    return query, marker


def plugin_data_with_marker(package: model.Package | None, marker: str) -> dict:
    """The dataset's `plugin_data` (other plugins' entries kept) holding the ownership marker;
    `package` None for a new dataset."""
    plugin_data = dict(package.plugin_data or {}) if package is not None else {}
    plugin_data[PLUGIN_DATA_KEY] = {PLUGIN_DATA_MARKER: marker}
    return plugin_data


def stored_marker(package_id: str) -> str | None:
    """The ownership marker CKAN stored for the dataset, wherever it is kept."""
    return stored_modified_and_marker(package_id)[1]


def stored_modified_and_marker(package_id: str) -> tuple[str | None, str | None]:
    """The `metadata_modified` (ISO) and the ownership marker CKAN stored for the dataset."""
    query, marker = with_ownership_marker(sa.select(model.Package.metadata_modified), outer=True)
    row = model.Session.execute(
        query.add_columns(marker).where(model.Package.id == package_id)
    ).first()
    if row is None:
        return None, None
    return (row[0].isoformat() if row[0] is not None else None), row[1]


def owned_datasets(harvest_source_id: str, source_name: str) -> list[ExistingEntry]:
    """The datasets that may belong to the source, in any state, for `plan_datasets` to
    decide which it owns.

    Those a current harvest object of this source links (`linked`; the source id is the
    object's guid), and those carrying `_harvest_source = "<source_name>:<id>"` (which survives
    clearing the harvest history, and marks the legacy client's datasets, but is also copied
    along with a dataset).
    """
    prefix = ownership_marker(source_name, "")
    packages, marker = with_ownership_marker(
        sa.select(
            model.Package.id,
            model.Package.name,
            model.Package.state,
            model.Package.metadata_modified,
            model.Package.metadata_created,
        )
    )
    by_marker = packages.add_columns(marker).where(
        model.Package.type == "dataset", sa.func.starts_with(marker, prefix)
    )
    entries: dict[str, dict] = {}
    for package_id, name, state, modified, created, value in model.Session.execute(
        by_marker.execution_options(yield_per=_CHUNK)
    ):
        entries[package_id] = {
            "source_id": value[len(prefix) :],
            "name": name,
            "state": state,
            "modified": modified,
            "created": created,
        }

    linked = (
        sa.select(
            HarvestObject.package_id,
            HarvestObject.guid,
            model.Package.name,
            model.Package.state,
            model.Package.metadata_modified,
            model.Package.metadata_created,
            HarvestObjectExtra.key,
            HarvestObjectExtra.value,
        )
        .join(model.Package, model.Package.id == HarvestObject.package_id)
        .outerjoin(
            HarvestObjectExtra,
            sa.and_(
                HarvestObjectExtra.harvest_object_id == HarvestObject.id,
                HarvestObjectExtra.key.in_(
                    [FINGERPRINT_EXTRA, SYNCED_MODIFIED_EXTRA, SOURCE_VERSION_EXTRA]
                ),
            ),
        )
        .where(HarvestObject.harvest_source_id == harvest_source_id, HarvestObject.current)
    )
    linked, linked_marker = with_ownership_marker(linked, outer=True)
    # Streamed (a server-side cursor): buffered, these rows (two per dataset, one per extra)
    # raised the peak of a 100,000-dataset gather from 333 MB to 503 MB.
    rows = model.Session.execute(
        linked.add_columns(linked_marker).execution_options(yield_per=_CHUNK)
    )
    for package_id, guid, name, state, modified, created, key, value, marker_value in rows:
        entry = entries.setdefault(
            package_id, {"name": name, "state": state, "modified": modified, "created": created}
        )
        entry.update(source_id=guid, linked=True)
        if marker_value is None:
            # The site dropped it (a schema that controls extras, a writer not sysadmin): the
            # harvest object still links the dataset; rewriting it every run would not help.
            entry["marker_missing"] = True
        elif marker_value != ownership_marker(source_name, entry["source_id"]):
            entry["stale_marker"] = True
        if key:
            entry[key] = value
    return [_existing_entry(package_id, entry) for package_id, entry in entries.items()]


def _existing_entry(package_id: str, entry: dict) -> ExistingEntry:
    # The fingerprint only vouches for the dataset as it was written; an edit made in CKAN since
    # then changes metadata_modified, and the merge has to look at the dataset again.
    # A marker written under an earlier source_name must be rewritten, or another source given
    # that name later would adopt the dataset.
    synced = entry.get(FINGERPRINT_EXTRA)
    if entry.get(SYNCED_MODIFIED_EXTRA) != _timestamp(entry["modified"]) or entry.get(
        "stale_marker"
    ):
        synced = None
    state = "deleted" if entry["state"] == "deleted" else "active"
    return ExistingEntry(
        entry["source_id"],
        package_id,
        entry["name"],
        state,
        synced,
        linked=entry.get("linked", False),
        created=_timestamp(entry["created"]) or "",
        marker_missing=entry.get("marker_missing", False),
        source_version=entry.get(SOURCE_VERSION_EXTRA) if synced else None,
    )


def _timestamp(value) -> str | None:
    return value.isoformat() if value is not None else None


def dataset_made_for(harvest_source_id: str, source_id: str) -> str | None:
    """The dataset an earlier create of this source made for this source id, if any.

    A create commits its harvest object as the dataset's current one in the same transaction,
    so the indexed guid finds it; a scan of the datasets' ownership markers would cost a pass
    over the whole package table per create.
    """
    return model.Session.execute(
        sa.select(HarvestObject.package_id)
        .join(model.Package, model.Package.id == HarvestObject.package_id)
        .where(
            HarvestObject.harvest_source_id == harvest_source_id,
            HarvestObject.guid == source_id,
            HarvestObject.current,
        )
        .order_by(model.Package.state, model.Package.id)
        .limit(1)
    ).scalar()


def taken_names(names: Iterable[str]) -> set[str]:
    """Which of `names` some dataset (in any state) already holds."""
    return _present(model.Package.name, names)


def existing_package_ids(ids: Iterable[str]) -> set[str]:
    """Which of `ids` are datasets in the database (in any state)."""
    return _present(model.Package.id, ids)


def _present(column: sa.ColumnElement, values: Iterable[str]) -> set[str]:
    """Which of `values` the `package` table holds in `column`, in bulk queries."""
    values = list(values)
    found: set[str] = set()
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        found.update(model.Session.execute(sa.select(column).where(column.in_(chunk))).scalars())
    return found


def name_checker(wanted: Iterable[str]) -> Callable[[str], bool]:
    """A `name_taken` for the planner: one bulk query for the wanted names, then one per
    suffixed candidate (only met when a name is taken)."""
    wanted = set(wanted)
    taken = taken_names(wanted)

    def name_taken(name: str) -> bool:
        if name in wanted:
            return name in taken
        return bool(taken_names([name]))

    return name_taken


def existing_groups(kind: str, names: Iterable[str]) -> dict[str, ExistingGroup]:
    """The organizations (kind 'organization') or groups CKAN holds under these names."""
    names = list(names)
    found: dict[str, ExistingGroup] = {}
    for start in range(0, len(names), _CHUNK):
        query = model.Session.query(model.Group).filter(
            model.Group.name.in_(names[start : start + _CHUNK]),
            model.Group.is_organization == (kind == "organization"),
        )
        for group in query:
            content = {
                "name": group.name,
                "title": group.title,
                "description": group.description,
                "image_url": group.image_url,
                "extras": [{"key": k, "value": v} for k, v in (group.extras or {}).items()],
            }
            state = "deleted" if group.state == "deleted" else "active"
            found[group.name] = ExistingGroup(group.id, group.name, state, content)
    return found


def other_sources_named(source_name: str, own_id: str | None) -> list[str]:
    """Ids of the other active syncsource harvest sources whose source_name is this one."""
    rows = model.Session.execute(
        sa.select(HarvestSource.id, HarvestSource.config, model.Package.name)
        .join(model.Package, model.Package.id == HarvestSource.id)
        .where(
            HarvestSource.type == "syncsource",
            HarvestSource.active,
            model.Package.state == "active",
            HarvestSource.id != (own_id or ""),
        )
    )
    return [
        source_id
        for source_id, config, name in rows
        if (configured_source_name(config) or name) == source_name
    ]


def package_id_by_name(name: str) -> str | None:
    return model.Session.execute(
        sa.select(model.Package.id).where(model.Package.name == name)
    ).scalar()
