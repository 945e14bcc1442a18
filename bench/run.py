"""`make bench`: generate demo data, import it, and time the overview against a pandas recompute.

For each scale (tracking rows) and each database (SQLite always; Postgres as well when
BENCH_DATABASE_URL is set — that database's schema `public` is dropped and recreated):
  1. generate the four CSVs once per (scale, seed) under bench/out/data (reruns reuse them);
  2. import them with `dashboard import` in a subprocess: wall time and the peak RSS of its
     process tree (psutil, polled every 50 ms);
  3. call analytics.overview for the last 90 days, all brands: cold (empty cache) and warm
     (median of repeated calls);
  4. compute the same overview numbers the original brief's way — read the rows into pandas,
     merge and group — and check they agree with the engine;
  5. budget planner (docs/planner.md): the curves' cold fit, a plan on the cached fit
     (`plan_ms`, median), and the backtest's forecast error and creators inside their range.
Prints a table, then, as the last line, one JSON list with a row per (scale, database).
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

import numpy as np
import pandas as pd
import psutil
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard import create_app, demo, schema  # noqa: E402

OUT = ROOT / "bench" / "out"
SELECTION_DAYS = 90
POLL_SECONDS = 0.05
# KPIs compared between the engine and the pandas recompute (relative tolerance).
COMPARED_KPIS = ("revenue", "orders", "spend", "posts", "reach", "likes", "comments")
AGREEMENT_TOLERANCE = 1e-6
UNATTRIBUTED = "Unattributed"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1000000 10000000",
                        help="Tracking-row counts, separated by spaces or commas.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--warm-repeats", type=int, default=5)
    parser.add_argument("--pandas-repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT,
                        help="Where generated data, databases and caches go.")
    arguments = parser.parse_args(argv)
    scales = [int(part) for part in arguments.scales.replace(",", " ").split()]

    databases = ["sqlite"] + (["postgres"] if os.environ.get("BENCH_DATABASE_URL") else [])
    results = []
    for scale in scales:
        folder, generation = generated_data(arguments.out, scale, arguments.seed)
        state = "reused from an earlier run" if generation["cached"] else "generated"
        print(f"{scale:,} orders: data {state} in {generation['seconds']:.1f} s "
              f"({generation['total_rows']:,} rows in four files) at {folder}", flush=True)
        for database in databases:
            url = fresh_database(arguments.out, database, scale)
            row = {"database": database, "orders": scale, "seed": arguments.seed,
                   "total_rows": generation["total_rows"],
                   "generate_s": round(generation["seconds"], 2),
                   "generate_cached": generation["cached"]}
            row.update(measure_import(arguments.out, folder, url, generation["total_rows"]))
            if row["import_ok"]:
                row.update(measure_queries(arguments.out, url, database, scale,
                                           arguments.warm_repeats, arguments.pandas_repeats))
            else:
                row.update(overview_cold_ms=None, overview_warm_ms=None,
                           pandas_recompute_ms=None, speedup_cold_vs_pandas=None,
                           pandas_matches_engine=None, plan_fit_ms=None, plan_ms=None,
                           backtest_error=None, backtest_in_range=None)
            results.append(row)
            print(f"  {database}: {describe(row)}", flush=True)
    print()
    print(table(results))
    print(json.dumps(results))
    return 0 if all(row["import_ok"] for row in results) else 1


# ------------------------------------------------------------------ 1. generated data

def generated_data(out, scale, seed):
    """The folder of CSVs for (scale, seed), generating it only when it is not there yet."""
    folder = out / "data" / f"scale-{scale}-seed-{seed}"
    record = folder / "generation.json"
    if record.exists():
        generation = json.loads(record.read_text())
        generation["cached"] = True
        return folder, generation
    out.joinpath("data").mkdir(parents=True, exist_ok=True)
    # Written aside and renamed, so an interrupted run never leaves a half set behind.
    partial = Path(tempfile.mkdtemp(prefix=folder.name + ".partial-", dir=out / "data"))
    started = time.perf_counter()
    paths = demo.write_demo(partial, scale=scale, seed=seed)
    seconds = time.perf_counter() - started
    total_rows = sum(count_rows(paths[name]) for name in demo.FILE_NAMES)
    generation = {"seconds": seconds, "total_rows": total_rows, "scale": scale, "seed": seed}
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

def fresh_database(out, database, scale):
    """An empty, migrated database: a new SQLite file, or Postgres with schema reset."""
    if database == "sqlite":
        folder = out / "db"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"bench-{scale}.sqlite3"
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
    """Run `dashboard import` on the four files; wall time and peak RSS of its tree."""
    command = dashboard_command() + ["import"] + [
        str(folder / file_name) for file_name in demo.FILE_NAMES.values()]
    environment = dict(os.environ, DATABASE_URL=url, LOG_LEVEL="WARNING",
                       INSTANCE_PATH=str(out / "instance"), CACHE_DIR=str(out / "cache"),
                       MAX_UPLOAD_MB="4096")
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=environment)
        peak_rss = tree_peak_rss(process)
        seconds = time.perf_counter() - started
        stderr.seek(0)
        problems = stderr.read().decode(errors="replace").strip()
    ok = process.returncode == 0
    if not ok:
        print(f"  import failed (exit {process.returncode}):\n{problems[-3000:]}",
              file=sys.stderr)
    return {"import_ok": ok, "import_s": round(seconds, 2),
            "import_rows_per_s": round(total_rows / seconds) if ok else None,
            "import_peak_rss_mb": round(peak_rss / 2**20, 1)}


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


# -------------------------------------------------------------- 3. and 4. the overview

def measure_queries(out, url, database, scale, warm_repeats, pandas_repeats):
    try:
        from dashboard import analytics
    except ImportError:
        return {"overview_cold_ms": None, "overview_warm_ms": None,
                "pandas_recompute_ms": None, "speedup_cold_vs_pandas": None,
                "pandas_matches_engine": None}
    cache_dir = out / "cache" / f"{database}-{scale}"
    shutil.rmtree(cache_dir, ignore_errors=True)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(out / "instance"),
                      "CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(cache_dir),
                      "LOG_LEVEL": "WARNING"})
    end = date.fromisoformat(str(demo.END_DAY))
    selection = analytics.Selection(start=end - timedelta(days=SELECTION_DAYS - 1), end=end)
    try:
        with app.app_context():
            started = time.perf_counter()
            engine_overview = analytics.overview(selection, scope=None)
            cold_ms = (time.perf_counter() - started) * 1000
            warm = []
            for _ in range(warm_repeats):
                started = time.perf_counter()
                analytics.overview(selection, scope=None)
                warm.append((time.perf_counter() - started) * 1000)
        planner_numbers = measure_planner(app, warm_repeats)
        pandas_runs = []
        for _ in range(pandas_repeats):
            started = time.perf_counter()
            recomputed = pandas_overview(app.extensions["database_engine"], selection)
            pandas_runs.append((time.perf_counter() - started) * 1000)
    finally:
        app.extensions["database_engine"].dispose()
    pandas_ms = statistics.median(pandas_runs)
    return {"overview_cold_ms": round(cold_ms, 1),
            "overview_warm_ms": round(statistics.median(warm), 2),
            "pandas_recompute_ms": round(pandas_ms, 1),
            "speedup_cold_vs_pandas": round(pandas_ms / cold_ms, 1),
            "pandas_matches_engine": overviews_agree(engine_overview, recomputed),
            **planner_numbers}


def measure_planner(app, repeats):
    """Budget planner: cold fit, a plan on the cached fit (plan_ms), and the backtest."""
    from dashboard import analytics
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


def pandas_overview(engine, selection):
    """The overview's numbers the original brief's way: every row into pandas, then group.

    A fair version of it: rows are narrowed to the two periods as soon as the all-time
    totals that spread payouts over time (METRICS.md) are known.
    """
    with engine.connect() as connection:
        orders = pd.read_sql_query(text(
            "SELECT o.influencer_id, o.date, o.orders, o.revenue, b.name AS brand, "
            "c.name AS campaign FROM orders o JOIN brands b ON b.id = o.brand_id "
            "JOIN campaigns c ON c.id = o.campaign_id"), connection)
        posts = pd.read_sql_query(text(
            "SELECT p.influencer_id, p.date, p.reach, p.likes, p.comments, b.name AS brand "
            "FROM posts p LEFT JOIN brands b ON b.id = p.brand_id"), connection)
        influencers = pd.read_sql_query(text(
            "SELECT id AS influencer_id, platform FROM influencers"), connection)
        payouts = pd.read_sql_query(text(
            "SELECT influencer_id, basis, total_payout FROM payouts"), connection)
    orders["date"] = pd.to_datetime(orders["date"])
    posts["date"] = pd.to_datetime(posts["date"])

    spend_events = time_phased_spend(orders, posts, payouts)
    previous = selection.previous_period()
    first_day = pd.Timestamp(previous.start)
    orders = orders[orders["date"] >= first_day]
    posts = posts[posts["date"] >= first_day]
    spend_events = spend_events[spend_events["date"] >= first_day]
    platform_of = influencers.set_index("influencer_id")["platform"]
    for frame in (orders, posts, spend_events):
        frame["platform"] = frame["influencer_id"].map(platform_of)

    def in_period(period):
        start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
        return [frame[(frame["date"] >= start) & (frame["date"] <= end)]
                for frame in (orders, spend_events, posts)]

    current = in_period(selection)
    overall = grouped(*current, [], selection.baseline)
    campaigns = grouped(*current, ["campaign"], selection.baseline, with_posts=False)
    return {
        "kpis": overall.iloc[0].to_dict() if len(overall) else None,
        "previous_kpis": grouped(*in_period(previous), [], selection.baseline).iloc[0].to_dict(),
        "timeseries": grouped(*current, ["date"], selection.baseline),
        "by_platform": grouped(*current, ["platform"], selection.baseline),
        "by_brand": grouped(*current, ["brand"], selection.baseline),
        "top_campaigns": campaigns.sort_values("revenue", ascending=False).head(10),
    }


def time_phased_spend(orders, posts, payouts):
    """Dated spend events per METRICS.md (undated ones never count in a dated selection)."""
    orders_of = orders.groupby("influencer_id")["orders"].sum()
    by_order = payouts[payouts["basis"] == "order"][["influencer_id", "total_payout"]]
    order_spend = orders.merge(by_order, on="influencer_id")
    all_orders = order_spend["influencer_id"].map(orders_of)
    order_spend = order_spend[all_orders > 0].assign(
        amount=lambda frame: frame["total_payout"] * frame["orders"]
        / frame["influencer_id"].map(orders_of))

    revenue_pairs = orders.groupby(["influencer_id", "brand", "campaign"],
                                   as_index=False)["revenue"].sum()
    revenue_of = revenue_pairs.groupby("influencer_id")["revenue"].transform("sum")
    revenue_pairs = revenue_pairs[revenue_of > 0].assign(
        share=lambda frame: frame["revenue"] / revenue_of[revenue_of > 0])
    by_post = payouts[payouts["basis"] == "post"][["influencer_id", "total_payout"]]
    post_spend = posts[["influencer_id", "date"]].merge(by_post, on="influencer_id")
    post_spend["amount"] = post_spend["total_payout"] / post_spend["influencer_id"].map(
        posts.groupby("influencer_id").size())
    post_spend = post_spend.merge(revenue_pairs[["influencer_id", "brand", "campaign", "share"]],
                                  on="influencer_id", how="left")
    post_spend["amount"] *= post_spend["share"].fillna(1.0)
    post_spend[["brand", "campaign"]] = post_spend[["brand", "campaign"]].fillna(UNATTRIBUTED)
    columns = ["influencer_id", "date", "brand", "campaign", "amount"]
    return pd.concat([order_spend[columns], post_spend[columns]], ignore_index=True)


def grouped(orders, spend_events, posts, keys, baseline, with_posts=True):
    """METRICS.md's sums and ratios per group of `keys` ([] for overall)."""
    parts = [orders.groupby(keys or (lambda _: "all"))[["revenue", "orders"]].sum(),
             spend_events.groupby(keys or (lambda _: "all"))[["amount"]].sum()
             .rename(columns={"amount": "spend"})]
    if with_posts:
        # Posts without a brand stay out of brand groups.
        counted = posts.dropna(subset=keys) if keys else posts
        parts.append(counted.groupby(keys or (lambda _: "all")).agg(
            posts=("date", "size"), reach=("reach", "sum"), likes=("likes", "sum"),
            comments=("comments", "sum")))
    frame = pd.concat(parts, axis=1).fillna(0)
    for column in ("posts", "reach", "likes", "comments"):
        if column not in frame:
            frame[column] = 0
    spend = frame["spend"].where(frame["spend"] != 0)
    orders_count = frame["orders"].where(frame["orders"] != 0)
    frame["roas"] = frame["revenue"] / spend
    frame["incremental_roas"] = frame["revenue"] * (1 - baseline) / spend
    frame["cpo"] = frame["spend"] / orders_count
    frame["aov"] = frame["revenue"] / orders_count
    frame["engagement_rate"] = ((frame["likes"] + frame["comments"])
                                / frame["reach"].where(frame["reach"] != 0))
    return frame.reset_index()


