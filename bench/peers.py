"""Side by side with what users would pick instead: ckanext-harvest's CKAN harvester and
`ckanapi load datasets`, on the bench catalogue, in the same run as `bench/run.py`'s rows.

    .state/venv/bin/python bench/run.py --sizes 300 --consumers 0 --skip-gather --peers

A second CKAN site (the "remote") holds the catalogue: its tables in the schema `bench_remote`
of the bench database, its index documents under its own site_id in the bench Solr core, served
by `ckan run` on a free loopback port (plain http: both harvesters read it the same way). It is
seeded with the catalogue's own dataset ids and a `metadata_modified` two days old, so
CKANHarvester's re-runs, which ask for datasets modified since its last good job minus one
hour, see none of them: its best case. Day 2 edits, removes and adds 1% of the datasets on the
remote through its actions.

Each harvester runs in process (gather, then fetch and import of each object, then
`harvest_jobs_run`, as `ckan harvester run-test` does) on a fresh bench site and a freshly
seeded remote: syncsource with `format: ckan`, CKANHarvester with `remote_orgs` and
`remote_groups` `create`. `ckanapi load datasets` loads the same catalogue as JSON Lines into a
fresh bench site holding its organizations and groups (`ckanapi` in local mode, `-c` the bench
ini). Writes are datasets whose `metadata_modified` or state changed.

This module is run by `run.py` (`run_peers`, `peer_rows`) and, in a process with CKAN loaded, as
a script: `peers.py seed|day2|harvest|ckanapi --ini INI ...`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

REMOTE_SCHEMA = "bench_remote"
SEED_AGE = datetime.timedelta(days=2)
GOALS = {
    "ckanapi_initial": 2.0,  # syncsource import >= 2x faster than ckanapi load
    "ckanapi_rerun": 10.0,  # unchanged re-run >= 10x faster, 0 writes
    "ckanapi_day2": 5.0,  # day 2 >= 5x faster
    "harvester_initial": 3.0,  # syncsource import >= 3x faster than CKANHarvester
    "harvester_incremental": 1.0,  # re-run and day 2 no slower than CKANHarvester's
}


# --- run.py side: the remote site and the scenarios ----------------------------------------


class RemoteSite:
    """The second CKAN site, with a sysadmin token, served by `ckan run` on a free port."""

    def __init__(self, bench) -> None:
        self.bench = bench
        self.ini = bench.workdir / "remote.ini"
        text = bench.ini.read_text()
        text = re.sub(r"(?m)^ckan\.plugins = .*$", "ckan.plugins =", text)
        text = text.replace("[app:main]\n", "[app:main]\nckan.search.solr_commit = false\n", 1)
        self.ini.write_text(text)
        db_url = bench.env["CKAN_SQLALCHEMY_URL"]
        joiner = "&" if "?" in db_url else "?"
        self.env = {
            **bench.child_env,
            "CKAN_SQLALCHEMY_URL": f"{db_url}{joiner}options=-csearch_path={REMOTE_SCHEMA}",
            "CKAN_SITE_ID": bench.env["CKAN_SITE_ID"] + "_remote",
            "CKAN_INI": str(self.ini),
        }
        self.log_path = bench.workdir / "logs" / "remote-ckan.log"
        self.process: subprocess.Popen | None = None
        self.url = ""

    def _ckan(self, *args: str) -> str:
        done = subprocess.run(
            [self.bench.ckan, "-c", str(self.ini), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def reset(self, catalogue: Path) -> None:
        """A new remote site holding `catalogue` (untimed)."""
        import psycopg2

        self.stop()
        connection = psycopg2.connect(self.bench.env["CKAN_SQLALCHEMY_URL"])
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {REMOTE_SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {REMOTE_SCHEMA}")
        connection.close()
        self._ckan("db", "init")
        self._ckan("search-index", "clear")
        self.script("seed", "--catalogue", str(catalogue))
        self.start()

    def script(self, *args: str) -> None:
        """This module as a script, with CKAN loaded for the remote site."""
        out = self.bench.workdir / f"remote-{os.getpid()}.json"
        command = [sys.executable, __file__, args[0], "--ini", str(self.ini), "--out", str(out)]
        subprocess.run([*command, *args[1:]], env=self.env, check=True)
        commit_index(self.env["CKAN_SOLR_URL"])

    def start(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        command = [self.bench.ckan, "-c", str(self.ini), "run", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--disable-reloader", "--threaded"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=self.env
            )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the remote site exited; see {self.log_path}")
            try:
                urllib.request.urlopen(f"{self.url}/api/3/action/status_show", timeout=5)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"the remote site did not start; see {self.log_path}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        import psycopg2

        connection = psycopg2.connect(self.bench.env["CKAN_SQLALCHEMY_URL"])
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {REMOTE_SCHEMA} CASCADE")
        connection.close()


def ckan_id(source_id: str) -> str:
    """The id a catalogue dataset has on the remote site and in `ckanapi`'s JSON Lines: CKAN
    wants a UUID from a sysadmin who sets one."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"syncsource-bench:{source_id}"))


