import pytest

from ckanext.syncsource.core.names import (
    is_valid_name,
    name_for_create,
    name_problem,
    wanted_name_problem,
)


@pytest.mark.parametrize("name", ["ab", "a-b_c", "0" * 100, "dataset-2024"])
def test_valid_names(name):
    assert is_valid_name(name)
    assert name_problem(name) is None


@pytest.mark.parametrize("name", ["a", "", "A-b", "a b", "naïve", "a.b", "x" * 101, None, 12])
def test_invalid_names(name):
    assert not is_valid_name(name)
    assert name_problem(name)


def test_a_name_that_is_only_too_long_is_wanted_but_cut():
    assert wanted_name_problem("x" * 150) is None
    assert name_for_create("x" * 150, lambda name: False) == "x" * 100
    assert wanted_name_problem("X" * 150)


def test_a_free_name_is_used_as_is():
    assert name_for_create("data", lambda name: False) == "data"


def test_a_taken_name_gets_the_first_free_suffix():
    taken = {"data", "data-1"}
    assert name_for_create("data", taken.__contains__) == "data-2"


def test_suffixed_names_stay_within_100_characters():
    wanted = "y" * 100
    taken = {wanted, "y" * 98 + "-1"}
    name = name_for_create(wanted, taken.__contains__, max_tries=12)
    assert name == "y" * 98 + "-2"
    taken.update(name_for_create(wanted, taken.__contains__, max_tries=12) for _ in range(9))
    name = name_for_create(wanted, taken.__contains__, max_tries=12)
    assert name == "y" * 97 + "-11"
    assert all(len(n) <= 100 and is_valid_name(n) for n in taken)


def test_tries_are_bounded():
    asked = []

    def taken(name):
        asked.append(name)
        return True

    assert name_for_create("data", taken, max_tries=5) is None
    assert asked == ["data", "data-1", "data-2", "data-3", "data-4"]


def test_a_rename_takes_the_wanted_name_else_keeps_its_suffix_else_the_first_free_one():
    from ckanext.syncsource.core.names import name_for_rename

    taken = {"data", "data-1"}.__contains__
    assert name_for_rename("free", "data-3", taken) == "free"
    assert name_for_rename("data", "data-3", taken) == "data-3"
    assert name_for_rename("data", "other", taken) == "data-2"
