from ckanext.syncsource.core.datasets_plan import plan_datasets
from ckanext.syncsource.core.entries import ExistingEntry, SourceEntry
from ckanext.syncsource.core.name_moves import NameMove, name_moves

EXISTING = [
    ExistingEntry("a", "pa", "two", "active", "f", linked=True),
    ExistingEntry("b", "pb", "one", "active", "f", linked=True),
    ExistingEntry("c", "pc", "three", "active", "f", linked=True),
]
SOURCE = [
    SourceEntry("a", "one", "f2"),
    SourceEntry("b", "two", "f2"),
    SourceEntry("c", "three-now", "f2"),
    SourceEntry("new", "three", "f"),
]
TAKEN = {"one", "two", "three"}.__contains__


def test_each_name_taken_from_another_own_dataset_is_a_move_naming_both():
    plan = plan_datasets(SOURCE, EXISTING, TAKEN, follow_names=True)

    assert name_moves(plan) == [
        NameMove("a", "one", "b", "pb"),
        NameMove("b", "two", "a", "pa"),
        NameMove("new", "three", "c", "pc"),
    ]
    assert name_moves(plan)[2].sentence() == (
        "new takes the name 'three' from c, which this job renames"
    )


def test_names_kept_by_ckan_move_nothing():
    assert name_moves(plan_datasets(SOURCE, EXISTING, TAKEN)) == []
