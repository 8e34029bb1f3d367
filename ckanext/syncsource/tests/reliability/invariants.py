"""The invariants the battery checks after every case, measured as figures.

For each source: the active datasets carrying its ownership marker are exactly the source ids
it should hold (none lost, none stale, no id twice, no new dataset without a marker);
`package_search` holds what the database holds; every dataset the case's sources do not own,
and every organization and group that existed before the case, is byte-for-byte what it was.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from ckan import model
from ckan.tests import helpers

from ckanext.syncsource.planning.site_state import with_ownership_marker

from ..harvest_runner import sysadmin_context

# Everything CKAN stores about a dataset or group, digested per row owner: the row itself,
# its resources, tags and memberships.
_DIGESTS = sa.text(
    """
    SELECT p.id, md5(
        row_to_json(p)::text
        || coalesce((SELECT json_agg(r ORDER BY r.id)::text FROM resource r
                     WHERE r.package_id = p.id), '')
        || coalesce((SELECT json_agg(t ORDER BY t.id)::text FROM package_tag t
                     WHERE t.package_id = p.id), '')
        || coalesce((SELECT json_agg(m ORDER BY m.id)::text FROM member m
                     WHERE m.table_id = p.id), ''))
    FROM package p WHERE p.type = 'dataset'
    UNION ALL
    SELECT g.id, md5(row_to_json(g)::text) FROM "group" g
    """
)


def stored_digests() -> dict[str, str]:
    """Dataset or group id -> digest of everything stored about it."""
    model.Session.remove()
    return dict(model.Session.execute(_DIGESTS).all())


def owned_by(source_name: str) -> list[tuple[str, str, str]]:
    """(source id, dataset id, name) of the active datasets carrying the source's marker."""
    prefix = f"{source_name}:"
    query, marker = with_ownership_marker(sa.select(model.Package.id, model.Package.name))
    rows = model.Session.execute(
        query.add_columns(marker).where(
            model.Package.state == "active",
            model.Package.type == "dataset",
            sa.func.starts_with(marker, prefix),
        )
    ).all()
    return [(value[len(prefix) :], package_id, name) for package_id, name, value in rows]


def _unmarked_new(before: dict[str, str]) -> list[str]:
    """Active datasets made during the case without any ownership marker: what a create that
    lost its marker would leave behind (the battery makes hand-made datasets only before)."""
    query, marker = with_ownership_marker(
        sa.select(model.Package.id, model.Package.name), outer=True
    )
    rows = model.Session.execute(
        query.where(
            model.Package.state == "active",
            model.Package.type == "dataset",
            marker.is_(None),
        )
    ).all()
    return [name for package_id, name in rows if package_id not in before]


def search_differences() -> list[str]:
    """Datasets where Solr (`package_search`) and the database disagree."""
    in_db = dict(
        model.Session.execute(
            sa.select(model.Package.id, model.Package.metadata_modified).where(
                model.Package.state == "active", model.Package.type == "dataset"
            )
        ).all()
    )
    results = helpers.call_action(
        "package_search",
        sysadmin_context(),
        q="*:*",
        rows=1000,
        include_private=True,
        fl="id,metadata_modified",
    )["results"]
    in_index = {result["id"]: result["metadata_modified"] for result in results}
    differences = [f"{i}: only in the database" for i in sorted(set(in_db) - set(in_index))]
    differences += [f"{i}: only in the index" for i in sorted(set(in_index) - set(in_db))]
    for package_id, modified in in_db.items():
        indexed = in_index.get(package_id)
        if indexed and _milliseconds(indexed) != modified.replace(microsecond=0) + _ms(modified):
            differences.append(f"{package_id}: modified {modified} but indexed {indexed}")
    return differences


def _ms(moment: datetime.datetime) -> datetime.timedelta:
    return datetime.timedelta(milliseconds=moment.microsecond // 1000)


def _milliseconds(indexed: str) -> datetime.datetime:
    """A Solr date (millisecond precision, trailing zeros dropped: "...:33Z", "...:33.5Z")."""
    moment = datetime.datetime.fromisoformat(indexed.rstrip("Z"))
    return moment.replace(microsecond=0) + _ms(moment)


@dataclass
class Figures:
    lost: int = 0
    duplicates: int = 0
    stale: int = 0
    foreign_changed: int = 0
    search_mismatches: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class Site:
    """What the battery expects of the site, kept across the cases of a module."""

    expected: dict[str, set[str]] = field(default_factory=dict)
    """source_name -> the source ids CKAN must hold for it."""

    def expect(self, source_name: str, source_ids) -> None:
        self.expected[source_name] = set(source_ids)

    def measure(
        self, before: dict[str, str], search_before: list[str], case_sources: set[str]
    ) -> Figures:
        """The figures after a case; `before` and `search_before` were taken before it (a
        mismatch left by an earlier case is that case's failure, not this one's)."""
        figures = Figures()
        for source_name, wanted in sorted(self.expected.items()):
            owned = owned_by(source_name)
            counts = Counter(source_id for source_id, _, _ in owned)
            held = set(counts)
            lost = wanted - held
            stale = held - wanted
            duplicated = {source_id: n for source_id, n in counts.items() if n > 1}
            figures.lost += len(lost)
            figures.stale += len(stale)
            figures.duplicates += sum(n - 1 for n in duplicated.values())
            if lost or stale or duplicated:
                figures.problems.append(
                    f"{source_name}: lost {sorted(lost)}, stale {sorted(stale)}, "
                    f"duplicated {duplicated}"
                )
        unmarked = _unmarked_new(before)
        figures.duplicates += len(unmarked)
        if unmarked:
            figures.problems.append(f"new datasets without an owner marker: {unmarked}")
        after = stored_digests()
        case_datasets = _case_rows(case_sources)
        changed = [
            row_id
            for row_id, digest in before.items()
            if row_id not in case_datasets and after.get(row_id) != digest
        ]
        figures.foreign_changed = len(changed)
        if changed:
            figures.problems.append(f"changed datasets or groups not of the case: {changed}")
        mismatches = [m for m in search_differences() if m not in search_before]
        figures.search_mismatches = len(mismatches)
        if mismatches:
            figures.problems.append(f"package_search differs from the database: {mismatches}")
        return figures


def _case_rows(case_sources: set[str]) -> set[str]:
    """Datasets the case's sources may change: theirs, deleted ones included."""
    if not case_sources:
        return set()
    query, marker = with_ownership_marker(sa.select(model.Package.id))
    return set(
        model.Session.execute(
            query.where(sa.or_(*(sa.func.starts_with(marker, f"{name}:") for name in case_sources)))
        ).scalars()
    )
