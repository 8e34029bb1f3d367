"""Benchmark of the syncsource harvester on the real stack, beside CKAN's own write speed.

    .state/venv/bin/python bench/run.py --sizes 1000,10000 --gather-sizes 10000,100000
    .state/venv/bin/python bench/run.py --quick          # smoke run: N=200, gather 2,000/20,000

Every scenario runs in its own process (bench/scenarios.py) on a freshly reset database and
Solr core. Addresses come from the environment, defaulting to a dedicated bench database and
core that this script never shares with the site or the tests:

    CKAN_SQLALCHEMY_URL  postgresql://ckan:ckan@127.0.0.1:5432/ckan_bench
    CKAN_SOLR_URL        http://127.0.0.1:8983/solr/ckan_bench
    CKAN_REDIS_URL       redis://127.0.0.1:6379/3
    CKAN_SITE_ID         syncsource_bench   (harvest queue names are scoped by it)
    BENCH_WORKDIR        /tmp/syncsource-bench (catalogue files, config, consumer logs)

Results: a table on stdout and JSON in bench/results/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import catalogue  # noqa: E402
import peers  # noqa: E402
import scale  # noqa: E402
import scenarios  # noqa: E402

DEFAULTS = {
    "CKAN_SQLALCHEMY_URL": "postgresql://ckan:ckan@127.0.0.1:5432/ckan_bench",
    "CKAN_SOLR_URL": "http://127.0.0.1:8983/solr/ckan_bench",
    "CKAN_REDIS_URL": "redis://127.0.0.1:6379/3",
    "CKAN_SITE_ID": "syncsource_bench",
    "BENCH_WORKDIR": "/tmp/syncsource-bench",
}

GOALS = {
    "import_ratio": 0.9,  # syncsource datasets/s >= 0.9 x baseline package_create, in process
    "import_ratio_consumers": {"1": 1.5, "2": 2.0},  # the same with K fetch consumers
    "update_heavy_ratio": 2.0,  # 10% edited: edited datasets/s >= 2 x baseline package_update
    "rerun_share": 0.05,  # unchanged re-run <= 5% of the initial import's time
    "day2_share": 0.10,  # day 2 <= 10% of the initial import's time
    "gather_growth_mb": 200,  # peak RSS growth from 10k to 100k datasets
}

INI_TEMPLATE = """\
[app:main]
use = egg:ckan
SECRET_KEY = syncsource-bench-secret
WTF_CSRF_SECRET_KEY = syncsource-bench-secret
api_token.jwt.encode.secret = string:syncsource-bench-secret
api_token.jwt.decode.secret = string:syncsource-bench-secret
ckan.site_url = http://127.0.0.1:5000
ckan.site_id = {site_id}
sqlalchemy.url = {db_url}
solr_url = {solr_url}
ckan.redis.url = {redis_url}
ckan.plugins = harvest syncsource
ckan.harvest.mq.type = redis
ckan.auth.create_unowned_dataset = true
ckan.storage_path = {workdir}/storage
ckan.views.default_views =
ckanext.syncsource.local_source_dirs = {workdir}/sources
ckan.locale_default = en
ckan.cache_expires = 0

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
"""


class Bench:
    def __init__(self, args) -> None:
        self.args = args
        self.env = {key: os.environ.get(key, default) for key, default in DEFAULTS.items()}
        self.workdir = Path(self.env["BENCH_WORKDIR"])
        (self.workdir / "sources").mkdir(parents=True, exist_ok=True)
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        redis_url = self.env["CKAN_REDIS_URL"]
        if "socket_timeout" not in redis_url:
            # redis-py 8 drops a consumer's blocking pop after 5 s idle without this.
            redis_url += ("&" if "?" in redis_url else "?") + "socket_timeout=600"
        self.redis_url = redis_url
        self.ini = self.workdir / "bench.ini"
        self.ini.write_text(
            INI_TEMPLATE.format(
                site_id=self.env["CKAN_SITE_ID"],
                db_url=self.env["CKAN_SQLALCHEMY_URL"],
                solr_url=self.env["CKAN_SOLR_URL"],
                redis_url=redis_url,
                workdir=self.workdir,
            )
        )
        self.child_env = dict(os.environ)
        self.child_env.update(
            {
                "CKAN_SQLALCHEMY_URL": self.env["CKAN_SQLALCHEMY_URL"],
                "CKAN_SOLR_URL": self.env["CKAN_SOLR_URL"],
                "CKAN_REDIS_URL": redis_url,
                "CKAN_SITE_ID": self.env["CKAN_SITE_ID"],
                "CKAN_INI": str(self.ini),
            }
        )
        self.ckan = str(Path(sys.executable).with_name("ckan"))

    # --- environment ---------------------------------------------------------------------

    def check_stack(self) -> None:
        solr = self.env["CKAN_SOLR_URL"].rstrip("/")
        try:
            urllib.request.urlopen(f"{solr}/admin/ping?wt=json", timeout=10).read()
        except Exception as e:
            sys.exit(f"Solr core {solr} is not there ({e}); create it (see stack/stack.sh)")
        import psycopg2

        try:
            psycopg2.connect(self.env["CKAN_SQLALCHEMY_URL"]).close()
        except Exception as e:
            sys.exit(f"database {self.env['CKAN_SQLALCHEMY_URL']} is not there: {e}")

    def reset(self) -> None:
        """Fresh database (tables dropped and recreated, harvest migrations) and Solr core."""
        start = time.perf_counter()
        for command in (
            ["db", "clean", "--yes"],
            ["db", "init"],
            ["db", "pending-migrations", "--apply"],
            ["search-index", "clear"],
        ):
            subprocess.run(
                [self.ckan, "-c", str(self.ini), *command],
                env=self.child_env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        log(f"  (fresh database and Solr core in {time.perf_counter() - start:.1f} s)")

    def scenario(self, name: str, *args: str) -> dict[str, Any]:
        self.reset()
        out = self.workdir / f"result-{name}-{os.getpid()}.json"
        command = [sys.executable, str(HERE / "scenarios.py"), "--ini", str(self.ini)]
        command += ["--out", str(out), *args]
        start = time.perf_counter()
        subprocess.run(command, env=self.child_env, check=True)
        result = json.loads(out.read_text())
        result["wall_s"] = time.perf_counter() - start
        return result

    def versions(self) -> dict[str, Any]:
        from importlib.metadata import version

        info: dict[str, Any] = {
            "ckan": version("ckan"),
            "ckanext-harvest": version("ckanext-harvest"),
            "python": platform.python_version(),
        }
        solr_root = self.env["CKAN_SOLR_URL"].rstrip("/").rsplit("/", 1)[0]
        try:
            with urllib.request.urlopen(f"{solr_root}/admin/info/system?wt=json", timeout=10) as r:
                info["solr"] = json.load(r)["lucene"]["solr-spec-version"]
        except Exception as e:
            info["solr"] = f"unknown ({e})"
        import psycopg2

        with psycopg2.connect(self.env["CKAN_SQLALCHEMY_URL"]) as conn, conn.cursor() as cur:
            cur.execute("SHOW server_version")
            info["postgresql"] = cur.fetchone()[0]
        conn.close()
        return info

    # --- catalogues ----------------------------------------------------------------------

    def write_catalogues(self, n: int) -> tuple[Path, Path, Path]:
        """Day 1, day 2 (1% edited/removed/added) and day 2 with 10% of it edited."""
        directory = self.workdir / "catalogues"
        directory.mkdir(exist_ok=True)
        day1 = catalogue.generate(n, seed=self.args.seed)
        day2 = catalogue.next_day(day1)
        heavy = catalogue.next_day(day2, edit=0.1, remove=0, add=0)
        doc1 = day1.write_json(directory / f"catalogue-{n}.json")
        doc2 = day2.write_json(directory / f"catalogue-{n}-day2.json")
        doc3 = heavy.write_json(directory / f"catalogue-{n}-update-heavy.json")
        day1.write_jsonl(directory / f"catalogue-{n}.jsonl")
        return doc1, doc2, doc3

    def loaded_site(self, n: int, label: str):
        """For the hand-run tools: a catalogue of `n` datasets written as the JSON source
        `label`, the database and Solr core reset, and CKAN loaded in this process with the
        bench's config. Returns the catalogue, the source file and CKAN's app."""
        cat = catalogue.generate(n, seed=self.args.seed)
        source = self.workdir / "sources" / label / "catalogue.json"
        source.parent.mkdir(parents=True, exist_ok=True)
        cat.write_json(source)
        os.environ.update(self.child_env)
        self.reset()
        return cat, source, scenarios.load_ckan(str(self.ini))

    def source_copy(self, doc: Path, label: str) -> Path:
        path = self.workdir / "sources" / label / "catalogue.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(doc.read_bytes())
        return path


def code_version() -> str:
    """The commit measured, marked dirty when the work tree differs (the figures then belong
    to uncommitted code)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=HERE, capture_output=True, text=True)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" (dirty)" if git("status", "--porcelain", "--", "ckanext") else "")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        mem_kb = int(next(line for line in info if line.startswith("MemTotal")).split()[1])
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
    }


