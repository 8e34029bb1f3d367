import random

from hypothesis import given
from hypothesis import strategies as st

from ckanext.syncsource.core.datasets_plan import (
    DatasetCreate,
    DatasetDelete,
    DatasetUnchanged,
    DatasetUpdate,
    IgnoredCopy,
    plan_datasets,
)
from ckanext.syncsource.core.entries import ExistingEntry, ObjectError, SourceEntry


def nothing_taken(name):
    return False


def test_each_kind_of_step():
    source = [
        SourceEntry("same", "same", "f1"),
        SourceEntry("changed", "changed", "f2-new"),
        SourceEntry("unknown", "unknown", "f3"),
        SourceEntry("new", "new", "f4"),
        SourceEntry("back", "back", "f5"),
    ]
    existing = [
        ExistingEntry("same", "p1", "same", "active", "f1"),
        ExistingEntry("changed", "p2", "changed", "active", "f2"),
        ExistingEntry("unknown", "p3", "unknown", "active", None),
        ExistingEntry("back", "p5", "back-old", "deleted", "f5"),
        ExistingEntry("gone", "p6", "gone", "active", "f6"),
        ExistingEntry("long-gone", "p7", "long-gone", "deleted", "f7"),
    ]
    plan = plan_datasets(source, existing, nothing_taken)
    assert plan.deletes == [DatasetDelete("gone", "p6", "gone")]
    assert plan.creates == [DatasetCreate("new", "new", "f4")]
    assert plan.updates == [
        DatasetUpdate("back", "p5", "back-old", "f5", revive=True),
        DatasetUpdate("changed", "p2", "changed", "f2-new"),
        DatasetUpdate("unknown", "p3", "unknown", "f3"),
    ]
    assert plan.unchanged == [DatasetUnchanged("same", "p1")]
    assert plan.errors == []
    assert plan.existing_active == 4
    assert list(plan.steps()) == plan.deletes + plan.creates + plan.updates


def test_an_up_to_date_source_gives_an_empty_plan():
    plan = plan_datasets(
        [SourceEntry("a", "aa", "f")], [ExistingEntry("a", "p", "aa", "active", "f")], nothing_taken
    )
    assert plan.is_empty()
    assert plan.unchanged == [DatasetUnchanged("a", "p")]


def test_a_name_taken_by_another_dataset_gets_a_suffix():
    taken = {"data", "data-1"}
    plan = plan_datasets([SourceEntry("a", "data", "f")], [], taken.__contains__)
    assert plan.creates == [DatasetCreate("a", "data-2", "f")]


def test_a_name_held_by_an_own_deleted_dataset_that_stays_deleted_is_taken_over():
    existing = [ExistingEntry("old", "p", "data", "deleted", "f")]
    plan = plan_datasets([SourceEntry("a", "data", "f")], existing, {"data"}.__contains__)
    assert plan.creates == [DatasetCreate("a", "data", "f", frees="p")]


def test_a_name_held_by_an_own_dataset_deleted_in_the_same_run_is_taken_over():
    existing = [
        ExistingEntry("old-1", "p1", "one", "active", "f", linked=True),
        ExistingEntry("old-2", "p2", "two", "active", "f"),
    ]
    source = [SourceEntry("new-1", "one", "f"), SourceEntry("new-2", "two", "f")]
    plan = plan_datasets(source, existing, {"one", "two"}.__contains__)
    assert plan.deletes == [
        DatasetDelete("old-1", "p1", "one"),
        DatasetDelete("old-2", "p2", "two"),
    ]
    assert plan.creates == [
        DatasetCreate("new-1", "one", "f", frees="p1"),
        DatasetCreate("new-2", "two", "f", frees="p2"),
    ]


