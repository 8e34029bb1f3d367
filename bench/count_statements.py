"""Count the SQL statements and commits each imported dataset costs, and who issues them.

A syncsource job of N new datasets, then one where all N are edited, both run as
`ckan harvester run-test` runs them (gather, then the fetch and import stages of each object);
only the fetch and import stages are counted. Deterministic (no timing), so it can be compared
before and after a change. The database and Solr core of the environment are reset, as
`bench/run.py` does (run by hand, not in the suite):

    .state/venv/bin/python bench/count_statements.py --n 100
    .state/venv/bin/python bench/count_statements.py --n 100 --owner-org  # source in an org

Each statement is charged to CKAN's action when one is on the stack (CKAN's own work, whoever
called it; "ckan action > X" when the action called back into plugin X), else to the innermost
frame of ckanext-syncsource, else of ckanext-harvest, else to "other"; `--by-line` names the
code line.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import catalogue  # noqa: E402
import run as bench_run  # noqa: E402
import scenarios  # noqa: E402

_ACTIONS = os.sep + os.path.join("ckan", "logic", "action") + os.sep
_SYNCSOURCE = os.sep + os.path.join("ckanext", "syncsource") + os.sep
_HARVEST = os.sep + os.path.join("ckanext", "harvest") + os.sep


class Counter:
    """SQLAlchemy engine events, charged to the code that caused them."""

    def __init__(self, by_line: bool) -> None:
        self.by_line = by_line
        self.active = False
        self.statements: collections.Counter[str] = collections.Counter()
        self.commits: collections.Counter[str] = collections.Counter()

    def owner(self, statement: str = "") -> str:
        frames = traceback.extract_stack()[:-3]
        actions = [i for i, frame in enumerate(frames) if _ACTIONS in frame.filename]
        prefix = ""
        if actions:
            # What the action calls back (plugin hooks) is charged to the action, by plugin.
            frames = frames[actions[0] :]
            prefix = "ckan action > "
        for marker, name in ((_SYNCSOURCE, "syncsource"), (_HARVEST, "ckanext-harvest")):
            for frame in reversed(frames):
                if marker in frame.filename:
                    if not self.by_line:
                        return prefix + name
                    where = frame.filename.split(marker)[-1]
                    head = " ".join(statement.split())[:60]
                    return f"{prefix}{name} {where}:{frame.lineno} {frame.name}  [{head}]"
        return "ckan action" if actions else "other"

    def on_statement(self, connection, cursor, statement, *args) -> None:
        if self.active:
            self.statements[self.owner(statement)] += 1

    def on_commit(self, connection) -> None:
        if self.active:
            self.commits[self.owner("COMMIT")] += 1

    def reset(self) -> None:
        self.statements.clear()
        self.commits.clear()


def run_counted(source_id: str, counter: Counter) -> int:
    """One job; counts the fetch and import stages only. Returns the number of objects."""
    from ckan import model
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestObject

    job = scenarios.action("harvest_job_create", {"source_id": source_id, "run": False})
    job_obj = queue.HarvestJob.get(job["id"])
    job_obj.status = "Running"
    job_obj.save()
    harvester = queue.get_harvester("syncsource")
    object_ids = queue.gather_stage(harvester, job_obj) or []
    model.Session.remove()
    counter.active = True
    for object_id in object_ids:
        queue.fetch_and_import_stages(harvester, HarvestObject.get(object_id))
    counter.active = False
    model.Session.remove()
    scenarios.action("harvest_jobs_run", {"source_id": source_id})
    summary = scenarios.job_summary(job["id"])
    print(f"  job: {summary}", file=sys.stderr)
    return len(object_ids)


def report(title: str, counter: Counter, objects: int) -> None:
    total_s, total_c = sum(counter.statements.values()), sum(counter.commits.values())
    print(f"### {title}: {objects} objects")
    print(f"  per dataset: {total_s / objects:.2f} statements, {total_c / objects:.2f} commits")
    for owner, count in counter.statements.most_common():
        commits = counter.commits.get(owner, 0)
        print(f"  {count / objects:7.2f} statements {commits / objects:5.2f} commits  {owner}")
    for owner in set(counter.commits) - set(counter.statements):
        print(f"  {0:7.2f} statements {counter.commits[owner] / objects:5.2f} commits  {owner}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--owner-org", action="store_true", help="the source in an organization")
    parser.add_argument("--by-line", action="store_true")
    args = parser.parse_args()

    bench = bench_run.Bench(argparse.Namespace(seed=args.seed))
    bench.check_stack()
    cat, source, app = bench.loaded_site(args.n, "count")

    import sqlalchemy as sa
    from ckan import model

    counter = Counter(args.by_line)
    sa.event.listen(model.meta.engine, "before_cursor_execute", counter.on_statement)
    sa.event.listen(model.meta.engine, "commit", counter.on_commit)
    with app._wsgi_app.test_request_context():
        config = {"delete_limit": 0.5}
        if args.owner_org:
            # Only a site-wide source may create organizations and groups: made beforehand.
            scenarios.create_groups(cat.document())
            owner = scenarios.action("organization_create", {"name": "source-owners"})
            editor = scenarios.action(
                "user_create",
                {"name": "an-editor", "email": "e@example.org", "password": "pass-word-12"},
            )
            for org in cat.organizations:
                scenarios.action(
                    "organization_member_create",
                    {"id": org, "username": editor["name"], "role": "editor"},
                )
            for group in cat.groups:
                scenarios.action(
                    "group_member_create",
                    {"id": group, "username": editor["name"], "role": "member"},
                )
            scenarios.action(
                "organization_member_create",
                {"id": owner["id"], "username": editor["name"], "role": "editor"},
            )
        src = scenarios.create_source(str(source), config)
        if args.owner_org:
            scenarios.action("package_patch", {"id": src["id"], "owner_org": owner["id"]})
        report("created", counter, run_counted(src["id"], counter))
        counter.reset()
        edited = catalogue.next_day(cat, edit=1.0, remove=0.0, add=0.0)
        edited.write_json(source)
        report("updated", counter, run_counted(src["id"], counter))


if __name__ == "__main__":
    main()
