"""Benchmark scenarios, each run by `bench/run.py` in its own process with CKAN loaded.

    python bench/scenarios.py --ini INI --out RESULT.json baseline --catalogue DOC.json
    python bench/scenarios.py --ini INI --out RESULT.json syncsource --source DOC.json \
        [--day2 DAY2.json] [--update-heavy DOC.json] [--fetch-consumers K]
        [--steps import,rerun,day2,update_heavy]
    python bench/scenarios.py --ini INI --out RESULT.json gather --source CATALOGUE.jsonl

The database and Solr core are expected to be fresh (run.py resets them between scenarios).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalogue import to_ckan_form


def rss_mb() -> float:
    """Current resident set size of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM), in MB. Not getrusage's ru_maxrss: Linux carries that
    over exec from the forked parent, so a big parent would show as the scenario's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def load_ckan(ini: str):
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    return make_app(load_config(ini))


def site_user() -> str:
    import ckan.plugins.toolkit as tk

    return tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]


def context() -> dict[str, Any]:
    return {"user": site_user(), "ignore_auth": True}


def action(name: str, data: dict[str, Any]) -> Any:
    import ckan.plugins.toolkit as tk

    return tk.get_action(name)(context(), data)


# --- baseline ------------------------------------------------------------------------------


def create_groups(document: dict[str, Any]) -> None:
    for org in document.get("organization", {}).values():
        action("organization_create", dict(org))
    for group in document.get("group", {}).values():
        action("group_create", dict(group))


def baseline(args) -> dict[str, Any]:
    """CKAN's own write speed: plain loops of package_create, package_update, package_delete."""
    document = json.loads(Path(args.catalogue).read_text())
    create_groups(document)
    datasets = [to_ckan_form(d) for d in document["dataset"].values()]
    if args.limit:
        datasets = datasets[: args.limit]
    n = len(datasets)
    user = site_user()
    import ckan.plugins.toolkit as tk

    create = tk.get_action("package_create")
    update = tk.get_action("package_update")
    delete = tk.get_action("package_delete")

    start = time.perf_counter()
    created = [create({"user": user, "ignore_auth": True}, dict(d)) for d in datasets]
    create_s = time.perf_counter() - start

    # An update as a client would send it: what package_create returned, one field changed.
    start = time.perf_counter()
    for pkg in created:
        pkg["notes"] = pkg["notes"] + " Updated."
        update({"user": user, "ignore_auth": True}, pkg)
    update_s = time.perf_counter() - start

    start = time.perf_counter()
    for pkg in created:
        delete({"user": user, "ignore_auth": True}, {"id": pkg["id"]})
    delete_s = time.perf_counter() - start
    return {
        "n": n,
        "create_s": create_s,
        "create_per_s": n / create_s,
        "update_s": update_s,
        "update_per_s": n / update_s,
        "delete_s": delete_s,
        "delete_per_s": n / delete_s,
        "peak_rss_mb": peak_rss_mb(),
    }


# --- syncsource jobs -----------------------------------------------------------------------


def create_source(url: str, config: dict | None = None) -> dict[str, Any]:
    return action(
        "harvest_source_create",
        {
            "name": "bench-source",
            "title": "Bench source",
            "url": url,
            "source_type": "syncsource",
            "config": json.dumps(config or {"delete_limit": 0.5}),
        },
    )


def snapshot() -> dict[str, tuple]:
    """(metadata_modified, state) of every dataset, to count the writes of a run."""
    import sqlalchemy as sa
    from ckan import model

    model.Session.remove()
    rows = model.Session.execute(
        sa.select(model.Package.id, model.Package.metadata_modified, model.Package.state).where(
            model.Package.type == "dataset"
        )
    ).all()
    model.Session.remove()
    return {row[0]: (row[1], row[2]) for row in rows}


def activity_count() -> int:
    import sqlalchemy as sa
    from ckan import model

    count = model.Session.execute(sa.text("SELECT count(*) FROM activity")).scalar()
    model.Session.remove()
    return int(count)


def writes_between(before: dict[str, tuple], after: dict[str, tuple]) -> int:
    return sum(1 for pid, value in after.items() if before.get(pid) != value) + sum(
        1 for pid in before if pid not in after
    )


def active_count() -> int:
    return sum(1 for _, state in snapshot().values() if state == "active")


