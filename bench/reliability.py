"""`make reliability`: the whole reliability battery on the real stack, as a table.

Runs every case of ckanext/syncsource/tests/reliability (the quick subset of `make test` and
the cases marked `full`) on the isolated test resources named by test.ini and the CKAN_*
variables, prints one line per case and the totals, exits non-zero if any case failed (a
known failure included), and checks that no process it started is left running.

    python bench/reliability.py [extra pytest arguments]
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BATTERY = ROOT / "ckanext" / "syncsource" / "tests" / "reliability"
FAULT_GROUPS = ("source faults:", "worker kills:", "service restarts:")


@dataclass
class Row:
    case: str
    outcome: str = "passed"
    seconds: float = 0.0
    figures: dict = field(default_factory=dict)
    reason: str = ""


class Table:
    """A pytest plugin that keeps one row per case (setup, call and teardown together)."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}

    def pytest_runtest_logreport(self, report) -> None:
        row = self.rows.setdefault(report.nodeid, Row(_case_name(report.nodeid)))
        row.seconds += report.duration
        row.figures.update(dict(report.user_properties))
        if hasattr(report, "wasxfail"):
            row.outcome = "FAILED (known)"
            row.reason = report.wasxfail
        elif report.failed and row.outcome == "passed":
            row.outcome = "FAILED"
            row.reason = report.longrepr.reprcrash.message if report.longrepr else ""
        elif report.skipped and row.outcome == "passed":
            row.outcome = "skipped"


def _case_name(nodeid: str) -> str:
    module, _, test = nodeid.rpartition("::")
    group = Path(module).stem.removeprefix("test_").replace("_", " ")
    params = test.partition("[")[2].rstrip("]")
    return f"{group}: {params}" if params else f"{group}: {test.removeprefix('test_')}"


def _children() -> list[str]:
    """Processes still running whose parent is this one."""
    mine = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == mine and fields[0] != "Z":
            found.append(stat.parent.name)
    return found


def main(argv: list[str]) -> int:
    os.environ["SYNCSOURCE_RELIABILITY"] = "full"
    table = Table()
    pytest.main(
        ["--ckan-ini", str(ROOT / "test.ini"), str(BATTERY), "-q", "-p", "no:cacheprovider", *argv],
        plugins=[table],
    )
    rows = list(table.rows.values())
    width = max((len(row.case) for row in rows), default=10)
    print(f"\n{'case':<{width}}  {'outcome':<15} {'seconds':>7}  lost  dup  crashes")
    for row in rows:
        f = row.figures
        print(
            f"{row.case:<{width}}  {row.outcome:<15} {row.seconds:>7.1f}  "
            f"{f.get('lost', '-'):>4}  {f.get('duplicates', '-'):>3}  {f.get('crashes', '-'):>7}"
        )
    failed = [row for row in rows if row.outcome.startswith("FAILED")]
    for row in failed:
        print(f"  {row.case}: {row.reason.splitlines()[0] if row.reason else ''}")
    for row in rows:
        if "note" in row.figures:
            print(f"  {row.case}: {row.figures['note']}")
    for row in rows:
        if "table" in row.figures:
            print(f"\n{row.case}:\n{row.figures['table']}")
    faults = [row for row in rows if row.case.startswith(FAULT_GROUPS)]
    left = _children()
    secrets = [r.figures["secrets leaked"] for r in rows if "secrets leaked" in r.figures]
    print(
        f"\ncases run: {len(rows)}; failed: {len(failed)}; "
        f"faults survived: {sum(r.outcome == 'passed' for r in faults)} of {len(faults)}; "
        f"datasets lost: {sum(r.figures.get('lost', 0) for r in rows)}; "
        f"duplicates: {sum(r.figures.get('duplicates', 0) for r in rows)}; "
        f"crashes: {sum(r.figures.get('crashes', 0) for r in rows)}; "
        f"secrets leaked: {sum(secrets) if secrets else 'not measured'}; "
        f"processes left running: {len(left)}"
    )
    return 1 if failed or left or not rows else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