def commit_index(solr_url: str) -> None:
    request = urllib.request.Request(
        f"{solr_url.rstrip('/')}/update?commit=true",
        data=b"{}",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=120).read()


def run_peers(bench, n: int, day1: Path, day2: Path) -> dict[str, Any]:
    """Both harvesters against the remote site, and `ckanapi load`, at size `n`."""
    import catalogue

    remote = RemoteSite(bench)
    peers_ini = bench.workdir / "bench-peers.ini"
    text = bench.ini.read_text()
    text = re.sub(r"(?m)^(ckan\.plugins = .*)$", r"\1 ckan_harvester", text)
    text = text.replace(
        "[app:main]\n", "[app:main]\nckanext.syncsource.allowed_networks = 127.0.0.1/32\n", 1
    )
    peers_ini.write_text(text)
    result: dict[str, Any] = {"n": n}
    try:
        for harvester in ("syncsource", "ckan"):
            log(f"== N = {n}: {harvester} harvester against the remote CKAN site")
            remote.reset(day1)
            bench.reset()
            result[f"harvester_{harvester}"] = _local(
                bench,
                peers_ini,
                "harvest",
                "--harvester",
                harvester,
                "--url",
                remote.url,
                "--remote-ini",
                str(remote.ini),
                "--remote-env",
                json.dumps({k: remote.env[k] for k in ("CKAN_SQLALCHEMY_URL", "CKAN_SITE_ID")}),
                "--day1",
                str(day1),
                "--day2",
                str(day2),
            )
    finally:
        remote.close()
    log(f"== N = {n}: ckanapi load datasets")
    lines = bench.workdir / "catalogues" / f"ckanapi-{n}.jsonl"
    lines_day2 = bench.workdir / "catalogues" / f"ckanapi-{n}-day2.jsonl"
    for doc, path in ((day1, lines), (day2, lines_day2)):
        with path.open("w", encoding="utf-8") as out:
            for dataset in json.loads(doc.read_text())["dataset"].values():
                data = {**catalogue.to_ckan_form(dataset), "id": ckan_id(dataset["id"])}
                out.write(json.dumps(data))
                out.write("\n")
    bench.reset()
    result["ckanapi"] = _local(
        bench,
        bench.ini,
        "ckanapi",
        "--day1",
        str(day1),
        "--lines",
        str(lines),
        "--lines-day2",
        str(lines_day2),
    )
    return result


def _local(bench, ini: Path, scenario: str, *args: str) -> dict[str, Any]:
    out = bench.workdir / f"peer-{scenario}-{os.getpid()}.json"
    command = [sys.executable, __file__, scenario, "--ini", str(ini), "--out", str(out), *args]
    start = time.perf_counter()
    subprocess.run(command, env={**bench.child_env, "CKAN_INI": str(ini)}, check=True)
    result = json.loads(out.read_text())
    result["wall_s"] = time.perf_counter() - start
    log(f"   {json.dumps(result, default=str)}")
    return result


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the table -----------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _counts(step: dict[str, Any]) -> str:
    stats = step.get("stats", {})
    return "/".join(str(stats.get(k, 0)) for k in ("added", "updated", "deleted"))


