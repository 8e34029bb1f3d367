"""A plan whose source lost most (or all) of its datasets deletes nothing, and says why."""

from __future__ import annotations

import pytest

from ckanext.syncsource.core.datasets_plan import plan_datasets
from ckanext.syncsource.core.delete_guard import guard_deletes
from ckanext.syncsource.core.model import ExistingEntry, SourceEntry


def existing(count: int) -> list[ExistingEntry]:
    return [ExistingEntry(f"s{i}", f"p{i}", f"name-{i}", "active", "fp") for i in range(count)]


def source(ids) -> list[SourceEntry]:
    return [SourceEntry(f"s{i}", f"name-{i}", "fp") for i in ids]


def plan(source_ids, held=10):
    return plan_datasets(source(source_ids), existing(held), lambda name: False)


@pytest.mark.parametrize(("kept", "limit"), [(5, 0.5), (8, 0.2), (1, 0.9), (10, 0.0)])
def test_deletes_within_the_limit_stand(kept, limit):
    within = plan(range(kept))

    assert guard_deletes(within, limit) is None
    assert len(within.deletes) == 10 - kept


@pytest.mark.parametrize(("kept", "limit"), [(4, 0.5), (7, 0.2), (9, 0.0)])
def test_deletes_over_the_limit_are_all_dropped_with_a_reason(kept, limit):
    over = plan(range(kept))

    reason = guard_deletes(over, limit)

    assert over.deletes == []
    assert f"would delete {10 - kept} of the source's 10 datasets" in reason
    assert "delete_limit" in reason
    assert len(over.unchanged) == kept


def test_an_empty_source_deletes_nothing_even_with_no_limit():
    empty = plan([])

    reason = guard_deletes(empty, 1.0)

    assert empty.deletes == []
    assert "no datasets while CKAN holds 10" in reason


def test_the_default_limit_is_half_of_the_source():
    assert guard_deletes(plan(range(5))) is None
    assert guard_deletes(plan(range(4))) is not None
