"""Scale benchmark: a source of 100,000 datasets against a site that already holds them, and
the read + plan of 1,000,000 (issue 12, part 3).

    python bench/scale.py        # check at 1,000, then 10k / 100k (+ day 2) / 1M (plan only)
    python bench/scale.py --scale-check 30 --scale-sizes 300 --scale-day2-sizes 300 \
        --scale-plan-sizes 500   # smoke run
    python bench/run.py --scale ...   # the same within run.py's table

Building a 100,000-dataset site with CKAN's actions takes hours here, so the site is *seeded*:
the organizations and groups by a real job (a source holding only them), then, with COPY
straight into PostgreSQL, each dataset as the import writes it (package row with its extras
and ownership marker, resources, tags, group and organization memberships) and its current
harvest object with the extras the import records (status, fingerprint, synced
metadata_modified, outcome) and its content, under one Finished job. Rows come from the same
reader, normalization, fingerprint and merge the harvester runs. What it leaves out: activity
rows (nothing reads them), and with `--lean` (the 1M plan) resources, tags, memberships and
the objects' content, which the plan's queries never read.

The Solr index is not rebuilt (`ckan search-index rebuild` would take hours too): for each
seeded dataset only the fields the gather's index-ghost scan reads (`id`, `site_id`,
`harvest_source_id`) are posted, as a stale entry (its `metadata_modified` older than the
database's, so `package_show` reads the dataset from the database, as it does for any dataset
changed since it was indexed). The planner and the unchanged re-run read the database only;
the writes of day 2 index their datasets fully, as always.

Before the measures, `--check N` imports N datasets with a real job and seeds N on a fresh
site, and compares the two: the owned entries and the plans of an unchanged re-run and of day
2 must be equal, and so must every dataset's `package_show` (ids and timestamps aside). A
difference stops the benchmark: the seeding drifted from what a job writes.

Each step runs in its own process (peak RSS is the step's own). Database and Solr core are
those of `bench/run.py` (its environment variables); they are reset, and emptied at the end.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from resource import RUSAGE_SELF, getrusage
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import catalogue  # noqa: E402
import scenarios  # noqa: E402

GOALS = {
    "rerun_s": 120,  # unchanged re-run of 100,000 (gather + plan + finish)
    "rerun_rss_mb": 400,
    "day2_s": 600,  # 1% edited / removed / added, of 100,000
    "plan_1m_rss_mb": 1024,  # read + plan of 1,000,000
}
_BATCH = 2000


# --- catalogues (streamed: never the whole catalogue in memory) ----------------------------


def write_source(path: Path, n: int, seed: int) -> Path:
    """The N-dataset catalogue as JSON Lines (kept for the next run: 1M takes minutes)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        catalogue.write_jsonl_streaming(partial, n, seed=seed)
        partial.rename(path)
    return path


def write_day2(path: Path, n: int, seed: int, share: float = 0.01) -> Path:
    """`catalogue.next_day` of the N-dataset catalogue, one dataset at a time: `share` of the
    datasets edited, as many removed, as many added."""
    rng = random.Random(f"{seed}:scale-day:2")
    k = round(n * share)
    chosen = rng.sample(range(n), 2 * k)
    edited, removed = set(chosen[:k]), set(chosen[k:])
    orgs = [catalogue.make_organization(i, seed) for i in range(catalogue.organization_count(n))]
    groups = [catalogue.make_group(i, seed) for i in range(catalogue.group_count(n))]
    org_names, group_names = [o["name"] for o in orgs], [g["name"] for g in groups]
    with open(path, "w", encoding="utf-8") as out:

        def write(kind: str, obj: dict) -> None:
            out.write(json.dumps({"type": kind, **obj}, ensure_ascii=False) + "\n")

        for org in orgs:
            write("organization", org)
        for group in groups:
            write("group", group)
        for index in range(n + k):
            if index in removed:
                continue
            dataset = catalogue.make_dataset(index, seed, org_names, group_names)
            write(
                "dataset", catalogue.edit_dataset(dataset, rng, 2) if index in edited else dataset
            )
    return path


def groups_only(source: Path, target: Path) -> Path:
    """The organizations and groups of a JSON Lines catalogue (they come first)."""
    with open(source, encoding="utf-8") as lines, open(target, "w", encoding="utf-8") as out:
        for line in lines:
            if json.loads(line)["type"] == "dataset":
                break
            out.write(line)
    return target