def overviews_agree(engine_overview, recomputed):
    """True when the KPIs of both periods and the per-platform revenue match."""
    for name in ("kpis", "previous_kpis"):
        engine_kpis, pandas_kpis = engine_overview[name], recomputed[name]
        if engine_kpis is None or pandas_kpis is None:
            if engine_kpis != pandas_kpis:
                return False
            continue
        for kpi in COMPARED_KPIS:
            if not np.isclose(float(engine_kpis[kpi] or 0), float(pandas_kpis[kpi]),
                              rtol=AGREEMENT_TOLERANCE, atol=1e-6):
                return False
    engine_platforms = engine_overview["by_platform"].set_index("platform")["revenue"]
    pandas_platforms = recomputed["by_platform"].set_index("platform")["revenue"]
    return bool(np.allclose(engine_platforms.sort_index(), pandas_platforms.sort_index(),
                            rtol=AGREEMENT_TOLERANCE))


# ------------------------------------------------------------------------------ output

TABLE_COLUMNS = [
    ("database", "database", "{}"), ("orders", "orders", "{:,}"),
    ("generate_s", "generate s", "{:.1f}"), ("import_s", "import s", "{:.1f}"),
    ("import_rows_per_s", "import rows/s", "{:,}"),
    ("import_peak_rss_mb", "import peak MB", "{:.0f}"),
    ("overview_cold_ms", "overview cold ms", "{:.1f}"),
    ("overview_warm_ms", "warm ms", "{:.2f}"),
    ("pandas_recompute_ms", "pandas ms", "{:.0f}"),
    ("speedup_cold_vs_pandas", "speedup", "{:.1f}x"),
    ("pandas_matches_engine", "same numbers", "{}"),
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
                     for key, title, pattern in TABLE_COLUMNS[2:])


def table(results):
    header = [title for _, title, _ in TABLE_COLUMNS]
    rows = [[cell(row, key, pattern) for key, _, pattern in TABLE_COLUMNS]
            for row in results]
    widths = [max(len(line[i]) for line in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(text.rjust(width) for text, width in zip(line, widths))
             for line in [header] + rows]
    return "\n".join([lines[0], "-" * len(lines[0])] + lines[1:])


if __name__ == "__main__":
    sys.exit(main())
