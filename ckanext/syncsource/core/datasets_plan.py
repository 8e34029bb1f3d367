"""Plan for datasets: what to delete, create and update, by source id.

The planner sees only ids, names and fingerprints, so 100,000 datasets plan in well under a
second and in memory proportional to their number, not their content. Whether an update
candidate really needs a write is decided at apply time by `merge.differs`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from .entries import ExistingEntry, ObjectError, SourceEntry
from .names import DEFAULT_MAX_TRIES, cut_name, name_for_create, wanted_name_problem


@dataclass(frozen=True, slots=True)
class DatasetDelete:
    source_id: str
    package_id: str
    name: str


@dataclass(frozen=True, slots=True)
class DatasetCreate:
    """Create a dataset under `name`, the free name chosen for it (maybe suffixed).

    `frees` is the CKAN id of the source's own dataset that holds `name` now and is deleted
    (or is deleted by this run): the create deletes it first if it is still active, and then
    takes its name (CKAN renames a deleted dataset whose name a new one takes). `displaces` is
    the CKAN id of the source's own dataset that holds `name` now and that this run renames
    away (see `DatasetUpdate.displaces`).
    """

    source_id: str
    name: str
    fingerprint: str
    frees: str | None = None
    displaces: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetUpdate:
    """Merge the source into the CKAN dataset `package_id` (named `name` now) and write it
    if it differs; `revive` when that dataset is deleted and must become active again.

    `displaces` is the CKAN id of the source's own dataset that holds the source's name for
    this one now and that this run renames away (names swapped at the source): if it still
    holds that name when this step runs, it is first moved to its id as a temporary name, and
    its own step of this run then gives it its new name.
    """

    source_id: str
    package_id: str
    name: str
    fingerprint: str
    revive: bool = False
    displaces: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetUnchanged:
    source_id: str
    package_id: str


@dataclass(frozen=True, slots=True)
class IgnoredCopy:
    """An active CKAN dataset carrying the marker of `source_id` that the source does not own:
    another dataset is linked to that id, or is older. It is never changed or deleted."""

    source_id: str
    package_id: str
    name: str
    owner_id: str
    """The CKAN id of the dataset the source owns for that id."""

    def warning(self) -> str:
        return (
            f"Dataset {self.name!r} ({self.package_id}) carries the ownership marker of source "
            f"dataset {self.source_id!r}, which belongs to dataset {self.owner_id}: it is a "
            "copy and is left untouched. Remove its _harvest_source extra to silence this."
        )


Step = DatasetDelete | DatasetCreate | DatasetUpdate


@dataclass
class DatasetPlan:
    deletes: list[DatasetDelete] = field(default_factory=list)
    creates: list[DatasetCreate] = field(default_factory=list)
    updates: list[DatasetUpdate] = field(default_factory=list)
    unchanged: list[DatasetUnchanged] = field(default_factory=list)
    errors: list[ObjectError] = field(default_factory=list)
    ignored: list[IgnoredCopy] = field(default_factory=list)
    existing_active: int = 0
    """How many of the source's datasets CKAN holds active now (for the delete-share limit)."""

    def steps(self) -> Iterator[Step]:
        """The writes in the order they must run: deletes (to free names), creates, updates."""
        yield from self.deletes
        yield from self.creates
        yield from self.updates

    def is_empty(self) -> bool:
        return not (self.deletes or self.creates or self.updates or self.errors)