# --- seeding -------------------------------------------------------------------------------

_PACKAGE_COLUMNS = [
    "id",
    "name",
    "title",
    "version",
    "url",
    "notes",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "state",
    "license_id",
    "type",
    "owner_org",
    "private",
    "metadata_modified",
    "creator_user_id",
    "metadata_created",
    "plugin_data",
    "extras",
]
_RESOURCE_COLUMNS = [
    "id",
    "url",
    "format",
    "description",
    "position",
    "hash",
    "state",
    "extras",
    "name",
    "resource_type",
    "mimetype",
    "mimetype_inner",
    "size",
    "last_modified",
    "cache_url",
    "cache_last_updated",
    "created",
    "url_type",
    "package_id",
    "metadata_modified",
]
_TABLES = {
    "tag": ["id", "name", "vocabulary_id"],
    "package": _PACKAGE_COLUMNS,
    "package_extra": ["id", "key", "value", "state", "package_id"],
    "resource": _RESOURCE_COLUMNS,
    "package_tag": ["id", "state", "package_id", "tag_id"],
    "member": ["id", "group_id", "table_id", "state", "table_name", "capacity"],
    "harvest_object": [
        "id",
        "guid",
        "current",
        "gathered",
        "fetch_started",
        "content",
        "fetch_finished",
        "import_started",
        "import_finished",
        "state",
        "retry_times",
        "harvest_job_id",
        "harvest_source_id",
        "package_id",
        "report_status",
    ],
    "harvest_object_extra": ["id", "harvest_object_id", "key", "value"],
}
"""In the order they are copied (foreign keys)."""
_MERGED_ELSEWHERE = {"extras", "tags", "groups", "resources"}


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _field(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return (value if isinstance(value, str) else str(value)).translate(_ESCAPES)


class _Rows:
    """Rows of every seeded table, sent with COPY. CKAN 2.11 keeps a dataset's extras in the
    `package_extra` table, 2.12 in the package row's `extras` column."""

    def __init__(self, extras_column: bool) -> None:
        self.extras_column = extras_column
        self._tables = dict(_TABLES)
        if extras_column:
            del self._tables["package_extra"]
        else:
            self._tables["package"] = [c for c in _PACKAGE_COLUMNS if c != "extras"]
        self._buffers = {table: io.StringIO() for table in self._tables}

    def add_package(self, package: dict[str, Any], extras: dict[str, str]) -> None:
        if self.extras_column:
            self.add("package", {**package, "extras": extras})
            return
        self.add("package", package)
        for key, value in extras.items():
            row = {"id": str(uuid.uuid4()), "key": key, "value": value, "state": "active"}
            self.add("package_extra", row | {"package_id": package["id"]})

    def add(self, table: str, row: dict[str, Any]) -> None:
        columns = self._tables[table]
        if set(row) - set(columns):
            raise ValueError(f"seeding {table}: no column for {sorted(set(row) - set(columns))}")
        self._buffers[table].write("\t".join(_field(row.get(c)) for c in columns) + "\n")

    def copy(self, cursor) -> None:
        for table, buffer in self._buffers.items():
            buffer.seek(0)
            columns = ", ".join(self._tables[table])
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
            self._buffers[table] = io.StringIO()


def seed_datasets(source_id: str, lean: bool) -> int:
    """Write every dataset of the source, and its current harvest object, as a job leaves
    them; returns how many."""
    import sqlalchemy as sa
    from ckan import model
    from ckan.lib.helpers import unified_resource_format
    from ckanext.harvest.model import HarvestSource

    from ckanext.syncsource.core.fingerprint import sync_fingerprint
    from ckanext.syncsource.core.names import cut_name
    from ckanext.syncsource.core.normalize import normalize_dataset
    from ckanext.syncsource.core.schema_fields import map_extras_to_fields
    from ckanext.syncsource.planning import harvest_objects as ho
    from ckanext.syncsource.planning.resolved_source import resolve_source
    from ckanext.syncsource.planning.site_merge import adjustments, merge_for_site
    from ckanext.syncsource.planning.site_schema import dataset_schema
    from ckanext.syncsource.planning.site_settings import reader_settings
    from ckanext.syncsource.planning.site_state import PLUGIN_DATA_KEY, PLUGIN_DATA_MARKER
    from ckanext.syncsource.sources import open_source

    source = resolve_source(HarvestSource.get(source_id))
    config, schema, adjust = source.config, dataset_schema(), adjustments()
    marker_extra = schema is None or not schema.controls_extras
    ids: dict[bool, dict[str, str]] = {True: {}, False: {}}
    for gid, name, is_org in model.Session.execute(
        sa.select(model.Group.id, model.Group.name, model.Group.is_organization)
    ):
        ids[bool(is_org)][name] = gid
    tag_ids = dict(model.Session.execute(sa.select(model.Tag.name, model.Tag.id)).all())
    user_id = model.User.get(scenarios.site_user()).id
    now = datetime.datetime.utcnow()
    job_id = str(uuid.uuid4())
    model.Session.execute(
        sa.text(
            "INSERT INTO harvest_job (id, created, gather_started, gather_finished, finished, "
            "source_id, status) VALUES (:id, :t, :t, :t, :t, :source, 'Finished')"
        ),
        {"id": job_id, "t": now, "source": source_id},
    )
    cursor = model.Session.connection().connection.cursor()
    extras_column = model.Session.execute(
        sa.text(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'package' AND column_name = 'extras'"
        )
    ).first()
    rows, count = _Rows(extras_column is not None), 0
    with open_source(source.url, config.format, reader_settings()) as records:
        for record in records:
            if record.kind != "dataset":
                continue
            canonical = map_extras_to_fields(
                normalize_dataset(record.obj), schema, config.extras_to_fields
            )
            fingerprint = sync_fingerprint(canonical, config.options, adjust)
            owner = canonical.get("owner_org")
            keys = {group["name"] for group in canonical.get("groups", ())}
            step = ho.PlannedWrite(
                dataset=canonical,
                name=cut_name(canonical.get("name", "")),
                fingerprint=fingerprint,
                org_ids={owner: ids[True][owner]} if owner in ids[True] else {},
                group_ids={key: ids[False][key] for key in keys if key in ids[False]},
                marker_extra=marker_extra,
            )
            merged = merge_for_site(
                source,
                record.key,
                canonical,
                None,
                step.org_ids,
                step.group_ids,
                name=step.name,
                marker_extra=marker_extra,
            )
            package_id = str(uuid.uuid4())
            package = {key: merged[key] for key in merged if key not in _MERGED_ELSEWHERE}
            rows.add_package(
                {
                    **package,
                    "id": package_id,
                    "state": "active",
                    "metadata_modified": now,
                    "metadata_created": now,
                    "creator_user_id": user_id,
                    "plugin_data": {
                        PLUGIN_DATA_KEY: {PLUGIN_DATA_MARKER: source.marker(record.key)}
                    },
                },
                {extra["key"]: extra["value"] for extra in merged["extras"]},
            )
            if not lean:
                _content_rows(rows, merged, package_id, now, tag_ids, unified_resource_format)
            object_id = str(uuid.uuid4())
            rows.add(
                "harvest_object",
                {
                    "id": object_id,
                    "guid": record.key,
                    "current": True,
                    "gathered": now,
                    "fetch_started": now,
                    "fetch_finished": now,
                    "import_started": now,
                    "import_finished": now,
                    # step.encode() without its deep copy (asdict): the same text.
                    "content": None if lean else json.dumps(vars(step), ensure_ascii=False),
                    "state": "COMPLETE",
                    "retry_times": 0,
                    "harvest_job_id": job_id,
                    "harvest_source_id": source_id,
                    "package_id": package_id,
                    "report_status": "added",
                },
            )
            for key, value in (
                (ho.STATUS_EXTRA, "create"),
                (ho.FINGERPRINT_EXTRA, fingerprint),
                (ho.SYNCED_MODIFIED_EXTRA, now.isoformat()),
                (ho.OUTCOME_EXTRA, "written"),
            ):
                rows.add(
                    "harvest_object_extra",
                    {"id": str(uuid.uuid4()), "harvest_object_id": object_id, "key": key}
                    | {"value": value},
                )
            count += 1
            if count % _BATCH == 0:
                rows.copy(cursor)
    rows.copy(cursor)
    model.Session.commit()
    return count


def _content_rows(rows: _Rows, merged: dict, package_id: str, now, tag_ids, unified_format):
    """A dataset's resources, tags and memberships, as `package_create` stores them."""
    for position, resource in enumerate(merged.get("resources", ())):
        columns = {k: v for k, v in resource.items() if k in _RESOURCE_COLUMNS}
        extras = {k: v for k, v in resource.items() if k not in _RESOURCE_COLUMNS}
        if columns.get("format"):
            columns["format"] = unified_format(columns["format"])
        rows.add(
            "resource",
            {
                "url": "",
                **columns,
                "id": str(uuid.uuid4()),
                "position": position,
                "state": "active",
                "hash": "",
                "extras": extras or None,
                "created": now,
                "metadata_modified": now,
                "package_id": package_id,
            },
        )
    for tag in merged.get("tags", ()):
        if tag["name"] not in tag_ids:
            tag_ids[tag["name"]] = str(uuid.uuid4())
            rows.add("tag", {"id": tag_ids[tag["name"]], "name": tag["name"]})
        member = {"id": str(uuid.uuid4()), "state": "active", "package_id": package_id}
        rows.add("package_tag", member | {"tag_id": tag_ids[tag["name"]]})
    memberships = [(merged["owner_org"], "organization")] if merged.get("owner_org") else []
    memberships += [(group["id"], "public") for group in merged.get("groups", ())]
    for group_id, capacity in memberships:
        rows.add(
            "member",
            {
                "id": str(uuid.uuid4()),
                "group_id": group_id,
                "table_id": package_id,
                "state": "active",
                "table_name": "package",
                "capacity": capacity,
            },
        )


# --- steps, each in its own process ----------------------------------------------------------


def _source_id() -> str:
    from ckanext.harvest.model import HarvestSource

    return HarvestSource.filter(type="syncsource").one().id


def step_import(args) -> dict[str, Any]:
    """The reference site: a real job imports the whole source."""
    source = scenarios.create_source(str(Path(args.source).resolve()))
    return scenarios.run_job_in_process(source["id"])


def step_seed(args) -> dict[str, Any]:
    """The seeded site: organizations and groups by a real job, then the datasets by COPY."""
    import sqlalchemy as sa
    from ckan import model

    start = time.perf_counter()
    path = Path(args.source).resolve()
    source = scenarios.create_source(str(groups_only(path, path.with_name("groups.jsonl"))))
    scenarios.run_job_in_process(source["id"])
    for table in ("harvest_source", "package"):
        model.Session.execute(
            sa.text(f"UPDATE {table} SET url = :url WHERE id = :id"),
            {"url": str(path), "id": source["id"]},
        )
    model.Session.commit()
    groups_s = time.perf_counter() - start
    count = seed_datasets(source["id"], args.lean)
    # What autovacuum does within a minute of a bulk insert: without statistics the planner
    # takes the seeded tables for empty, and its plans for the first job crawl (a nested loop
    # over harvest_object_extra: 19 s of waiting in the gather of 10,000).
    model.Session.execute(sa.text("ANALYZE"))
    model.Session.commit()
    return {"datasets": count, "groups_job_s": groups_s, "seed_s": time.perf_counter() - start}


def step_index(args) -> dict[str, Any]:
    """Post the fields the index-ghost scan reads, for every dataset the source links."""
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa
    from ckan import model
    from ckanext.harvest.model import HarvestObject

    start = time.perf_counter()
    source_id, site_id = _source_id(), tk.config.get("ckan.site_id")
    solr = tk.config.get("solr_url").rstrip("/")
    ids = model.Session.execute(
        sa.select(HarvestObject.package_id).where(
            HarvestObject.harvest_source_id == source_id, HarvestObject.current
        )
    ).scalars()
    batch: list[dict] = []

    def post(commit: bool = False) -> None:
        request = urllib.request.Request(
            f"{solr}/update{'?commit=true' if commit else ''}",
            data=json.dumps(batch).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=600).read()
        batch.clear()

    count = 0
    for package_id in ids:
        index_id = hashlib.md5(f"{package_id}{site_id}".encode()).hexdigest()
        batch.append(
            {
                "index_id": index_id,
                "id": package_id,
                "site_id": site_id,
                "entity_type": "package",
                "dataset_type": "dataset",
                "state": "active",
                "harvest_source_id": source_id,
                # A stale entry: package_show finds a cached dict older than the database's and
                # reads the dataset from the database instead.
                "data_dict": "{}",
                "metadata_modified": "1970-01-01T00:00:00Z",
            }
        )
        count += 1
        if len(batch) >= 10_000:
            post()
    post(commit=True)
    return {"indexed": count, "index_s": time.perf_counter() - start}


def step_ghosts(args) -> dict[str, Any]:
    """The gather's index-ghost scan alone (nothing to remove on a seeded site)."""
    from ckanext.syncsource.harvest.index_ghosts import remove_index_ghosts

    start = time.perf_counter()
    removed = remove_index_ghosts(_source_id())
    return {"removed": removed, "ghosts_s": time.perf_counter() - start}


def step_job(args) -> dict[str, Any]:
    """One job (gather + plan + import of what it planned + finish), in process or with
    `--fetch-consumers` K fetch consumers (and a gather consumer) through the queues."""
    import sqlalchemy as sa
    from ckan import model

    rss_before = scenarios.rss_mb()
    started = datetime.datetime.utcnow()
    activities = scenarios.activity_count()
    if args.fetch_consumers:
        scenarios.purge_queues()
        log_dir = Path(args.out).parent / "logs"
        log_dir.mkdir(exist_ok=True)
        consumers = scenarios.start_consumers(args.ini, args.fetch_consumers, log_dir)
        try:
            timing = scenarios.run_job_with_consumers(_source_id())
        finally:
            scenarios.stop_consumers(consumers)
    else:
        timing = scenarios.run_job_in_process(_source_id())
    timing["fetch_consumers"] = args.fetch_consumers
    timing.update(scenarios.job_summary(timing["job_id"]))
    timing["dataset_writes"] = model.Session.execute(
        sa.select(sa.func.count())
        .select_from(model.Package)
        .where(model.Package.type == "dataset", model.Package.metadata_modified >= started)
    ).scalar()
    model.Session.remove()
    timing["new_activities"] = scenarios.activity_count() - activities
    timing["rss_before_mb"] = rss_before
    return timing


def step_plan(args) -> dict[str, Any]:
    """Read + plan (`ckan syncsource plan`): source file, database queries, planner."""
    from ckanext.harvest.model import HarvestSource

    from ckanext.syncsource.planning.dataset_spool import DatasetSpool
    from ckanext.syncsource.planning.resolved_source import resolve_source
    from ckanext.syncsource.planning.run_plan import plan_run

    rss_before = scenarios.rss_mb()
    start = time.perf_counter()
    source = resolve_source(HarvestSource.get(_source_id()))
    with DatasetSpool() as spool:
        plan = plan_run(source, spool).datasets
    return {
        "plan_s": time.perf_counter() - start,
        "rss_before_mb": rss_before,
        "counts": {kind: len(getattr(plan, kind)) for kind in _PLAN_KINDS},
    }


_PLAN_KINDS = ("creates", "updates", "deletes", "unchanged", "errors", "ignored")
_BULKY = ("owned", "plans", "datasets")
"""A snapshot's per-dataset lists: compared, not logged."""
_SCRUBBED = {
    "id",
    "package_id",
    "group_id",
    "owner_org",
    "creator_user_id",
    "metadata_created",
    "metadata_modified",
    "created",
    "last_modified",
    "revision_id",
    "image_display_url",
}


def _scrub(value: Any) -> Any:
    """A `package_show` dict without what differs between two sites holding the same data."""
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k not in _SCRUBBED}
    if isinstance(value, list):
        items = [_scrub(v) for v in value]
        if all(isinstance(v, dict) and set(v) == {"key", "value"} for v in value) and value:
            items = [v for v in items if v["key"] not in ("harvest_object_id", "harvest_source_id")]
        return items
    return value