def run_size(bench: Bench, n: int, consumers: list[int]) -> dict[str, Any]:
    log(f"== N = {n}: writing catalogues")
    doc1, doc2, doc3 = bench.write_catalogues(n)
    result: dict[str, Any] = {"n": n}
    log(f"== N = {n}: baseline (package_create / package_update / package_delete)")
    limit = bench.args.baseline_max if 0 < bench.args.baseline_max < n else 0
    result["baseline"] = bench.scenario(
        "baseline", "baseline", "--catalogue", str(doc1), "--limit", str(limit)
    )
    log(f"   {json.dumps(result['baseline'])}")
    for k in consumers:
        label = "in process" if k == 0 else f"{k} fetch consumer(s)"
        log(f"== N = {n}: syncsource, {label}: import, unchanged re-run, day 2")
        source = bench.source_copy(doc1, f"{n}-{k}")
        args = ["syncsource", "--source", str(source), "--day2", str(doc2)]
        args += ["--update-heavy", str(doc3), "--steps", "import,rerun,day2,update_heavy"]
        args += ["--fetch-consumers", str(k), "--log-dir", str(bench.workdir / "logs")]
        result[f"syncsource_{k}"] = bench.scenario(f"sync-{n}-{k}", *args)
    if bench.args.peers:
        result["peers"] = peers.run_peers(bench, n, doc1, doc2)
    return result