def test_when_names_follow_the_source_a_name_renamed_away_in_the_run_is_taken_over():
    existing = [
        ExistingEntry("a", "pa", "two", "active", "f", linked=True),
        ExistingEntry("b", "pb", "one", "active", "f", linked=True),
        ExistingEntry("c", "pc", "three", "active", "f", linked=True),
    ]
    source = [
        SourceEntry("a", "one", "f2"),
        SourceEntry("b", "two", "f2"),
        SourceEntry("c", "three-now", "f2"),
        SourceEntry("new", "three", "f"),
    ]
    taken = {"one", "two", "three"}.__contains__
    plan = plan_datasets(source, existing, taken, follow_names=True)
    assert plan.updates == [
        DatasetUpdate("a", "pa", "two", "f2", displaces="pb"),
        DatasetUpdate("b", "pb", "one", "f2", displaces="pa"),
        DatasetUpdate("c", "pc", "three", "f2"),
    ]
    assert plan.creates == [DatasetCreate("new", "three", "f", displaces="pc")]

    kept = plan_datasets(source, existing, taken)
    assert {step.displaces for step in [*kept.updates, *kept.creates]} == {None}
    assert kept.creates == [DatasetCreate("new", "three-1", "f")]


def test_when_names_follow_the_source_a_name_a_revived_dataset_gives_up_is_taken_over():
    """A deleted dataset that comes back under another name holds its old name until then."""
    existing = [
        ExistingEntry("back", "p1", "one", "deleted", "f"),
        ExistingEntry("kept", "p2", "two", "active", "f", linked=True),
    ]
    source = [
        SourceEntry("back", "back-now", "f"),
        SourceEntry("kept", "one", "f2"),
    ]
    plan = plan_datasets(source, existing, {"one", "two"}.__contains__, follow_names=True)
    assert plan.updates == [
        DatasetUpdate("back", "p1", "one", "f", revive=True),
        DatasetUpdate("kept", "p2", "two", "f2", displaces="p1"),
    ]

    created = plan_datasets(
        [SourceEntry("back", "back-now", "f"), SourceEntry("new", "one", "f")],
        existing[:1],
        {"one"}.__contains__,
        follow_names=True,
    )
    assert created.creates == [DatasetCreate("new", "one", "f", displaces="p1")]


def test_a_name_held_by_an_own_dataset_that_stays_or_comes_back_gets_a_suffix():
    existing = [
        ExistingEntry("kept", "p1", "one", "active", "f", linked=True),
        ExistingEntry("back", "p2", "two", "deleted", "f"),
    ]
    source = [
        SourceEntry("kept", "kept-now", "f"),
        SourceEntry("back", "back-now", "f"),
        SourceEntry("new-1", "one", "f"),
        SourceEntry("new-2", "two", "f"),
    ]
    plan = plan_datasets(source, existing, {"one", "two"}.__contains__)
    assert plan.creates == [
        DatasetCreate("new-1", "one-1", "f"),
        DatasetCreate("new-2", "two-1", "f"),
    ]


def test_a_suffix_never_takes_a_name_another_source_dataset_wants():
    source = [SourceEntry("a", "data", "f"), SourceEntry("b", "data-1", "f")]
    plan = plan_datasets(source, [], {"data"}.__contains__)
    assert plan.creates == [DatasetCreate("a", "data-2", "f"), DatasetCreate("b", "data-1", "f")]


def test_no_free_name_is_an_error_after_bounded_tries():
    asked = []

    def taken(name):
        asked.append(name)
        return True

    plan = plan_datasets([SourceEntry("a", "data", "f")], [], taken, max_name_tries=3)
    assert plan.creates == []
    assert plan.errors == [ObjectError("a", "no free name for 'data' after 3 tries")]
    assert len(asked) <= 3


def test_duplicate_source_ids_are_errors_and_their_dataset_is_left_alone():
    source = [SourceEntry("a", "aa", "f1"), SourceEntry("a", "aa", "f2")]
    existing = [ExistingEntry("a", "p", "aa", "active", "f0")]
    plan = plan_datasets(source, existing, nothing_taken)
    assert [error.key for error in plan.errors] == ["a"]
    assert not list(plan.steps())


def test_two_source_datasets_wanting_one_name_are_both_errors():
    source = [
        SourceEntry("a", "data", "f"),
        SourceEntry("b", "data", "f"),
        SourceEntry("c", "cc", "f"),
    ]
    plan = plan_datasets(source, [], nothing_taken)
    assert sorted(error.key for error in plan.errors) == ["a", "b"]
    assert plan.creates == [DatasetCreate("c", "cc", "f")]


