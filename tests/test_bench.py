"""make bench: shapes, the ROI view against its pandas recompute, where cold time goes."""
import json
from datetime import date, timedelta

import pytest

from bench import pandas_way, run, views
from dashboard import analytics, demo

# The bench's selection: the last 90 days of the demo span, all brands.
LAST_DAY = date.fromisoformat(str(demo.END_DAY))
SELECTION = analytics.Selection(start=LAST_DAY - timedelta(days=run.SELECTION_DAYS - 1),
                                end=LAST_DAY)


def test_wide_shape_keeps_its_size_from_a_million_orders_and_shrinks_below():
    assert run.shape_size("demo", 20_000) == (None, None, None)
    # The peer's data in issue 12: 10,000 creators, 200,000 posts, 365 days.
    assert run.shape_size("wide", 1_000_000) == (10_000, 200_000, 365)
    assert run.shape_size("wide", 10_000_000) == (10_000, 200_000, 365)
    assert run.shape_size("wide", 20_000) == (200, 4_000, 365)
    assert run.shape_size("wide", 100) == (demo.MIN_CREATORS, 20, 365)


@pytest.fixture
def loaded(app, tmp_path):
    """One small wide-ish data set, in the database and as the CSVs it came from."""
    folder = tmp_path / "csv"
    shape = {"scale": 3_000, "seed": 5, "creators": 60, "posts": 1_500}
    demo.write_demo(folder, **shape)
    with app.app_context():
        result = demo.load_demo(**shape)
        assert not result.errors, [str(error) for error in result.errors]
    return app, folder


def test_roi_recompute_in_pandas_matches_the_engine_and_notices_a_difference(loaded):
    app, folder = loaded
    with app.app_context():
        clock = views.SqlClock(app.extensions["database_engine"])
        groups, overall, baseline = views.roi_numbers(SELECTION, views.Steps(clock))
        clock.close()
    recomputed = pandas_way.pandas_roi(folder, SELECTION)
    assert len(groups) > 40
    assert recomputed["measured_baseline_share"].notna().sum() > 40
    assert pandas_way.rois_agree(groups, baseline, recomputed)

    creator = recomputed["revenue"].idxmax()
    for column, factor in (("measured_baseline_share", 1.01), ("spend", 1.001),
                           ("revenue", 0.999)):
        changed = recomputed.copy()
        changed.loc[creator, column] *= factor
        assert not pandas_way.rois_agree(groups, baseline, changed), column
    # A creator with money in the selection missing from the view is a difference too.
    without = groups[groups["influencer_id"] != creator]
    assert not pandas_way.rois_agree(without, baseline, recomputed)


def test_cold_view_counts_sql_and_draws_and_encodes_the_body(loaded):
    app, _folder = loaded
    clock = views.SqlClock(app.extensions["database_engine"])
    try:
        for view in views.VIEWS:
            # The process's first view also maps (or builds) the data version's snapshot.
            views.cold_view(app, clock, view, SELECTION)
            cold = views.cold_view(app, clock, view, SELECTION)
            again = views.cold_view(app, clock, view, SELECTION)
            parts = cold.breakdown()
            assert set(parts) == {"sql", "python", "figures", "serialise"}
            assert cold.statements > 0 and cold.sql_ms > 0
            assert cold.figures_ms > 0 and cold.serialise_ms > 0
            assert cold.body_bytes > 10_000
            # The cache is emptied before each run, so the database is asked again.
            assert again.statements == cold.statements
            assert sum(step["sql_ms"] for step in cold.steps.values()) == pytest.approx(
                cold.sql_ms, abs=0.5)
        assert set(cold.steps) == {"metrics", "overall", "measured_baseline"}
    finally:
        clock.close()


def test_sql_clock_reads_every_row_inside_the_clock(sqlite_app):
    from sqlalchemy import text
    from sqlalchemy.engine.cursor import FullyBufferedCursorFetchStrategy

    engine = sqlite_app.extensions["database_engine"]
    clock = views.SqlClock(engine)
    counting = text("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
                    "WHERE x < 1000) SELECT x FROM n")
    try:
        with engine.connect() as connection:
            result = connection.execute(counting)
            # SQLite would step through the rows while they are fetched, after execute.
            assert isinstance(result.cursor_strategy, FullyBufferedCursorFetchStrategy)
            assert [row.x for row in result] == list(range(1, 1001))
    finally:
        clock.close()
    assert clock.statements == 1
    with engine.connect() as connection:
        assert connection.execute(counting).all()[-1].x == 1000
    assert clock.statements == 1


def test_bench_rows_carry_shape_roi_breakdown_and_memory(tmp_path, capsys):
    code = run.main(["--scales", "2000", "--shapes", "demo wide", "--out", str(tmp_path),
                     "--cold-repeats", "1", "--warm-repeats", "1", "--pandas-repeats", "1"])
    output = capsys.readouterr().out
    assert code == 0, output
    rows = json.loads(output.strip().splitlines()[-1])
    assert [(row["shape"], row["creators"], row["posts"]) for row in rows] == [
        ("demo", 40, rows[0]["posts"]), ("wide", 20, 400)]
    for row in rows:
        assert row["pandas_matches_engine"] is True
        assert row["roi_pandas_matches_engine"] is True
        for view in ("overview", "roi"):
            assert row[f"{view}_cold_ms"] > 0 and row[f"{view}_body_bytes"] > 0
            assert set(row[f"{view}_cold_breakdown_ms"]) == {
                "sql", "python", "figures", "serialise"}
        assert row["roi_speedup_cold_vs_pandas"] == pytest.approx(
            row["roi_pandas_ms"] / row["roi_cold_ms"], abs=0.06)
        assert row["serving_rss_mb"] > 50
        # What only this process holds, and its share of pages mapped with others.
        assert 0 < row["serving_uss_mb"] <= row["serving_pss_mb"] <= row["serving_rss_mb"]
        # The import computed ahead what the first visit opens on.
        assert row["overview_after_import_ms"] > 0 and row["roi_after_import_ms"] > 0
        assert row["after_import_cache_misses"] == 0
    assert "Where one cold view spends its time" in output
    assert "wide 2,000 roi: sql" in output


def test_unknown_shape_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        run.main(["--scales", "2000", "--shapes", "tall", "--out", str(tmp_path)])
    assert "unknown shape tall" in capsys.readouterr().err