def step_snapshot(args) -> dict[str, Any]:
    """What the check compares: owned entries, plans of the same and of day 2's source, and
    every dataset's `package_show` (keyed by source id)."""
    import ckan.plugins.toolkit as tk
    from ckanext.harvest.model import HarvestSource

    from ckanext.syncsource.planning import site_state
    from ckanext.syncsource.planning.dataset_spool import DatasetSpool
    from ckanext.syncsource.planning.resolved_source import resolve_source
    from ckanext.syncsource.planning.run_plan import plan_run

    source = resolve_source(HarvestSource.get(_source_id()))
    owned = site_state.owned_datasets(source.id, source.source_name)
    by_package = {entry.package_id: entry.source_id for entry in owned}
    plans = {}
    for label, url in (("rerun", source.url), ("day2", str(Path(args.day2).resolve()))):
        with DatasetSpool() as spool:
            plan = plan_run(dataclasses.replace(source, url=url), spool).datasets
        plans[label] = {
            kind: sorted(
                [
                    by_package.get(getattr(s, "package_id", None), ""),
                    *(
                        str(getattr(s, f, ""))
                        for f in ("source_id", "name", "fingerprint", "revive")
                    ),
                ]
                for s in getattr(plan, kind)
            )
            for kind in _PLAN_KINDS
        }
    show = tk.get_action("package_show")
    context = scenarios.context()
    datasets = {
        entry.source_id: _scrub(show({**context, "use_cache": False}, {"id": entry.package_id}))
        for entry in owned
    }
    return {
        "owned": sorted(
            [e.source_id, e.name, e.state, e.synced_fingerprint, e.linked, e.marker_missing]
            for e in owned
        ),
        "plans": plans,
        "datasets": datasets,
    }