def run_gather(bench: Bench, n: int) -> dict[str, Any]:
    directory = bench.workdir / "sources" / "gather"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"catalogue-{n}.jsonl"
    log(f"== gather memory, N = {n}: writing JSON Lines")
    catalogue.write_jsonl_streaming(path, n, seed=bench.args.seed)
    result = bench.scenario(f"gather-{n}", "gather", "--source", str(path))
    result["n"] = n
    result["file_mb"] = path.stat().st_size / 1e6
    log(f"   {json.dumps(result)}")
    return result


# --- report --------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def table(results: dict[str, Any]) -> str:
    rows = [
        "| N | scenario | time (s) | datasets/s | writes | measure | goal | verdict |",
        "|---|---|---:|---:|---:|---|---|---|",
    ]
    for size in results["sizes"]:
        n = size["n"]
        base = size["baseline"]
        of = f" (first {base['n']} of {n})" if base["n"] != n else ""
        for op in ("create", "update", "delete"):
            rows.append(
                f"| {n} | baseline package_{op} loop{of} | {base[f'{op}_s']:.1f} | "
                f"{base[f'{op}_per_s']:.1f} | {base['n']} | CKAN's ceiling | | |"
            )
        for key, sync in size.items():
            if not key.startswith("syncsource_"):
                continue
            k = sync["fetch_consumers"]
            how = "in process" if k == 0 else f"{k} fetch consumer{'s' if k > 1 else ''}"
            imp = sync["import"]
            rate = n / imp["total_s"]
            ratio = rate / base["create_per_s"]
            goal = GOALS["import_ratio_consumers"].get(str(k), GOALS["import_ratio"])
            rows.append(
                f"| {n} | syncsource import, {how} (gather {imp['gather_s']:.1f} s) | "
                f"{imp['total_s']:.1f} | {rate:.1f} | {imp['dataset_writes']} | "
                f"{ratio:.3f} x baseline create | >= {goal} | {verdict(ratio >= goal)} |"
            )
            if "rerun" in sync:
                rerun = sync["rerun"]
                share = rerun["total_s"] / imp["total_s"]
                ok = share <= GOALS["rerun_share"] and rerun["dataset_writes"] == 0
                rows.append(
                    f"| {n} | unchanged re-run, {how} | {rerun['total_s']:.2f} | | "
                    f"{rerun['dataset_writes']} | {share:.1%} of import | <= 5%, 0 writes | "
                    f"{verdict(ok)} |"
                )
            if "day2" in sync:
                day2 = sync["day2"]
                share = day2["total_s"] / imp["total_s"]
                stats = day2.get("stats", {})
                counts = "/".join(str(stats.get(k, 0)) for k in ("added", "updated", "deleted"))
                rows.append(
                    f"| {n} | day 2 (1% edit/remove/add; added/updated/deleted {counts}), "
                    f"{how} | {day2['total_s']:.2f} | | {day2['dataset_writes']} | "
                    f"{share:.1%} of import | <= 10% | {verdict(share <= GOALS['day2_share'])} |"
                )
            if "update_heavy" in sync:
                heavy = sync["update_heavy"]
                edited = heavy.get("stats", {}).get("updated", 0)
                rate = edited / heavy["total_s"]
                ratio = rate / base["update_per_s"]
                goal = GOALS["update_heavy_ratio"]
                rows.append(
                    f"| {n} | update-heavy (10% edited: {edited} updated), {how} | "
                    f"{heavy['total_s']:.1f} | {rate:.1f} | {heavy['dataset_writes']} | "
                    f"{ratio:.2f} x baseline update | >= {goal} | {verdict(ratio >= goal)} |"
                )
        rows.extend(peers.peer_rows(size))
    gathers = results.get("gather", [])
    for g in gathers:
        rows.append(
            f"| {g['n']} | gather only, JSON Lines ({g['file_mb']:.0f} MB) | {g['gather_s']:.1f} | "
            f"{g['n'] / g['gather_s']:.0f} | 0 | peak RSS {g['peak_rss_mb']:.0f} MB "
            f"(+{g['gather_growth_mb']:.0f} MB in gather) | | |"
        )
    if len(gathers) >= 2:
        small, large = gathers[0], gathers[-1]
        growth = large["peak_rss_mb"] - small["peak_rss_mb"]
        rows.append(
            f"| {small['n']}->{large['n']} | gather peak RSS growth | | | | {growth:.0f} MB | "
            f"< {GOALS['gather_growth_mb']} MB | {verdict(growth < GOALS['gather_growth_mb'])} |"
        )
    steps = [part for size in results["sizes"] for part in size.values() if isinstance(part, dict)]
    load = scenarios.host_load(steps + gathers)
    if load:
        rows.append("\n" + load)
    if "scale" in results:
        rows.append(
            "\nScale, on a seeded site (bench/scale.py):\n\n" + scale.table(results["scale"])
        )
    return "\n".join(rows)


