"""The demo: harvest the bundled sample catalogue into the local site through the real queues.

Run by `make up` once the site and the harvest consumers are up. It creates (once) a
`syncsource` harvest source for `ckanext/syncsource/sample/catalogue.json`, starts a job the way
the web UI's "Reharvest" button does, lets ckanext-harvest's gather and fetch consumers do the
work, finishes the job the way cron's `ckan harvester run` does, and prints the job's counts.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
STATE = Path(os.environ.get("SYNCSOURCE_STATE", ROOT / ".state"))
SITE = f"http://127.0.0.1:{os.environ.get('SYNCSOURCE_SITE_PORT', '5000')}"
CATALOGUE = ROOT / "ckanext" / "syncsource" / "sample" / "catalogue.json"
SOURCE_NAME = "sample-catalogue"
TIMEOUT = 300


def post(action: str, **data) -> dict:
    response = requests.post(
        f"{SITE}/api/3/action/{action}",
        json=data,
        headers={"Authorization": (STATE / "admin-token").read_text().strip()},
        timeout=60,
    )
    return response.json()


def call(action: str, **data):
    body = post(action, **data)
    if not body.get("success"):
        raise SystemExit(f"{action} failed: {body.get('error')}")
    return body["result"]


def ensure_source() -> dict:
    existing = post("harvest_source_show", id=SOURCE_NAME)
    if existing.get("success"):
        return existing["result"]
    return call(
        "harvest_source_create",
        name=SOURCE_NAME,
        title="Sample catalogue",
        url=str(CATALOGUE),
        source_type="syncsource",
        notes="Four organizations, four groups and 50 datasets in the legacy REST form.",
        config="",
    )


def run_job(source_id: str) -> dict:
    job = call("harvest_job_create", source_id=source_id, run=True)
    started = time.monotonic()
    while time.monotonic() - started < TIMEOUT:
        call("harvest_jobs_run", source_id=source_id)
        job = call("harvest_job_show", id=job["id"])
        if job["status"] == "Finished":
            job["seconds"] = time.monotonic() - started
            return job
        time.sleep(1)
    raise SystemExit(f"the job did not finish within {TIMEOUT}s: see .state/logs/*-consumer.log")


def main() -> None:
    source = ensure_source()
    print(f"==> Harvesting {CATALOGUE.relative_to(ROOT)} (source '{SOURCE_NAME}')")
    job = run_job(source["id"])
    stats = job["stats"]
    print(
        f"Job {job['id']} finished in {job['seconds']:.1f}s: "
        + ", ".join(f"{count} {status}" for status, count in stats.items())
    )
    report = call("harvest_job_report", id=job["id"])
    for error in report["gather_errors"]:
        print(f"  gather error: {error['message']}")
    total = call("package_search", fq=f'harvest_source_id:"{source["id"]}"', rows=0)["count"]
    print(f"The source's datasets on the site: {total}")
    print()
    print(f"Site:           {SITE}")
    print(f"Harvest source: {SITE}/harvest/{SOURCE_NAME}")
    print(f"Login:          admin / syncsource-admin  (API token in {STATE / 'admin-token'})")
    if report["gather_errors"] or stats.get("errored"):
        sys.exit(1)


if __name__ == "__main__":
    main()