def plan_datasets(
    source: Iterable[SourceEntry],
    existing: Iterable[ExistingEntry],
    name_taken: Callable[[str], bool],
    max_name_tries: int = DEFAULT_MAX_TRIES,
    invalid: Iterable[ObjectError] = (),
    follow_names: bool = False,
) -> DatasetPlan:
    """Compare the source with the CKAN datasets that belong to it.

    `existing` holds the CKAN datasets, in any state, that the source's current harvest
    objects link (`linked`) or that carry its ownership marker; `name_taken` answers for names
    held by any dataset; `invalid` lists the source datasets that could not be read (they stay
    errors, and their CKAN datasets are left alone, not deleted). The plan does not depend on
    the order of its inputs.

    - Ownership, per source id: the source owns the datasets linked to it. Only when none is
      linked does it adopt a dataset carrying only the marker (the legacy client's datasets, or
      after the harvest history was cleared): the oldest. Every other marker-only dataset is a
      copy, never changed or deleted; the active ones are listed in `ignored`.
    - A source id given twice, a name that is invalid, or a name wanted by two source datasets
      is an error for those ids; their CKAN datasets are left alone.
    - A create takes the wanted name when free, else `name-1`, `name-2`, ... up to
      `max_name_tries` names. A name held by one of the source's own datasets that is deleted
      (or deleted by this run) and not coming back is free: the create takes it over (`frees`).
      Names held by any other dataset, or by an own dataset that stays, count as taken.
    - `follow_names` (the source's names win over CKAN's, `dataset_preserve_names` off): a
      create or rename that wants the name of one of the source's own datasets that this run
      renames away takes it (`displaces`), so names swapped at the source are exact in one run.
    - If two linked CKAN datasets claim one source id (a crashed run), the active one with the
      lowest package id is kept and the other active ones are deleted.
    """
    plan = DatasetPlan()
    wanted, left_out = _index_source(source, plan.errors)
    for error in invalid:
        left_out.add(error.key)
        wanted.pop(error.key, None)
        plan.errors.append(error)
    kept, owned = _owned(existing, plan)

    def in_source(source_id: str) -> bool:
        return source_id in wanted or source_id in left_out

    pending_creates = []
    for source_id in sorted(wanted):
        entry = wanted[source_id]
        current = kept.get(source_id)
        if current is None:
            pending_creates.append(entry)
        elif current.state != "active":
            plan.updates.append(
                DatasetUpdate(source_id, current.package_id, current.name, entry.fingerprint, True)
            )
        elif current.synced_fingerprint == entry.fingerprint:
            plan.unchanged.append(DatasetUnchanged(source_id, current.package_id))
        else:
            plan.updates.append(
                DatasetUpdate(source_id, current.package_id, current.name, entry.fingerprint)
            )

    for current in owned:
        source_id = current.source_id
        if current.state != "active":
            continue
        if not in_source(source_id) or (source_id in wanted and kept[source_id] is not current):
            plan.deletes.append(DatasetDelete(source_id, current.package_id, current.name))
    plan.deletes.sort(key=lambda step: (step.source_id, step.package_id))

    leaving = _renamed_away(kept, wanted, plan.updates) if follow_names else {}
    if pending_creates:
        freed = _freed_names(owned, kept, in_source, plan.deletes)
        own_names = {entry.name for entry in owned}
        _choose_names(
            pending_creates, wanted, own_names, freed, leaving, name_taken, max_name_tries, plan
        )
    if leaving:
        plan.updates = [_displacing(step, wanted, leaving) for step in plan.updates]
    plan.errors.sort(key=lambda error: error.key)
    return plan


def _index_source(
    source: Iterable[SourceEntry], errors: list[ObjectError]
) -> tuple[dict[str, SourceEntry], set[str]]:
    """The valid source entries by id, and the ids the source holds that are left out (given
    twice, or an invalid or contested name).

    One dict entry per dataset and nothing per name unless two datasets want it: planning
    1,000,000 datasets must fit in memory beside the site's own entries.
    """
    by_id: dict[str, SourceEntry] = {}
    repeated: set[str] = set()
    for entry in source:
        if entry.source_id in by_id:
            repeated.add(entry.source_id)
        else:
            by_id[entry.source_id] = entry
    for source_id in repeated:
        del by_id[source_id]
        errors.append(ObjectError(source_id, "the source holds this dataset id more than once"))

    invalid: list[tuple[str, str]] = []
    first_by_name: dict[str, str] = {}
    contested: defaultdict[str, list[str]] = defaultdict(list)
    for source_id, entry in by_id.items():
        problem = wanted_name_problem(entry.name)
        if problem:
            invalid.append((source_id, f"invalid name {entry.name!r}: {problem}"))
            continue
        name = cut_name(entry.name)
        first = first_by_name.setdefault(name, source_id)
        if first != source_id:
            contested[name].append(source_id)
    for source_id, reason in invalid:
        del by_id[source_id]
        errors.append(ObjectError(source_id, reason))
    for name, others in contested.items():
        source_ids = [first_by_name[name], *others]
        for source_id in source_ids:
            del by_id[source_id]
            errors.append(
                ObjectError(source_id, f"name {name!r} is wanted by datasets {sorted(source_ids)}")
            )
    return by_id, {error.key for error in errors}


