"""`make bench`: generate demo data, import it, and time the views against a pandas recompute.

For each scale (tracking rows), each shape and each database (SQLite always; Postgres as
well when BENCH_DATABASE_URL is set — that database's schema `public` is dropped and
recreated):
  1. generate the four CSVs once per (shape, scale, seed) under bench/out/data (reruns
     reuse them). Shapes: `demo`, the generator's default (one creator per 2,000 orders),
     and `wide`, 10,000 creators and 200,000 posts over 365 days from 1M orders up (the
     peer's data in issue 12); below 1M creators and posts shrink with the orders (20,000
     orders: 200 creators, 4,000 posts), so a small run keeps the wide shape's orders and
     posts per creator;
  2. import them with `dashboard import` in a subprocess: wall time and the peak RSS of its
     process tree (psutil, polled every 50 ms); then the same for `dashboard warm`, what
     the import starts in the background once committed (snapshot, default views, planner);
  3. the overview and the ROI view (by creator, with the measured baseline) for the last
     90 days, all brands: cold (cache emptied before each run, the median of
     --cold-repeats; `*_first_ms` is the first run of a fresh process) and warm (median of
     repeated calls); for the median cold run, where its time went: SQL (inside the
     driver's execute), Python (the rest of analytics), figures (the layouts body) and
     serialise (Dash's JSON encoding), and the body's size in bytes; then the process's
     memory: RSS, USS and PSS (`serving_*_mb`); then the first visit after the import
     (`*_after_import_ms`): each view as a page opens it (its last 30 days), numbers and
     drawing, on the cache the import warmed;
  4. compute the same numbers the quick-script way (bench/pandas_way.py) and check they
     agree with the engine;
  5. budget planner (docs/planner.md): the curves' cold fit, a plan on the cached fit
     (`plan_ms`, median), and the backtest's forecast error and creators inside their range.
Prints a table and each cold view's breakdown, then, as the last line, one JSON list with
a row per (scale, shape, database).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import pandas_way, views  # noqa: E402
from dashboard import analytics, create_app, demo, schema  # noqa: E402
from dashboard.config import FILE_CACHE_TYPE  # noqa: E402

OUT = ROOT / "bench" / "out"
SELECTION_DAYS = 90
POLL_SECONDS = 0.05
# The wide shape (issue 12): the creators and posts of a large brand's program, reached
# at WIDE_FULL_ORDERS; smaller runs scale both down with the orders.
WIDE_CREATORS = 10_000
WIDE_POSTS = 200_000
WIDE_FULL_ORDERS = 1_000_000
WIDE_DAYS = 365
SHAPES = ("demo", "wide")
VIEW_NAMES = ("overview", "roi")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1000000 10000000",
                        help="Tracking-row counts, separated by spaces or commas.")
    parser.add_argument("--shapes", default="demo",
                        help=f"Data shapes, separated by spaces or commas: {', '.join(SHAPES)}.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cold-repeats", type=int, default=3)
    parser.add_argument("--warm-repeats", type=int, default=5)
    parser.add_argument("--pandas-repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT,
                        help="Where generated data, databases and caches go.")
    arguments = parser.parse_args(argv)
    scales = [int(part) for part in arguments.scales.replace(",", " ").split()]
    shapes = arguments.shapes.replace(",", " ").split()
    unknown = sorted(set(shapes) - set(SHAPES))
    if unknown:
        parser.error(f"unknown shape {', '.join(unknown)}: choose from {', '.join(SHAPES)}")

    databases = ["sqlite"] + (["postgres"] if os.environ.get("BENCH_DATABASE_URL") else [])
    results = []
    for scale in scales:
        for shape in shapes:
            results += measure_shape(arguments, databases, scale, shape)
    print()
    print(table(results))
    print()
    print(breakdowns(results))
    print(json.dumps(results))
    return 0 if all(row["import_ok"] for row in results) else 1


def measure_shape(arguments, databases, scale, shape):
    """The rows of one (scale, shape): one per database."""
    folder, generation = generated_data(arguments.out, scale, shape, arguments.seed)
    state = "reused from an earlier run" if generation["cached"] else "generated"
    print(f"{scale:,} orders, {shape} shape ({generation['creators']:,} creators, "
          f"{generation['posts']:,} posts): data {state} in {generation['seconds']:.1f} s "
          f"({generation['total_rows']:,} rows in four files) at {folder}", flush=True)
    rows = []
    for database in databases:
        url = fresh_database(arguments.out, database, scale, shape)
        row = {"database": database, "shape": shape, "orders": scale,
               "creators": generation["creators"], "posts": generation["posts"],
               "seed": arguments.seed, "total_rows": generation["total_rows"],
               "generate_s": round(generation["seconds"], 2),
               "generate_cached": generation["cached"]}
        row.update(measure_import(arguments.out, folder, url, generation["total_rows"]))
        if row["import_ok"]:
            row.update(measure_queries(arguments, folder, url, database, scale, shape))
        else:
            row.update({key: None for key, _, _ in TABLE_COLUMNS if key not in row})
        rows.append(row)
        print(f"  {database}: {describe(row)}", flush=True)
    return rows


# ------------------------------------------------------------------ 1. generated data

def shape_size(shape, scale):
    """(creators, posts, days) to generate; None for each of the generator's defaults."""
    if shape == "demo":
        return None, None, None
    share = min(1.0, scale / WIDE_FULL_ORDERS)
    creators = max(demo.MIN_CREATORS, round(WIDE_CREATORS * share))
    return creators, max(creators, round(WIDE_POSTS * share)), WIDE_DAYS


