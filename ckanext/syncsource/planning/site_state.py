"""What CKAN holds for a source, read straight from the database in a few bulk queries.

Planning 100,000 datasets must not load 100,000 datasets: these queries return ids, names,
states and fingerprints only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import sqlalchemy as sa
from ckan import model
from ckanext.harvest.model import HarvestObject, HarvestObjectExtra, HarvestSource

from ..core.entries import ExistingEntry, ExistingGroup, State
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
    along with a dataset). Both queries stream one row per dataset and each row becomes its
    entry at once: holding rows or dicts per dataset first more than doubled the peak memory
    of planning 1,000,000 datasets.
    """
    entries = list(_linked_datasets(harvest_source_id, source_name))
    entries.extend(_marker_only_datasets(harvest_source_id, source_name))
    return entries


def _current_objects(harvest_source_id: str) -> sa.Select:
    return sa.select(HarvestObject).where(
        HarvestObject.harvest_source_id == harvest_source_id, HarvestObject.current
    )


def _linked_datasets(harvest_source_id: str, source_name: str) -> Iterator[ExistingEntry]:
    objects = _current_objects(harvest_source_id).subquery()
    extras = {
        key: sa.orm.aliased(HarvestObjectExtra)
        for key in (FINGERPRINT_EXTRA, SYNCED_MODIFIED_EXTRA, SOURCE_VERSION_EXTRA)
    }
    query = sa.select(
        objects.c.package_id,
        objects.c.guid,
        model.Package.name,
        model.Package.state,
        model.Package.metadata_modified,
        *(extra.value for extra in extras.values()),
    ).join(model.Package, model.Package.id == objects.c.package_id)
    for key, extra in extras.items():
        query = query.outerjoin(
            extra, sa.and_(extra.harvest_object_id == objects.c.id, extra.key == key)
        )
    query, marker = with_ownership_marker(query, outer=True)
    # One current object per dataset is the rule; after a crash there may be two: the latest
    # import speaks for the dataset.
    query = query.add_columns(marker).order_by(
        objects.c.package_id, objects.c.import_finished.desc().nulls_last(), objects.c.id
    )
    previous = None
    rows = _streamed(query)
    for package_id, guid, name, state, modified, synced, synced_modified, version, value in rows:
        if package_id == previous:
            continue
        previous = package_id
        # The fingerprint only vouches for the dataset as it was written; an edit made in CKAN
        # since then changes metadata_modified, and the merge has to look at it again. A marker
        # written under an earlier source_name must be rewritten, or another source given that
        # name later would adopt the dataset. A site that dropped the marker (a schema that
        # controls extras, a writer not sysadmin) still has the object's link; rewriting the
        # dataset every run would not bring it back.
        stale = value is not None and value != ownership_marker(source_name, guid)
        if synced_modified != _timestamp(modified) or stale:
            synced = None
        yield ExistingEntry(
            guid,
            package_id,
            name,
            _state(state),
            synced,
            linked=True,
            marker_missing=value is None,
            source_version=version if synced else None,
        )


def _marker_only_datasets(harvest_source_id: str, source_name: str) -> Iterator[ExistingEntry]:
    """The datasets carrying the source's marker that no current object of it links."""
    prefix = ownership_marker(source_name, "")
    linked = _current_objects(harvest_source_id).where(HarvestObject.package_id == model.Package.id)
    query, marker = with_ownership_marker(
        sa.select(
            model.Package.id,
            model.Package.name,
            model.Package.state,
            model.Package.metadata_created,
        )
    )
    query = query.add_columns(marker).where(
        model.Package.type == "dataset",
        sa.func.starts_with(marker, prefix),
        ~linked.exists(),
    )
    rows = _streamed(query)
    for package_id, name, state, created, value in rows:
        yield ExistingEntry(
            value[len(prefix) :],
            package_id,
            name,
            _state(state),
            None,
            created=_timestamp(created) or "",
        )


def _streamed(query: sa.Select) -> sa.Result:
    """The rows of `query` from a server-side cursor, planned for reading all of them.

    PostgreSQL plans a cursor for its first tenth of rows by default: index-driven nested
    loops that took twice as long as hash joins to read the 100,000 datasets of a source.
    """
    model.Session.execute(sa.text("SET LOCAL cursor_tuple_fraction = 1"))
    return model.Session.execute(query.execution_options(yield_per=_CHUNK))


def _state(state: str) -> State:
    return "deleted" if state == "deleted" else "active"


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
            found[group.name] = ExistingGroup(group.id, group.name, _state(group.state), content)
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