STEPS = {
    "import": step_import,
    "seed": step_seed,
    "index": step_index,
    "ghosts": step_ghosts,
    "job": step_job,
    "plan": step_plan,
    "snapshot": step_snapshot,
}


def _cpu_s() -> float:
    usage = getrusage(RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=STEPS)
    parser.add_argument("--ini", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--source")
    parser.add_argument("--day2")
    parser.add_argument("--lean", action="store_true")
    parser.add_argument("--fetch-consumers", type=int, default=0)
    args = parser.parse_args(argv)
    app = scenarios.load_ckan(args.ini)
    load_start = os.getloadavg()
    cpu_start = _cpu_s()
    with app._wsgi_app.test_request_context():
        result = STEPS[args.step](args)
    # This process's own CPU time: on a shared machine, steadier than the wall time.
    result["cpu_s"] = _cpu_s() - cpu_start
    result["peak_rss_mb"] = scenarios.peak_rss_mb()
    result["loadavg_start"], result["loadavg_end"] = load_start, os.getloadavg()
    Path(args.out).write_text(json.dumps(result, default=str))


# --- the benchmark -------------------------------------------------------------------------


class Scale:
    def __init__(self, args) -> None:
        import run as bench_run

        self.args = args
        self.bench = bench_run.Bench(argparse.Namespace(seed=args.seed))
        self.bench.check_stack()
        self.dir = self.bench.workdir / "sources" / "scale"
        self.dir.mkdir(parents=True, exist_ok=True)

    def step(self, name: str, *args: str) -> dict[str, Any]:
        out = self.bench.workdir / f"scale-{name}-{os.getpid()}.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", name]
        command += ["--ini", str(self.bench.ini), "--out", str(out), *args]
        start = time.perf_counter()
        subprocess.run(command, env=self.bench.child_env, check=True)
        result = json.loads(out.read_text())
        result["wall_s"] = time.perf_counter() - start
        shown = {k: v for k, v in result.items() if k not in _BULKY}
        log(f"   {name}: {json.dumps(shown)}")
        return result

    def catalogue(self, n: int, with_day2: bool = True) -> tuple[Path, Path]:
        source = write_source(self.dir / f"catalogue-{n}.jsonl", n, self.args.seed)
        day2 = self.dir / f"catalogue-{n}-day2.jsonl"
        if with_day2 and not day2.exists():
            write_day2(day2, n, self.args.seed)
        return source, day2

    def check(self, n: int) -> dict[str, Any]:
        """A seeded site and an imported one plan identically; exits when they do not."""
        log(f"== check: {n} datasets imported by a job vs seeded")
        source, day2 = self.catalogue(n)
        live = self.dir / "catalogue.jsonl"
        snapshots = []
        for how in ("import", "seed"):
            live.write_bytes(source.read_bytes())
            self.bench.reset()
            self.step(how, "--source", str(live))
            snapshots.append(self.step("snapshot", "--day2", str(day2)))
        differences = compare(*snapshots)
        if differences:
            sys.exit("The seeded site differs from the imported one:\n" + "\n".join(differences))
        plans = snapshots[0]["plans"]
        counts = {
            label: {kind: len(rows) for kind, rows in plan.items()} for label, plan in plans.items()
        }
        log(f"   identical: owned entries, plans {json.dumps(counts)}, {n} package_show dicts")
        return {"n": n, "identical": True, "plans": counts}

    def size(self, n: int, day2_run: bool) -> dict[str, Any]:
        log(f"== N = {n}: seed, index, ghost scan, unchanged re-run, plan" + (", day 2" * day2_run))
        source, day2 = self.catalogue(n)
        live = self.dir / "catalogue.jsonl"
        live.write_bytes(source.read_bytes())
        self.bench.reset()
        result: dict[str, Any] = {"n": n}
        result["seed"] = self.step("seed", "--source", str(live))
        result["index"] = self.step("index")
        result["ghosts"] = self.step("ghosts")
        result["rerun"] = self.step("job")
        result["plan"] = self.step("plan")
        if day2_run:
            live.write_bytes(day2.read_bytes())
            consumers = str(self.args.scale_day2_consumers)
            result["day2"] = self.step("job", "--fetch-consumers", consumers)
        return result

    def plan_only(self, n: int) -> dict[str, Any]:
        log(f"== N = {n}: lean seed, read + plan")
        source, _ = self.catalogue(n, with_day2=False)
        live = self.dir / "catalogue.jsonl"
        live.write_bytes(source.read_bytes())
        self.bench.reset()
        result: dict[str, Any] = {"n": n, "lean": True}
        result["seed"] = self.step("seed", "--source", str(live), "--lean")
        result["plan"] = self.step("plan")
        result["file_mb"] = source.stat().st_size / 1e6
        return result