def generated_data(out, scale, shape, seed):
    """The folder of CSVs for (shape, scale, seed), generating it only when it is not there."""
    name = f"scale-{scale}-seed-{seed}" if shape == "demo" else f"{shape}-{scale}-seed-{seed}"
    folder = out / "data" / name
    record = folder / "generation.json"
    creators, posts, days = shape_size(shape, scale)
    if record.exists() and json.loads(record.read_text()).get("days") == days:
        # Sets written before the wide shape spanned 365 days recorded no days: made again.
        generation = json.loads(record.read_text())
        # Sets written before shapes existed did not record these.
        for dataset, key in (("influencers", "creators"), ("posts", "posts")):
            if key not in generation:
                generation[key] = count_rows(folder / demo.FILE_NAMES[dataset])
        generation["cached"] = True
        return folder, generation
    out.joinpath("data").mkdir(parents=True, exist_ok=True)
    # Written aside and renamed, so an interrupted run never leaves a half set behind.
    partial = Path(tempfile.mkdtemp(prefix=folder.name + ".partial-", dir=out / "data"))
    started = time.perf_counter()
    paths = demo.write_demo(partial, scale=scale, seed=seed, creators=creators, posts=posts,
                            days=days)
    seconds = time.perf_counter() - started
    counts = {dataset: count_rows(paths[dataset]) for dataset in demo.FILE_NAMES}
    generation = {"seconds": seconds, "total_rows": sum(counts.values()), "scale": scale,
                  "shape": shape, "seed": seed, "creators": counts["influencers"],
                  "posts": counts["posts"], "days": days}
    (partial / "generation.json").write_text(json.dumps(generation) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)
    generation["cached"] = False
    return folder, generation


def count_rows(path):
    """Data rows of a CSV written by the generator (no quoted line breaks in it)."""
    lines = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            lines += block.count(b"\n")
    return lines - 1


# ------------------------------------------------------------------------- 2. import

def fresh_database(out, database, scale, shape):
    """An empty, migrated database: a new SQLite file, or Postgres with schema reset."""
    if database == "sqlite":
        folder = out / "db"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"bench-{shape}-{scale}.sqlite3"
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = os.environ["BENCH_DATABASE_URL"]
        schema.recreate_postgres(url)
        return url
    schema.upgrade(url)
    return url


def measure_import(out, folder, url, total_rows):
    """Run `dashboard import` on the four files, then `dashboard warm` (what the import
    starts in the background after its commit): wall time and peak RSS of each tree."""
    command = dashboard_command() + ["import", "--warm", "no"] + [
        str(folder / file_name) for file_name in demo.FILE_NAMES.values()]
    environment = dict(os.environ, DATABASE_URL=url, LOG_LEVEL="WARNING",
                       INSTANCE_PATH=str(out / "instance"), CACHE_DIR=str(out / "cache"),
                       MAX_UPLOAD_MB="4096")
    ok, seconds, peak_rss = run_measured(command, environment)
    row = {"import_ok": ok, "import_s": round(seconds, 2),
           "import_rows_per_s": round(total_rows / seconds) if ok else None,
           "import_peak_rss_mb": round(peak_rss / 2**20, 1),
           "warm_after_import_s": None, "warm_after_import_peak_rss_mb": None}
    if ok:
        # Waited for here, so the views below are timed on an otherwise idle machine.
        warm_ok, seconds, peak_rss = run_measured(dashboard_command() + ["warm"], environment)
        if warm_ok:
            row.update({"warm_after_import_s": round(seconds, 2),
                        "warm_after_import_peak_rss_mb": round(peak_rss / 2**20, 1)})
    return row


def run_measured(command, environment):
    """(succeeded, wall seconds, peak RSS of the process tree) of one command."""
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=environment)
        peak_rss = tree_peak_rss(process)
        seconds = time.perf_counter() - started
        stderr.seek(0)
        problems = stderr.read().decode(errors="replace").strip()
    ok = process.returncode == 0
    if not ok:
        print(f"  {command[-1] if command[-1] == 'warm' else 'import'} failed "
              f"(exit {process.returncode}):\n{problems[-3000:]}", file=sys.stderr)
    return ok, seconds, peak_rss