def peer_rows(size: dict[str, Any]) -> list[str]:
    """Rows for run.py's table (same columns), from one size's `peers` result."""
    peers = size.get("peers")
    if not peers:
        return []
    n = peers["n"]
    ours = peers["harvester_syncsource"]
    theirs = peers["harvester_ckan"]
    rows = []
    for label, run in (("syncsource, format ckan", ours), ("CKANHarvester", theirs)):
        for step, what in (
            ("import", "initial import"),
            ("rerun", "unchanged re-run"),
            ("day2", "day 2 (1% edit/remove/add)"),
        ):
            timing = run[step]
            note = f"added/updated/deleted {_counts(timing)}"
            if run is theirs and step == "day2":
                missing = timing["deletes_expected"] - timing["deleted_on_site"]
                note += f"; {missing} removed datasets left active: it never deletes"
            rows.append(
                f"| {n} | {what}: {label} from a remote CKAN | {timing['total_s']:.2f} | "
                f"{n / timing['total_s']:.1f} | {timing['dataset_writes']} | {note} | | |"
            )
    for step, goal_key, label in (
        ("import", "harvester_initial", "initial"),
        ("rerun", "harvester_incremental", "unchanged re-run"),
        ("day2", "harvester_incremental", "day 2"),
    ):
        ratio = theirs[step]["total_s"] / ours[step]["total_s"]
        goal = GOALS[goal_key]
        rows.append(
            f"| {n} | syncsource vs CKANHarvester, {label} | | | | {ratio:.2f}x as fast | "
            f">= {goal}x | {_verdict(ratio >= goal)} |"
        )
    loaded = peers["ckanapi"]
    for step, what in (
        ("initial", "initial load"),
        ("rerun", "unchanged re-load"),
        ("day2", "day 2 load (never deletes)"),
    ):
        timing = loaded[step]
        rows.append(
            f"| {n} | {what}: ckanapi load datasets (JSON Lines) | {timing['total_s']:.2f} | "
            f"{n / timing['total_s']:.1f} | {timing['dataset_writes']} | | | |"
        )
    for ours_step, step, goal_key, label in (
        ("import", "initial", "ckanapi_initial", "initial"),
        ("rerun", "rerun", "ckanapi_rerun", "unchanged re-run, 0 writes"),
        ("day2", "day2", "ckanapi_day2", "day 2"),
    ):
        ratio = loaded[step]["total_s"] / ours[ours_step]["total_s"]
        goal = GOALS[goal_key]
        ok = ratio >= goal and (step != "rerun" or ours["rerun"]["dataset_writes"] == 0)
        rows.append(
            f"| {n} | syncsource (format ckan) vs ckanapi load, {label} | | | | "
            f"{ratio:.2f}x as fast | >= {goal}x | {_verdict(ok)} |"
        )
    return rows


# --- script side: scenarios in a process with CKAN loaded ----------------------------------


def seed(args) -> dict[str, Any]:
    """The remote site: the catalogue's organizations, groups and datasets (with their ids and
    a `metadata_modified` SEED_AGE old)."""
    import scenarios

    document = json.loads(Path(args.catalogue).read_text())
    scenarios.create_groups(document)
    modified = (datetime.datetime.utcnow() - SEED_AGE).isoformat()
    for dataset in document["dataset"].values():
        _remote_write("package_create", dataset, modified)
    return {"datasets": len(document["dataset"])}


def _remote_write(action_name: str, dataset: dict[str, Any], modified: str | None = None):
    import catalogue
    import scenarios

    data = {**catalogue.to_ckan_form(dataset), "id": ckan_id(dataset["id"])}
    if modified:
        data["metadata_modified"] = modified
    scenarios.action(action_name, data)


def day2(args) -> dict[str, Any]:
    """Day 2 on the remote site: the datasets edited, removed and added since day 1."""
    import scenarios

    before = json.loads(Path(args.day1).read_text())["dataset"]
    after = json.loads(Path(args.day2).read_text())["dataset"]
    counts = {"edited": 0, "removed": 0, "added": 0}
    for source_id, dataset in after.items():
        if source_id not in before:
            _remote_write("package_create", dataset)
            counts["added"] += 1
        elif dataset != before[source_id]:
            _remote_write("package_update", dataset)
            counts["edited"] += 1
    for source_id in before.keys() - after.keys():
        scenarios.action("package_delete", {"id": ckan_id(source_id)})
        counts["removed"] += 1
    return counts