def test_invalid_names_are_errors_but_long_names_are_cut():
    source = [SourceEntry("a", "Bad Name", "f"), SourceEntry("b", "x" * 120, "f")]
    plan = plan_datasets(source, [], nothing_taken)
    assert [error.key for error in plan.errors] == ["a"]
    assert plan.creates == [DatasetCreate("b", "x" * 100, "f")]


def test_datasets_the_caller_could_not_read_are_errors_and_not_deleted():
    existing = [ExistingEntry("broken", "p", "bb", "active", "f")]
    invalid = [ObjectError("broken", "tags: must be a list")]
    plan = plan_datasets([], existing, nothing_taken, invalid=invalid)
    assert plan.errors == invalid
    assert not list(plan.steps())


def test_two_linked_datasets_for_one_source_id_keep_one_and_delete_the_rest():
    existing = [
        ExistingEntry("a", "p2", "aa-1", "active", "f", linked=True),
        ExistingEntry("a", "p1", "aa", "active", "f", linked=True),
        ExistingEntry("a", "p0", "aa-2", "deleted", "f", linked=True),
    ]
    plan = plan_datasets([SourceEntry("a", "aa", "f")], existing, nothing_taken)
    assert plan.unchanged == [DatasetUnchanged("a", "p1")]
    assert plan.deletes == [DatasetDelete("a", "p2", "aa-1")]
    assert plan.ignored == []


def test_the_linked_dataset_wins_over_an_older_copy_with_a_lower_id_which_is_left_alone():
    """Issue 10's attack: a hand-made dataset with a copied marker and a lower package id."""
    existing = [
        ExistingEntry("a", "p9-real", "aa", "active", "f", linked=True, created="2026-02"),
        ExistingEntry("a", "p0-copy", "aa-copy", "active", None, created="2026-01"),
    ]
    plan = plan_datasets([SourceEntry("a", "aa", "f2")], existing, nothing_taken)
    assert plan.updates == [DatasetUpdate("a", "p9-real", "aa", "f2")]
    assert plan.deletes == []
    assert plan.ignored == [IgnoredCopy("a", "p0-copy", "aa-copy", "p9-real")]
    assert "'aa-copy' (p0-copy)" in plan.ignored[0].warning()
    assert plan.existing_active == 1


def test_a_copy_is_not_deleted_when_its_source_dataset_goes():
    existing = [
        ExistingEntry("a", "p9-real", "aa", "active", "f", linked=True),
        ExistingEntry("a", "p0-copy", "aa-copy", "active", None),
        ExistingEntry("b", "pb", "bb", "active", "f", linked=True),
    ]
    plan = plan_datasets([SourceEntry("b", "bb", "f")], existing, nothing_taken)
    assert plan.deletes == [DatasetDelete("a", "p9-real", "aa")]
    assert [copy.package_id for copy in plan.ignored] == ["p0-copy"]


def test_without_a_linked_dataset_the_oldest_marked_one_is_adopted_and_the_rest_left_alone():
    existing = [
        ExistingEntry("a", "p1", "aa-new", "active", None, created="2026-03"),
        ExistingEntry("a", "p2", "aa", "active", None, created="2026-01"),
        ExistingEntry("a", "p0", "aa-gone", "deleted", None, created="2026-02"),
    ]
    plan = plan_datasets([SourceEntry("a", "aa", "f")], existing, nothing_taken)
    assert plan.updates == [DatasetUpdate("a", "p2", "aa", "f")]
    assert plan.deletes == []
    assert plan.ignored == [IgnoredCopy("a", "p1", "aa-new", "p2")]


def test_a_deleted_oldest_marked_dataset_is_revived_not_a_newer_copy():
    existing = [
        ExistingEntry("a", "p1", "aa-copy", "active", None, created="2026-03"),
        ExistingEntry("a", "p2", "aa", "deleted", None, created="2026-01"),
    ]
    plan = plan_datasets([SourceEntry("a", "aa", "f")], existing, nothing_taken)
    assert plan.updates == [DatasetUpdate("a", "p2", "aa", "f", revive=True)]
    assert [copy.package_id for copy in plan.ignored] == ["p1"]