def as_rst(text: str) -> str:
    """A printed report in reStructuredText (for the README): each Markdown table a list-table,
    the lines between them paragraphs."""
    out: list[str] = []
    for line in text.splitlines():
        if not line.startswith("|"):
            out += ["", line] if line.strip() else []
            continue
        cells = [cell.strip().replace("`", "``") for cell in line.strip().strip("|").split("|")]
        if all(set(cell) <= set("-:") for cell in cells):
            continue
        if not out or not out[-1].startswith(("   *", "     -")):
            out += ["", ".. list-table::", "   :header-rows: 1", ""]
        out += [f"   * - {cells[0]}".rstrip(), *(f"     - {cell}".rstrip() for cell in cells[1:])]
    return "\n".join(out).strip() + "\n"


def header(results: dict[str, Any]) -> str:
    m, v = results["machine"], results["versions"]
    return (
        f"Machine: {m['cpu']}, {m['cpus']} CPUs, {m['memory_gb']} GB RAM; "
        f"CKAN {v['ckan']}, ckanext-harvest {v['ckanext-harvest']}, Solr {v['solr']}, "
        f"PostgreSQL {v['postgresql']}, Python {v['python']} (all services on this machine); "
        f"code {results.get('code', 'unknown')}."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000", help="dataset counts (comma-separated)")
    parser.add_argument("--gather-sizes", default="10000,100000", help="gather-only memory sizes")
    parser.add_argument(
        "--consumers",
        default="0,2",
        help="syncsource runs: 0 = in process, K = K fetch consumer processes (comma-separated)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: N=200, gather 2k/20k")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--baseline-max",
        type=int,
        default=0,
        help="time the baseline on the first M datasets only (CKAN takes ~1 h per 10,000)",
    )
    parser.add_argument("--skip-gather", action="store_true")
    parser.add_argument(
        "--peers", action="store_true", help="also CKANHarvester and ckanapi load (bench/peers.py)"
    )
    parser.add_argument(
        "--scale", action="store_true", help="also bench/scale.py (seeded site; its options:)"
    )
    scale.add_arguments(parser)
    parser.add_argument("--table", metavar="JSON", help="only print the table of a results file")
    parser.add_argument("--rst", action="store_true", help="with --table: as reStructuredText")
    args = parser.parse_args()
    if args.table:
        results = json.loads(Path(args.table).read_text())
        report = header(results) + "\n\n" + table(results)
        print(as_rst(report) if args.rst else report)
        return
    if args.quick:
        args.sizes, args.gather_sizes = "200", "2000,20000"

    bench = Bench(args)
    bench.check_stack()
    started = datetime.datetime.now(datetime.timezone.utc)
    results: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "versions": bench.versions(),
        "database": bench.env["CKAN_SQLALCHEMY_URL"].rsplit("/", 1)[-1],
        "solr_core": bench.env["CKAN_SOLR_URL"].rstrip("/").rsplit("/", 1)[-1],
        "code": code_version(),
        "goals": GOALS,
        "sizes": [],
        "gather": [],
    }
    consumers = [int(k) for k in args.consumers.split(",") if k != ""]
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / f"bench-{started.strftime('%Y%m%dT%H%M%SZ')}.json"

    def save() -> None:
        out.write_text(json.dumps(results, indent=1, default=str))

    for n in [int(s) for s in args.sizes.split(",") if s]:
        results["sizes"].append(run_size(bench, n, consumers))
        save()
    if not args.skip_gather:
        for n in [int(s) for s in args.gather_sizes.split(",") if s]:
            results["gather"].append(run_gather(bench, n))
            save()
    if args.scale:
        results["scale"] = scale.measure(args)
    results["table"] = table(results)
    save()
    print(header(results))
    print()
    print(results["table"])
    print(f"\nJSON: {out}")


if __name__ == "__main__":
    main()