def harvest(args) -> dict[str, Any]:
    """Import, unchanged re-run, day 2 of one harvester against the remote site."""
    import scenarios

    config = {"format": "ckan"} if args.harvester == "syncsource" else {}
    if args.harvester == "ckan":
        config = {"remote_orgs": "create", "remote_groups": "create"}
    source = scenarios.action(
        "harvest_source_create",
        {
            "name": "bench-peer",
            "title": "Bench peer",
            "url": f"{args.url}/",
            "source_type": args.harvester,
            "config": json.dumps(config),
        },
    )
    results: dict[str, Any] = {"harvester": args.harvester}
    for step in ("import", "rerun", "day2"):
        if step == "day2":
            out = Path(args.out).with_suffix(".day2.json")
            command = [sys.executable, __file__, "day2", "--ini", args.remote_ini]
            command += ["--out", str(out), "--day1", args.day1, "--day2", args.day2]
            env = {**os.environ, **json.loads(args.remote_env), "CKAN_INI": args.remote_ini}
            subprocess.run(command, env=env, check=True)
            commit_index(os.environ["CKAN_SOLR_URL"])
            results["remote_day2"] = json.loads(out.read_text())
        before = scenarios.snapshot()
        timing = scenarios.run_job_in_process(source["id"], args.harvester)
        after = scenarios.snapshot()
        timing.update(scenarios.job_summary(timing["job_id"]))
        timing["dataset_writes"] = scenarios.writes_between(before, after)
        if step == "day2":
            removed = (
                json.loads(Path(args.day1).read_text())["dataset"].keys()
                - json.loads(Path(args.day2).read_text())["dataset"].keys()
            )
            timing["deletes_expected"] = len(removed)
            timing["deleted_on_site"] = sum(
                1 for pid, (_, state) in after.items() if state == "deleted"
            )
        results[step] = timing
        log(f"  {args.harvester} {step}: {json.dumps(timing, default=str)}")
    return results


def ckanapi_load(args) -> dict[str, Any]:
    """`ckanapi load datasets` of the catalogue into this site: initial, unchanged, day 2."""
    import scenarios

    scenarios.create_groups(json.loads(Path(args.day1).read_text()))
    ckanapi = str(Path(sys.executable).with_name("ckanapi"))
    # ckanapi hands a local load over to the `ckan` command it finds on PATH: this venv's.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    results: dict[str, Any] = {}
    for step, lines in (("initial", args.lines), ("rerun", args.lines), ("day2", args.lines_day2)):
        before = scenarios.snapshot()
        start = time.perf_counter()
        done = subprocess.run(
            [ckanapi, "load", "datasets", "-I", lines, "-c", args.ini, "-q"],
            capture_output=True,
            text=True,
            env={**os.environ, "PATH": path},
        )
        elapsed = time.perf_counter() - start
        if done.returncode:
            raise RuntimeError(f"ckanapi load failed: {done.stderr[-2000:]}")
        after = scenarios.snapshot()
        results[step] = {
            "total_s": elapsed,
            "dataset_writes": scenarios.writes_between(before, after),
        }
        log(f"  ckanapi {step}: {json.dumps(results[step])}")
    return results


def main() -> None:
    import scenarios

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=("seed", "day2", "harvest", "ckanapi"))
    parser.add_argument("--ini", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--catalogue")
    parser.add_argument("--day1")
    parser.add_argument("--day2")
    parser.add_argument("--harvester", choices=("syncsource", "ckan"))
    parser.add_argument("--url")
    parser.add_argument("--remote-ini")
    parser.add_argument("--remote-env")
    parser.add_argument("--lines")
    parser.add_argument("--lines-day2")
    args = parser.parse_args()
    run = {"seed": seed, "day2": day2, "harvest": harvest, "ckanapi": ckanapi_load}
    app = scenarios.load_ckan(args.ini)
    with app._wsgi_app.test_request_context():
        result = run[args.scenario](args)
    Path(args.out).write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