def _owned(
    existing: Iterable[ExistingEntry], plan: DatasetPlan
) -> tuple[dict[str, ExistingEntry], list[ExistingEntry]]:
    """The CKAN dataset kept for each source id, and every dataset the source owns."""
    kept: dict[str, ExistingEntry] = {}
    owned: list[ExistingEntry] = []
    shared: defaultdict[str, list[ExistingEntry]] = defaultdict(list)
    for entry in existing:
        if kept.setdefault(entry.source_id, entry) is entry:
            owned.append(entry)
        else:
            shared[entry.source_id].append(entry)
    not_mine: set[int] = set()
    for source_id, others in shared.items():
        entries = [kept[source_id], *others]
        linked = [entry for entry in entries if entry.linked]
        if linked:
            mine = linked
            copies = [entry for entry in entries if not entry.linked]
        else:
            oldest = min(entries, key=lambda entry: (entry.created, entry.package_id))
            mine = [oldest]
            copies = [entry for entry in entries if entry is not oldest]
        kept[source_id] = min(mine, key=lambda entry: (entry.state != "active", entry.package_id))
        owned.extend(entry for entry in mine if entry is not entries[0])
        not_mine.update(id(entry) for entry in copies)
        plan.ignored.extend(
            IgnoredCopy(source_id, copy.package_id, copy.name, kept[source_id].package_id)
            for copy in copies
            if copy.state == "active"
        )
    if not_mine:
        owned = [entry for entry in owned if id(entry) not in not_mine]
    plan.ignored.sort(key=lambda copy: (copy.source_id, copy.package_id))
    plan.existing_active = sum(1 for entry in owned if entry.state == "active")
    return kept, owned


def _freed_names(
    owned: list[ExistingEntry],
    kept: dict[str, ExistingEntry],
    in_source: Callable[[str], bool],
    deletes: list[DatasetDelete],
) -> dict[str, str]:
    """Name -> CKAN id of the source's own datasets whose names a create may take over: those
    deleted by this run, and the deleted ones that stay deleted."""
    deleted = {step.package_id for step in deletes}
    freed: dict[str, str] = {}
    for entry in sorted(owned, key=lambda entry: entry.package_id):
        staying = in_source(entry.source_id) and kept[entry.source_id] is entry
        if entry.package_id in deleted or (entry.state != "active" and not staying):
            freed.setdefault(entry.name, entry.package_id)
    return freed


def _renamed_away(
    kept: dict[str, ExistingEntry],
    wanted: dict[str, SourceEntry],
    updates: list[DatasetUpdate],
) -> dict[str, str]:
    """Name -> CKAN id of the source's datasets that this run renames to another name (a
    deleted one that comes back under another name gives up its old name too)."""
    leaving: dict[str, str] = {}
    for step in updates:
        current = kept[step.source_id]
        if cut_name(wanted[step.source_id].name) != current.name:
            leaving[current.name] = current.package_id
    return leaving


def _displacing(
    step: DatasetUpdate, wanted: dict[str, SourceEntry], leaving: dict[str, str]
) -> DatasetUpdate:
    holder = leaving.get(cut_name(wanted[step.source_id].name))
    if holder is None or holder == step.package_id:
        return step
    return replace(step, displaces=holder)


def _choose_names(
    pending: list[SourceEntry],
    wanted: dict[str, SourceEntry],
    own_names: set[str],
    freed: dict[str, str],
    leaving: dict[str, str],
    name_taken: Callable[[str], bool],
    max_tries: int,
    plan: DatasetPlan,
) -> None:
    """Give each create a name; those that cannot have their wanted name go second, in id
    order, and never take a name another source dataset wants."""
    reserved = own_names | {cut_name(entry.name) for entry in wanted.values()}
    chosen: dict[str, str] = {}
    frees: dict[str, str] = {}
    displaces: dict[str, str] = {}
    suffixed = []
    for entry in pending:
        name = cut_name(entry.name)
        if name in freed:
            chosen[entry.source_id] = name
            frees[entry.source_id] = freed[name]
        elif name in leaving:
            chosen[entry.source_id] = name
            displaces[entry.source_id] = leaving[name]
        elif name in own_names or name_taken(name):
            suffixed.append(entry)
        else:
            chosen[entry.source_id] = name
    for entry in suffixed:
        name = name_for_create(
            entry.name, lambda candidate: candidate in reserved or name_taken(candidate), max_tries
        )
        if name is None:
            plan.errors.append(
                ObjectError(
                    entry.source_id,
                    f"no free name for {entry.name!r} after {max_tries} tries",
                )
            )
        else:
            reserved.add(name)
            chosen[entry.source_id] = name
    for entry in pending:
        if entry.source_id in chosen:
            plan.creates.append(
                DatasetCreate(
                    entry.source_id,
                    chosen[entry.source_id],
                    entry.fingerprint,
                    frees.get(entry.source_id),
                    displaces.get(entry.source_id),
                )
            )
