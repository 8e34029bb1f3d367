"""A ckanext-harvest consumer that SIGKILLs itself at one armed point of a job (test only).

Run as `python -m ckanext.syncsource.tests.reliability.crash_consumer -c test.ini harvester
fetch-consumer`. The test arms a point by writing its name to the file named by
SYNCSOURCE_KILL_ARM; the first process to reach that point removes the file and kills itself
with signal 9, as the kernel's OOM killer or an operator's `kill -9` would. The restarted
process finds no armed point and runs normally, as under a supervisor.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from pathlib import Path

ACTIONS = ("package_create", "package_update", "package_delete")
POINTS = (
    "import start",
    *(f"{moment} {action}" for action in ACTIONS for moment in ("before", "during", "after")),
    "gather batch insert",
    "gather before queueing",
)


def _reached(point: str) -> None:
    arm = Path(os.environ["SYNCSOURCE_KILL_ARM"])
    try:
        armed = arm.read_text().strip()
    except FileNotFoundError:
        return
    if armed == point:
        arm.unlink()
        os.kill(os.getpid(), signal.SIGKILL)


def _install() -> None:
    import ckan.plugins.toolkit as tk
    from ckan.model import modification
    from ckanext.harvest import queue

    from ckanext.syncsource import harvester
    from ckanext.syncsource.harvest import gather

    running: list[str] = []

    original_get_action = tk.get_action

    def get_action(name):
        action = original_get_action(name)
        if name not in ACTIONS:
            return action

        @functools.wraps(action)
        def killable(context, data_dict):
            _reached(f"before {name}")
            running.append(name)
            try:
                result = action(context, data_dict)
            finally:
                running.pop()
            _reached(f"after {name}")
            return result

        return killable

    tk.get_action = get_action

    # The action's commit flushes its rows, then indexes them, then commits: a kill there is
    # in the middle of the write.
    extension = modification.DomainObjectModificationExtension
    original_before_commit = extension.before_commit

    def before_commit(self, session):
        if running:
            _reached(f"during {running[-1]}")
        return original_before_commit(self, session)

    extension.before_commit = before_commit

    original_import = harvester.SyncSourceHarvester.import_stage

    def import_stage(self, harvest_object):
        _reached("import start")
        return original_import(self, harvest_object)

    harvester.SyncSourceHarvester.import_stage = import_stage

    # Small batches, so the kill falls between two inserts of one transaction.
    gather._ObjectBatch.SIZE = 2
    original_flush = gather._ObjectBatch.flush
    flushes = []

    def flush(self):
        flushes.append(1)
        if len(flushes) > 1:
            _reached("gather batch insert")
        return original_flush(self)

    gather._ObjectBatch.flush = flush

    original_gather_stage = queue.gather_stage

    def gather_stage(harvester_, job):
        ids = original_gather_stage(harvester_, job)
        _reached("gather before queueing")
        return ids

    queue.gather_stage = gather_stage


def main() -> None:
    from ckan.cli.cli import ckan

    _install()
    sys.argv = ["ckan", *sys.argv[1:]]
    ckan()


if __name__ == "__main__":
    main()