def _cpu(step: dict[str, Any]) -> str:
    return f" (CPU {step['cpu_s']:.1f})" if "cpu_s" in step else ""


def table(results: dict[str, Any]) -> str:
    """The results as a Markdown table, with the goals and whether they are met."""
    rows = [
        "| N | step | time (s) | writes | peak RSS (MB) | result | goal | verdict |",
        "|---:|---|---:|---:|---:|---|---|---|",
    ]
    check = results.get("check")
    if check:
        rows.append(
            f"| {check['n']} | seeded site vs site imported by a job | | | | plans "
            f"{json.dumps(check['plans'])} and every package_show identical | identical | met |"
        )
    for size in results["sizes"]:
        seed = size["seed"]
        n = seed["datasets"]  # what the site and the source hold
        lean = " (lean: no resources, tags, memberships, object content)" * bool(size.get("lean"))
        rows.append(
            f"| {n} | seeding by COPY{lean} | {seed['seed_s']:.0f} | | {seed['peak_rss_mb']:.0f} "
            f"| {seed['datasets']} datasets | | |"
        )
        if "ghosts" in size:
            rows.append(
                f"| {n} | gather's index-ghost scan alone | "
                f"{size['ghosts']['ghosts_s']:.2f}{_cpu(size['ghosts'])} | | "
                f"| {size['index']['indexed']} index entries, {size['ghosts']['removed']} removed "
                "| | |"
            )
        if "rerun" in size:
            rerun = size["rerun"]
            goal = n >= 100_000
            ok = (
                rerun["total_s"] < GOALS["rerun_s"]
                and rerun["dataset_writes"] == 0
                and rerun["peak_rss_mb"] < GOALS["rerun_rss_mb"]
            )
            rows.append(
                f"| {n} | unchanged re-run (gather {rerun['gather_s']:.1f} s + finish "
                f"{rerun['finish_s']:.1f} s) | {rerun['total_s']:.1f}{_cpu(rerun)} | "
                f"{rerun['dataset_writes']} "
                f"| {rerun['peak_rss_mb']:.0f} | {rerun['objects']} objects, status "
                f"{rerun['status']} | "
                + (
                    f"< {GOALS['rerun_s']} s, 0 writes, < {GOALS['rerun_rss_mb']} MB | "
                    f"{'met' if ok else 'MISSED'} |"
                    if goal
                    else "| |"
                )
            )
        if "day2" in size:
            day2 = size["day2"]
            stats = day2.get("stats", {})
            counts = "/".join(str(stats.get(k, 0)) for k in ("added", "updated", "deleted"))
            ok = day2["total_s"] < GOALS["day2_s"]
            rows.append(
                f"| {n} | day 2, 1% (added/updated/deleted {counts}; "
                f"{day2.get('fetch_consumers') or 'no'} fetch consumers; gather "
                f"{day2['gather_s']:.1f} s) | {day2['total_s']:.1f} | {day2['dataset_writes']} | "
                f"{day2['peak_rss_mb']:.0f} | status {day2['status']} | < {GOALS['day2_s']} s | "
                f"{'met' if ok else 'MISSED'} |"
            )
        plan = size["plan"]
        counts = ", ".join(f"{v} {k}" for k, v in plan["counts"].items() if v)
        goal = n >= 1_000_000
        ok = plan["peak_rss_mb"] < GOALS["plan_1m_rss_mb"]
        rows.append(
            f"| {n} | read + plan (`ckan syncsource plan`'s path) | {plan['plan_s']:.1f}"
            f"{_cpu(plan)} | 0 | "
            f"{plan['peak_rss_mb']:.0f} | {counts} | "
            + (f"< {GOALS['plan_1m_rss_mb']} MB | {'met' if ok else 'MISSED'} |" if goal else "| |")
        )
    plans = [(s["seed"]["datasets"], s["plan"]) for s in results["sizes"]]
    if len(plans) > 1:
        growth = " -> ".join(
            f"{n:,}: {p['plan_s']:.0f} s, {p['peak_rss_mb']:.0f} MB" for n, p in plans
        )
        rows.append(f"\nGrowth of read + plan (time, peak RSS of the process): {growth}.")
    steps = [part for size in results["sizes"] for part in size.values() if isinstance(part, dict)]
    load = scenarios.host_load(steps)
    if load:
        rows.append("\n" + load)
    return "\n".join(rows)