def run_job_in_process(source_id: str, harvester_type: str = "syncsource") -> dict[str, Any]:
    """One job as `ckan harvester run-test` runs it: gather, fetch+import each object, finish."""
    from ckan import model
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestObject

    start = time.perf_counter()
    job = action("harvest_job_create", {"source_id": source_id, "run": False})
    job_obj = queue.HarvestJob.get(job["id"])
    job_obj.status = "Running"
    job_obj.save()
    harvester = queue.get_harvester(harvester_type)
    object_ids = queue.gather_stage(harvester, job_obj) or []
    gathered = time.perf_counter()
    for object_id in object_ids:
        queue.fetch_and_import_stages(harvester, HarvestObject.get(object_id))
    model.Session.remove()
    imported = time.perf_counter()
    action("harvest_jobs_run", {"source_id": source_id})
    finished = time.perf_counter()
    return _job_timings(job["id"], len(object_ids), start, gathered, imported, finished)


def redis_client():
    import redis
    from ckan.common import config

    return redis.Redis.from_url(config["ckan.redis.url"])


def purge_queues() -> None:
    from ckan.common import config

    client = redis_client()
    site = config.get("ckan.site_id")
    for key in client.scan_iter(match=f"ckanext-harvest:{site}:*"):
        client.delete(key)


def waiting_consumers() -> int:
    """Consumers blocked on this site's queues (idle, ready for work)."""
    from ckan.common import config

    site = config.get("ckan.site_id")
    client = redis_client()
    db = client.connection_pool.connection_kwargs.get("db", 0)
    count = 0
    for info in client.client_list():
        if str(info.get("db")) == str(db) and info.get("cmd") in ("blpop", "brpop"):
            count += 1
    del site
    return count


