import random

from hypothesis import given
from hypothesis import strategies as st

from ckanext.syncsource.core.datasets_plan import (
    DatasetCreate,
    DatasetDelete,
    DatasetUnchanged,
    DatasetUpdate,
    plan_datasets,
)
from ckanext.syncsource.core.model import ExistingEntry, ObjectError, SourceEntry


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


def test_names_held_by_the_sources_own_deleted_datasets_are_taken():
    existing = [ExistingEntry("old", "p", "data", "deleted", "f")]
    plan = plan_datasets([SourceEntry("a", "data", "f")], existing, nothing_taken)
    assert plan.creates == [DatasetCreate("a", "data-1", "f")]


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


def test_two_ckan_datasets_for_one_source_id_keep_one_and_delete_the_rest():
    existing = [
        ExistingEntry("a", "p2", "aa-1", "active", "f"),
        ExistingEntry("a", "p1", "aa", "active", "f"),
        ExistingEntry("a", "p0", "aa-2", "deleted", "f"),
    ]
    plan = plan_datasets([SourceEntry("a", "aa", "f")], existing, nothing_taken)
    assert plan.unchanged == [DatasetUnchanged("a", "p1")]
    assert plan.deletes == [DatasetDelete("a", "p2", "aa-1")]


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
    held = taken | {entry.name for entry in existing}
    assert not held & set(names)


def _is_duplicate(step, existing):
    return sum(entry.source_id == step.source_id for entry in existing) > 1


def test_planning_shuffled_large_inputs_is_deterministic():
    source = [SourceEntry(f"id{i}", f"name-{i}", "f") for i in range(300)]
    existing = [
        ExistingEntry(f"id{i}", f"p{i}", f"name-{i}", "active", "g") for i in range(100, 400)
    ]
    plan = plan_datasets(source, existing, nothing_taken)
    random.Random(4).shuffle(source)
    assert plan_datasets(source, existing, nothing_taken) == plan
    assert (len(plan.creates), len(plan.updates), len(plan.deletes)) == (100, 200, 100)