def compare(imported: dict, seeded: dict) -> list[str]:
    """What differs between two snapshots (at most a few examples per part)."""
    out = []
    if imported["owned"] != seeded["owned"]:
        pairs = [(a, b) for a, b in zip(imported["owned"], seeded["owned"], strict=False) if a != b]
        out.append(
            f"owned entries: {len(imported['owned'])} vs {len(seeded['owned'])}; {pairs[:3]}"
        )
    for label, plan in imported["plans"].items():
        for kind, rows in plan.items():
            other = seeded["plans"][label][kind]
            if [r[1:] for r in rows] != [r[1:] for r in other]:
                out.append(f"plan {label} {kind}: {rows[:2]} vs {other[:2]}")
    for source_id, dataset in imported["datasets"].items():
        other = seeded["datasets"].get(source_id) or {}
        keys = sorted(k for k in set(dataset) | set(other) if dataset.get(k) != other.get(k))
        if keys:
            examples = [(k, dataset.get(k), other.get(k)) for k in keys[:3]]
            out.append(f"package_show of {source_id} differs in {keys}: {examples}")
        if len(out) > 10:
            break
    return out


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scale-check", type=int, default=1000, help="seeded vs imported site; 0: no check"
    )
    parser.add_argument(
        "--scale-sizes", default="10000,100000", help="seeded site: ghost scan, re-run, plan"
    )
    parser.add_argument("--scale-day2-sizes", default="100000", help="of those: also day 2")
    parser.add_argument(
        "--scale-day2-consumers", type=int, default=2, help="day 2's fetch consumers; 0: in process"
    )
    parser.add_argument(
        "--scale-plan-sizes", default="1000000", help="lean seeded site: read + plan only"
    )