def dashboard_command():
    script = Path(sys.executable).parent / "dashboard"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from dashboard.cli import main; main()"]


def tree_peak_rss(process):
    """Poll the RSS of the process and its children until it exits; return the peak."""
    peak = 0
    try:
        watched = psutil.Process(process.pid)
    except psutil.NoSuchProcess:
        process.wait()
        return peak
    while process.poll() is None:
        total = 0
        try:
            members = [watched] + watched.children(recursive=True)
        except psutil.NoSuchProcess:
            members = []
        for member in members:
            try:
                total += member.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        peak = max(peak, total)
        time.sleep(POLL_SECONDS)
    return peak


# ------------------------------------------------------- 3. and 4. the overview and ROI

def measure_queries(arguments, folder, url, database, scale, shape):
    cache_dir = arguments.out / "cache" / f"{database}-{shape}-{scale}"
    shutil.rmtree(cache_dir, ignore_errors=True)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(arguments.out / "instance"),
                      "CACHE_TYPE": FILE_CACHE_TYPE, "CACHE_DIR": str(cache_dir),
                      "LOG_LEVEL": "WARNING"})
    end = date.fromisoformat(str(demo.END_DAY))
    selection = analytics.Selection(start=end - timedelta(days=SELECTION_DAYS - 1), end=end)
    engine = app.extensions["database_engine"]
    clock = views.SqlClock(engine)
    row = {}
    measured = {}
    try:
        for view in VIEW_NAMES:
            first = views.cold_view(app, clock, view, selection)
            cold, warm = views.measure_view(app, clock, view, selection,
                                            arguments.cold_repeats, arguments.warm_repeats)
            measured[view] = cold
            row.update({f"{view}_first_ms": round(first.numbers_ms, 1),
                        f"{view}_cold_ms": round(cold.numbers_ms, 1),
                        f"{view}_warm_ms": round(warm, 2),
                        f"{view}_cold_breakdown_ms": cold.breakdown(),
                        f"{view}_cold_statements": cold.statements,
                        f"{view}_cold_steps_ms": cold.steps,
                        f"{view}_body_bytes": cold.body_bytes})
        row.update(serving_memory())
        row.update(measure_first_views(arguments, url))
        clock.close()
        row.update(measure_planner(app, arguments.warm_repeats))
        overview_ms, recomputed = timed(arguments.pandas_repeats, pandas_way.pandas_overview,
                                        engine, selection)
        roi_ms, roi_recomputed = timed(arguments.pandas_repeats, pandas_way.pandas_roi,
                                       folder, selection)
    finally:
        engine.dispose()
    groups, _overall, baseline = measured["roi"].numbers
    row.update({
        "pandas_recompute_ms": round(overview_ms, 1),
        "speedup_cold_vs_pandas": round(overview_ms / row["overview_cold_ms"], 1),
        "pandas_matches_engine": pandas_way.overviews_agree(measured["overview"].numbers,
                                                            recomputed),
        "roi_pandas_ms": round(roi_ms, 1),
        "roi_speedup_cold_vs_pandas": round(roi_ms / row["roi_cold_ms"], 1),
        "roi_pandas_matches_engine": pandas_way.rois_agree(groups, baseline, roi_recomputed),
    })
    return row


def measure_first_views(arguments, url):
    """The first visit after the import: each view as it opens, numbers and drawing, from
    the cache the import's warm-up filled (`measure_import` gives it CACHE_DIR)."""
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(arguments.out / "instance"),
                      "CACHE_TYPE": FILE_CACHE_TYPE,
                      "CACHE_DIR": str(arguments.out / "cache"), "LOG_LEVEL": "WARNING"})
    clock = views.SqlClock(app.extensions["database_engine"])
    row = {}
    try:
        with app.app_context():
            misses = analytics.cache_stats()["misses"]
        for view in VIEW_NAMES:
            first = views.opening_view(app, clock, view)
            row[f"{view}_after_import_ms"] = round(
                first.numbers_ms + first.figures_ms + first.serialise_ms, 1)
        with app.app_context():
            # 0 when the warm-up computed exactly what the pages open on.
            row["after_import_cache_misses"] = analytics.cache_stats()["misses"] - misses
    finally:
        clock.close()
        app.extensions["database_engine"].dispose()
    return row
def serving_memory():
    """What the serving process holds once it has answered both views cold, in MB: RSS
    counts the snapshot's mapped pages it touched, which the workers of a host share; USS
    is what only this process holds (its pages of the file too, while no other worker maps
    them); PSS shares each page out among the processes that map it."""
    memory = psutil.Process().memory_full_info()
    return {f"serving_{name}_mb": round(getattr(memory, name) / 2**20, 1)
            if hasattr(memory, name) else None for name in ("rss", "uss", "pss")}


