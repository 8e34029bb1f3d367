"""Profile where the time of an import goes: a syncsource job against the plain
package_create loop, on the same datasets (run by hand, after `bench/run.py` has written its
config; the database and Solr core named there are reset).

    .state/venv/bin/python bench/profile_import.py --n 200

Prints the top functions by cumulative time for each, and writes .prof files beside the
results (open with `python -m pstats` or snakeviz).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import catalogue  # noqa: E402
import run as bench_run  # noqa: E402
import scenarios  # noqa: E402


def top(profile: cProfile.Profile, limit: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=45)
    parser.add_argument("--gather-n", type=int, default=10000, help="tracemalloc gather; 0: no")
    args = parser.parse_args()

    bench = bench_run.Bench(argparse.Namespace(seed=args.seed))
    bench.check_stack()
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)

    # Baseline first, on a fresh database, then the syncsource job on another fresh one.
    cat, source, app = bench.loaded_site(args.n, "profile")
    with app._wsgi_app.test_request_context():
        scenarios.create_groups(cat.document())
        import ckan.plugins.toolkit as tk

        user = scenarios.site_user()
        create = tk.get_action("package_create")
        datasets = [catalogue.to_ckan_form(d) for d in cat.datasets.values()]
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        for d in datasets:
            create({"user": user, "ignore_auth": True}, d)
        profile.disable()
        baseline_s = time.perf_counter() - start
        profile.dump_stats(out_dir / "profile-baseline.prof")
        print(f"### baseline package_create x {args.n}: {baseline_s:.1f} s (profiled)")
        print(top(profile, args.limit))

    from ckan import model

    model.Session.remove()
    model.meta.engine.dispose()
    bench.reset()
    with app._wsgi_app.test_request_context():
        src = scenarios.create_source(str(source))
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        timing = scenarios.run_job_in_process(src["id"])
        profile.disable()
        sync_s = time.perf_counter() - start
        profile.dump_stats(out_dir / "profile-syncsource.prof")
        print(f"### syncsource job of {args.n}: {sync_s:.1f} s (profiled) {json.dumps(timing)}")
        print(top(profile, args.limit))

    if args.gather_n:
        trace_gather(bench, app, args.gather_n, args.seed)


def trace_gather(bench, app, n: int, seed: int) -> None:
    """Where the gather stage's memory goes: tracemalloc's biggest live allocation sites at
    the end of the stage (before its objects are released)."""
    import tracemalloc

    from ckan import model
    from ckanext.harvest import queue

    path = bench.workdir / "sources" / "profile" / f"gather-{n}.jsonl"
    catalogue.write_jsonl_streaming(path, n, seed=seed)
    model.Session.remove()
    model.meta.engine.dispose()
    bench.reset()
    with app._wsgi_app.test_request_context():
        src = scenarios.create_source(str(path))
        job = scenarios.action("harvest_job_create", {"source_id": src["id"], "run": False})
        job_obj = queue.HarvestJob.get(job["id"])
        harvester = queue.get_harvester("syncsource")
        tracemalloc.start(12)
        ids = queue.gather_stage(harvester, job_obj)
        current, peak = tracemalloc.get_traced_memory()
        snapshot = tracemalloc.take_snapshot()
        tracemalloc.stop()
        print(
            f"### gather of {n}: {len(ids or [])} objects; traced now {current / 1e6:.0f} MB, "
            f"peak {peak / 1e6:.0f} MB; largest live allocations by file:line"
        )
        for stat in snapshot.statistics("lineno")[:15]:
            print(f"  {stat.size / 1e6:8.1f} MB  {stat.count:8d}  {stat.traceback[0]}")
        print("### by traceback (top 5)")
        for stat in snapshot.statistics("traceback")[:5]:
            print(f"  {stat.size / 1e6:8.1f} MB")
            for line in stat.traceback.format()[-12:]:
                print("     ", line)


if __name__ == "__main__":
    main()