def measure(args, save=lambda results: None) -> dict[str, Any]:
    """All the measures `args` ask for (`save` is called with the results after each size);
    what was seeded is dropped at the end."""
    scale = Scale(args)
    results: dict[str, Any] = {"goals": GOALS, "sizes": []}
    try:
        if args.scale_check:
            results["check"] = scale.check(args.scale_check)
            save(results)
        day2_sizes = {int(s) for s in args.scale_day2_sizes.split(",") if s}
        for n in [int(s) for s in args.scale_sizes.split(",") if s]:
            results["sizes"].append(scale.size(n, n in day2_sizes))
            save(results)
        for n in [int(s) for s in args.scale_plan_sizes.split(",") if s]:
            results["sizes"].append(scale.plan_only(n))
            save(results)
    finally:
        log("== dropping what was seeded (fresh database and Solr core)")
        scale.bench.reset()
    return results


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    add_arguments(parser)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--table", metavar="JSON", help="only print the table of a results file")
    args = parser.parse_args()
    if args.table:
        print(table(json.loads(Path(args.table).read_text())))
        return
    started = datetime.datetime.now(datetime.timezone.utc)
    out = HERE / "results" / f"scale-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.parent.mkdir(exist_ok=True)
    command = " ".join([Path(sys.executable).name, *sys.argv])

    def save(results: dict[str, Any]) -> None:
        results.update(started=started.isoformat(timespec="seconds"), command=command)
        out.write_text(json.dumps(results, indent=1, default=str))

    results = measure(args, save)
    save(results)
    print(table(results))
    print(f"\nJSON: {out}")


if __name__ == "__main__":
    main()