def timed(repeats, compute, *arguments):
    """(median ms over repeats, the last result) of compute(*arguments)."""
    runs = []
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        result = compute(*arguments)
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs), result


def measure_planner(app, repeats):
    """Budget planner: cold fit, a plan on the cached fit (plan_ms), and the backtest."""
    from dashboard.analytics import planner

    everything = analytics.Selection()
    with app.app_context():
        started = time.perf_counter()
        planner.fitted_curves(everything, None)
        fit_ms = (time.perf_counter() - started) * 1000
        runs = []
        for _ in range(max(1, repeats)):
            started = time.perf_counter()
            planner.plan(everything, None)
            runs.append((time.perf_counter() - started) * 1000)
        check = planner.backtest(everything, None) or {}
    return {"plan_fit_ms": round(fit_ms, 1), "plan_ms": round(statistics.median(runs), 1),
            "backtest_error": None if check.get("error") is None else round(check["error"], 3),
            "backtest_in_range": f"{check['creators_in_range']}/{check['creators']}"
            if check else None}


# ------------------------------------------------------------------------------ output

TABLE_COLUMNS = [
    ("database", "database", "{}"), ("shape", "shape", "{}"), ("orders", "orders", "{:,}"),
    ("generate_s", "generate s", "{:.1f}"), ("import_s", "import s", "{:.1f}"),
    ("import_rows_per_s", "import rows/s", "{:,}"),
    ("import_peak_rss_mb", "import peak MB", "{:.0f}"),
    ("warm_after_import_s", "warm-up s", "{:.1f}"),
    ("warm_after_import_peak_rss_mb", "warm-up peak MB", "{:.0f}"),
    ("overview_cold_ms", "overview cold ms", "{:.1f}"),
    ("overview_warm_ms", "warm ms", "{:.2f}"),
    ("pandas_recompute_ms", "pandas ms", "{:.0f}"),
    ("speedup_cold_vs_pandas", "speedup", "{:.1f}x"),
    ("pandas_matches_engine", "same numbers", "{}"),
    ("roi_cold_ms", "ROI cold ms", "{:.1f}"),
    ("roi_warm_ms", "ROI warm ms", "{:.2f}"),
    ("roi_pandas_ms", "ROI pandas ms", "{:.0f}"),
    ("roi_speedup_cold_vs_pandas", "ROI speedup", "{:.1f}x"),
    ("roi_pandas_matches_engine", "ROI same", "{}"),
    ("serving_rss_mb", "serving MB", "{:.0f}"),
    ("overview_after_import_ms", "first overview ms", "{:.0f}"),
    ("roi_after_import_ms", "first ROI ms", "{:.0f}"),
    ("serving_uss_mb", "USS MB", "{:.0f}"),
    ("serving_pss_mb", "PSS MB", "{:.0f}"),
    ("plan_fit_ms", "plan fit ms", "{:.0f}"),
    ("plan_ms", "plan ms", "{:.0f}"),
    ("backtest_error", "backtest error", "{:+.1%}"),
    ("backtest_in_range", "in range", "{}"),
]


def cell(row, key, pattern):
    value = row.get(key)
    return "-" if value is None else pattern.format(value)


def describe(row):
    return ", ".join(f"{title} {cell(row, key, pattern)}"
                     for key, title, pattern in TABLE_COLUMNS[3:])


def table(results):
    header = [title for _, title, _ in TABLE_COLUMNS]
    rows = [[cell(row, key, pattern) for key, _, pattern in TABLE_COLUMNS]
            for row in results]
    widths = [max(len(line[i]) for line in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(text.rjust(width) for text, width in zip(line, widths))
             for line in [header] + rows]
    return "\n".join([lines[0], "-" * len(lines[0])] + lines[1:])


def breakdowns(results):
    """Where each cold view's server time went, one line per view and row."""
    lines = ["Where one cold view spends its time (ms; the median cold run):"]
    for row in results:
        for view in VIEW_NAMES:
            parts = row.get(f"{view}_cold_breakdown_ms")
            if not parts:
                continue
            total = sum(parts.values())
            lines.append(
                f"  {row['database']} {row['shape']} {row['orders']:,} {view}: "
                + ", ".join(f"{name} {value:.1f}" for name, value in parts.items())
                + f" = {total:.1f} in all; {row[f'{view}_cold_statements']} statements, "
                f"body {row[f'{view}_body_bytes'] / 1024:,.0f} KB")
            steps = row.get(f"{view}_cold_steps_ms") or {}
            if len(steps) > 1:
                lines.append("      " + ", ".join(
                    f"{name} {step['ms']:.1f} (SQL {step['sql_ms']:.1f})"
                    for name, step in steps.items()))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
