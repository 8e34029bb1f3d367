"""Names that move between the source's own datasets in one run, as the plan shows them."""

from __future__ import annotations

from dataclasses import dataclass

from .datasets_plan import DatasetPlan


@dataclass(frozen=True, slots=True)
class NameMove:
    """Source dataset `source_id` takes `name`, which the source's dataset for `from_source_id`
    (CKAN id `from_package_id`) holds now and gives up in the same run (it is renamed)."""

    source_id: str
    name: str
    from_source_id: str
    from_package_id: str

    def sentence(self) -> str:
        return (
            f"{self.source_id} takes the name {self.name!r} from {self.from_source_id}, "
            "which this job renames"
        )


def name_moves(plan: DatasetPlan) -> list[NameMove]:
    """The steps of `plan` that take a name another of the source's datasets holds now."""
    holders = {step.package_id: step for step in plan.updates}
    moves = []
    for step in [*plan.creates, *plan.updates]:
        if step.displaces:
            holder = holders[step.displaces]
            moves.append(NameMove(step.source_id, holder.name, holder.source_id, holder.package_id))
    return sorted(moves, key=lambda move: move.source_id)
