"""A run whose source lost most (or all) of its datasets is refused as a whole, and says why."""

from __future__ import annotations

import pytest

from ckanext.syncsource.core.datasets_plan import plan_datasets
from ckanext.syncsource.core.delete_guard import delete_limit_problem, refusal
from ckanext.syncsource.core.entries import ExistingEntry, SourceEntry


def existing(count: int) -> list[ExistingEntry]:
    return [
        ExistingEntry(f"s{i}", f"p{i}", f"name-{i}", "active", "fp", linked=True)
        for i in range(count)
    ]


def source(ids) -> list[SourceEntry]:
    return [SourceEntry(f"s{i}", f"name-{i}", "fp") for i in ids]


def plan(source_ids, held=10):
    return plan_datasets(source(source_ids), existing(held), lambda name: False)


@pytest.mark.parametrize(("kept", "limit"), [(5, 0.5), (8, 0.2), (1, 0.9), (10, 0.0), (0, 1.0)])
def test_deletes_within_the_limit_let_the_run_go_on(kept, limit):
    within = plan(range(kept))
    within.creates.extend(plan(["new"], held=0).creates)

    assert refusal(within, limit) is None
    assert len(within.deletes) == 10 - kept


@pytest.mark.parametrize(("kept", "limit", "needed"), [(4, 0.5, "0.6"), (7, 0.2, "0.3")])
def test_deletes_over_the_limit_refuse_the_run_saying_how_to_proceed(kept, limit, needed):
    over = plan(range(kept))

    reason = refusal(over, limit)

    assert f"would delete {10 - kept} of the source's 10 datasets" in reason
    assert f"more than the delete_limit of {limit:.0%}" in reason
    assert "the job was refused and nothing was changed" in reason
    assert f"raise delete_limit in the source configuration to at least {needed}" in reason
    assert "then lower it again" in reason


def test_the_share_asked_for_is_enough_to_let_the_run_go_on():
    over = plan(range(4), held=11)
    needed = float(refusal(over, 0.5).split("at least ")[1].split(" ")[0])

    assert needed == 0.64
    assert refusal(over, needed) is None


def test_an_empty_source_is_refused_whatever_the_limit():
    empty = plan([])

    reason = refusal(empty, 1.0)

    assert "no datasets while CKAN holds 10" in reason
    assert "nothing was changed" in reason


def test_the_default_limit_is_half_of_the_source():
    assert refusal(plan(range(5))) is None
    assert refusal(plan(range(4))) is not None


@pytest.mark.parametrize("value", [-0.1, 1.5, "0.5", True, None])
def test_a_bad_delete_limit_is_named(value):
    assert "delete_limit must be a number from 0 to 1" in delete_limit_problem(value)
    assert repr(value) in delete_limit_problem(value)


@pytest.mark.parametrize("value", [0, 0.25, 1])
def test_a_good_delete_limit_has_no_problem(value):
    assert delete_limit_problem(value) is None