source_entries = st.lists(
    st.builds(
        SourceEntry,
        st.sampled_from(["a", "b", "c", "d", "e"]),
        st.sampled_from(["aa", "bb", "cc", "aa-1", "X", "dd"]),
        st.sampled_from(["f1", "f2"]),
    ),
    max_size=8,
)
existing_entries = st.lists(
    st.builds(
        ExistingEntry,
        st.sampled_from(["a", "b", "c", "f", "g"]),
        st.uuids().map(str),
        st.sampled_from(["aa", "bb", "cc", "gg", "aa-1", "aa-2"]),
        st.sampled_from(["active", "deleted"]),
        st.sampled_from(["f1", "f2", None]),
        st.booleans(),
        st.sampled_from(["2026-01", "2026-02", "2026-03"]),
    ),
    max_size=8,
    unique_by=lambda entry: entry.package_id,
)
taken_names = st.sets(st.sampled_from(["aa", "aa-1", "aa-2", "bb", "cc-1", "dd"]))


@given(source_entries, existing_entries, taken_names, st.randoms())
def test_the_plan_does_not_depend_on_input_order(source, existing, taken, rnd):
    plan = plan_datasets(source, existing, taken.__contains__)
    shuffled_source, shuffled_existing = source[:], existing[:]
    rnd.shuffle(shuffled_source)
    rnd.shuffle(shuffled_existing)
    assert plan_datasets(shuffled_source, shuffled_existing, taken.__contains__) == plan


@given(source_entries, existing_entries, taken_names)
def test_every_source_id_gets_exactly_one_outcome(source, existing, taken):
    taken = taken | {entry.name for entry in existing}  # as the database answers
    plan = plan_datasets(source, existing, taken.__contains__)
    outcomes = [s.source_id for s in (*plan.creates, *plan.updates, *plan.unchanged)]
    outcomes += [error.key for error in plan.errors]
    assert sorted(outcomes) == sorted({entry.source_id for entry in source})
    source_ids = {entry.source_id for entry in source}
    assert all(
        step.source_id not in source_ids or _is_duplicate(step, existing) for step in plan.deletes
    )
    names = [step.name for step in plan.creates]
    assert len(set(names)) == len(names)
    deleted = {step.package_id for step in plan.deletes}
    for step in plan.creates:
        holders = [entry for entry in existing if entry.name == step.name]
        if step.frees is None:
            assert step.name not in taken
        else:
            [holder] = [entry for entry in holders if entry.package_id == step.frees]
            assert holder.package_id in deleted or holder.state == "deleted"
    ignored = {copy.package_id for copy in plan.ignored}
    touched = {s.package_id for s in (*plan.deletes, *plan.updates, *plan.unchanged)}
    assert not ignored & touched


@given(existing_entries)
def test_a_marker_only_dataset_is_never_touched_while_another_is_linked(existing):
    plan = plan_datasets([], existing, nothing_taken)
    linked_ids = {entry.source_id for entry in existing if entry.linked}
    copies = {
        entry.package_id for entry in existing if not entry.linked and entry.source_id in linked_ids
    }
    assert not copies & {step.package_id for step in plan.deletes}


def _is_duplicate(step, existing):
    return sum(entry.source_id == step.source_id and entry.linked for entry in existing) > 1


def test_planning_shuffled_large_inputs_is_deterministic():
    source = [SourceEntry(f"id{i}", f"name-{i}", "f") for i in range(300)]
    existing = [
        ExistingEntry(f"id{i}", f"p{i}", f"name-{i}", "active", "g") for i in range(100, 400)
    ]
    plan = plan_datasets(source, existing, nothing_taken)
    random.Random(4).shuffle(source)
    assert plan_datasets(source, existing, nothing_taken) == plan
    assert (len(plan.creates), len(plan.updates), len(plan.deletes)) == (100, 200, 100)