def start_consumers(ini: str, fetch: int, log_dir: Path) -> list[subprocess.Popen]:
    ckan = Path(sys.executable).with_name("ckan")
    processes = []
    for kind, count in (("gather", 1), ("fetch", fetch)):
        for i in range(count):
            log = open(log_dir / f"{kind}-consumer-{i}.log", "ab")  # noqa: SIM115
            processes.append(
                subprocess.Popen(
                    [str(ckan), "-c", ini, "harvester", f"{kind}-consumer"],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    deadline = time.monotonic() + 120
    while waiting_consumers() < 1 + fetch:
        if time.monotonic() > deadline:
            raise RuntimeError("consumers did not start (see their logs)")
        if any(p.poll() is not None for p in processes):
            raise RuntimeError("a consumer exited (see its log)")
        time.sleep(0.5)
    return processes


def stop_consumers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def run_job_with_consumers(source_id: str) -> dict[str, Any]:
    """One job through the Redis queues: sent to the gather consumer, imported by the fetch
    consumers; timed from sending to the last object done (polled every 0.2 s)."""
    import sqlalchemy as sa
    from ckan import model
    from ckanext.harvest.model import HarvestJob, HarvestObject

    start = time.perf_counter()
    job = action("harvest_job_create", {"source_id": source_id, "run": True})
    gathered = None
    while True:
        model.Session.remove()
        job_obj = model.Session.get(HarvestJob, job["id"])
        if job_obj.gather_finished is not None:
            if gathered is None:
                gathered = time.perf_counter()
            pending = model.Session.execute(
                sa.select(sa.func.count())
                .select_from(HarvestObject)
                .where(
                    HarvestObject.harvest_job_id == job["id"],
                    HarvestObject.state.notin_(["COMPLETE", "ERROR"]),
                )
            ).scalar()
            if not pending:
                break
        time.sleep(0.2)
    imported = time.perf_counter()
    model.Session.remove()
    action("harvest_jobs_run", {"source_id": source_id})
    finished = time.perf_counter()
    objects = model.Session.execute(
        sa.select(sa.func.count())
        .select_from(HarvestObject)
        .where(HarvestObject.harvest_job_id == job["id"])
    ).scalar()
    model.Session.remove()
    return _job_timings(job["id"], objects, start, gathered, imported, finished)


def job_summary(job_id: str) -> dict[str, Any]:
    job = action("harvest_job_show", {"id": job_id})
    return {"status": job["status"], "stats": job.get("stats", {})}


def syncsource(args) -> dict[str, Any]:
    steps = args.steps.split(",")
    source = create_source(str(Path(args.source).resolve()))
    log_dir = Path(args.log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    consumers = []
    if args.fetch_consumers:
        purge_queues()
        consumers = start_consumers(args.ini, args.fetch_consumers, log_dir)
    run = run_job_with_consumers if args.fetch_consumers else run_job_in_process
    results: dict[str, Any] = {"fetch_consumers": args.fetch_consumers}
    try:
        for step in steps:
            if step == "day2":
                shutil.copyfile(args.day2, args.source)
            elif step == "update_heavy":
                shutil.copyfile(args.update_heavy, args.source)
            before, activities = snapshot(), activity_count()
            timing = run(source["id"])
            after = snapshot()
            timing.update(job_summary(timing["job_id"]))
            timing["dataset_writes"] = writes_between(before, after)
            timing["new_activities"] = activity_count() - activities
            timing["active_datasets"] = sum(1 for _, s in after.values() if s == "active")
            results[step] = timing
            print(f"  {step}: {json.dumps(timing, default=str)}", file=sys.stderr, flush=True)
    finally:
        stop_consumers(consumers)
    results["peak_rss_mb"] = peak_rss_mb()
    return results


# --- gather memory -------------------------------------------------------------------------


def gather_only(args) -> dict[str, Any]:
    """Peak RSS of the gather stage alone: objects are stored, nothing is imported."""
    from ckanext.harvest import queue

    source = create_source(str(Path(args.source).resolve()))
    job = action("harvest_job_create", {"source_id": source["id"], "run": False})
    job_obj = queue.HarvestJob.get(job["id"])
    job_obj.status = "Running"
    job_obj.save()
    harvester = queue.get_harvester("syncsource")
    rss_before = rss_mb()
    peak_before = peak_rss_mb()
    start = time.perf_counter()
    object_ids = queue.gather_stage(harvester, job_obj) or []
    elapsed = time.perf_counter() - start
    peak = peak_rss_mb()
    return {
        "objects": len(object_ids),
        "gather_s": elapsed,
        "rss_before_mb": rss_before,
        "peak_before_mb": peak_before,
        "peak_rss_mb": peak,
        "gather_growth_mb": peak - rss_before,
        "rss_after_mb": rss_mb(),
        "gather_errors": [e.message for e in job_obj.gather_errors],
    }


def host_load(steps) -> str:
    """A sentence on the machine's load around the steps (dicts with `loadavg_start` and
    `loadavg_end`, as `main` records them); empty when none has them."""
    loads = [
        load
        for step in steps
        for load in (step.get("loadavg_start"), step.get("loadavg_end"))
        if load
    ]
    if not loads:
        return ""
    return (
        f"Host load average (1 min) around the steps: {min(x[0] for x in loads):.1f} to "
        f"{max(x[0] for x in loads):.1f} on {os.cpu_count()} CPUs."
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ini", required=True)
    parser.add_argument("--out", required=True)
    sub = parser.add_subparsers(dest="scenario", required=True)
    p = sub.add_parser("baseline")
    p.add_argument("--catalogue", required=True)
    p.add_argument("--limit", type=int, default=0, help="only the first LIMIT datasets")
    p = sub.add_parser("syncsource")
    p.add_argument("--source", required=True)
    p.add_argument("--day2")
    p.add_argument("--update-heavy", help="day 2's catalogue with 10% of its datasets edited")
    p.add_argument("--fetch-consumers", type=int, default=0)
    p.add_argument("--steps", default="import,rerun,day2")
    p.add_argument("--log-dir", default=".")
    p = sub.add_parser("gather")
    p.add_argument("--source", required=True)
    args = parser.parse_args(argv)

    app = load_ckan(args.ini)
    scenarios = {"baseline": baseline, "syncsource": syncsource, "gather": gather_only}
    load_start = os.getloadavg()
    with app._wsgi_app.test_request_context():
        result = scenarios[args.scenario](args)
    result["pid"] = os.getpid()
    # The machine's load average (1, 5, 15 min) around the scenario: other work on the host
    # slows CKAN, Solr and PostgreSQL alike, so figures taken under load are not comparable.
    result["loadavg_start"], result["loadavg_end"] = load_start, os.getloadavg()
    Path(args.out).write_text(json.dumps(result, indent=1, default=str))


def _job_timings(
    job_id: str, objects: int, start: float, gathered: float, imported: float, finished: float
) -> dict[str, Any]:
    """A job's stage times from its perf_counter marks."""
    return {
        "job_id": job_id,
        "gather_s": gathered - start,
        "import_s": imported - gathered,
        "finish_s": finished - imported,
        "total_s": finished - start,
        "objects": objects,
    }


if __name__ == "__main__":
    main()
