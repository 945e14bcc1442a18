"""The columnar snapshot's files: mapped in place, narrow, built in a child process."""
from datetime import date

import numpy as np
import polars as pl
from numpy.lib.array_utils import byte_bounds

from dashboard import analytics
from dashboard.analytics import column_file, columnar
from tests.helpers import import_tiny


def facts_with_nulls():
    platforms = pl.Enum(["Instagram", "YouTube"])
    return pl.DataFrame({
        "influencer_pk": pl.Series([3, 1, 2, 2], dtype=pl.Int32),
        "day": pl.Series([None, date(2025, 1, 2), date(2025, 1, 2), date(2025, 3, 1)]),
        "campaign_id": pl.Series([None, 7, None, 9], dtype=pl.Int32),
        "in_post_window": [False, True, False, True],
        "orders": pl.Series([0, 5, 2**15, 1], dtype=pl.Int64),
        "reach": pl.Series([2**30, 2**30, 2**30, 0], dtype=pl.Int64),
        "revenue": [0.5, 10.25, None, 3.0],
        "platform": pl.Series(["YouTube", None, "Instagram", "YouTube"], dtype=platforms),
    })


def test_a_column_file_gives_back_the_facts_with_their_nulls(tmp_path):
    facts = facts_with_nulls()
    path = tmp_path / "facts.columns"
    column_file.write_columns(facts, path)
    mapped, day_numbers = column_file.map_columns(path)
    assert mapped.columns == facts.columns
    assert mapped.with_columns(pl.col("orders", "reach").cast(pl.Int64)).equals(facts)
    # Counts as narrow as their values; undated facts first in the binary search's array.
    assert mapped["orders"].dtype == pl.Int32 and mapped["reach"].dtype == pl.Int32
    assert day_numbers.tolist() == [column_file.UNDATED, 20090, 20090, 20148]
    # Summed in 64 bits: three 2**30 in 32 bits would wrap around.
    assert mapped.select(columnar.summed("reach")).item() == 3 * 2**30


def test_columns_without_nulls_are_read_from_the_mapped_file_in_place(tmp_path):
    path = tmp_path / "facts.columns"
    column_file.write_columns(facts_with_nulls(), path)
    mapped, day_numbers = column_file.map_columns(path)
    file_start, file_end = byte_bounds(day_numbers.base)
    orders_start, _ = byte_bounds(mapped["orders"].to_numpy())
    assert file_start <= orders_start < file_end
    # A column with nulls is this worker's own copy.
    campaign_start, _ = byte_bounds(mapped["campaign_id"].to_numpy())
    assert not file_start <= campaign_start < file_end


def test_a_large_database_builds_its_snapshot_in_a_child_process(sqlite_app, monkeypatch):
    import_tiny(sqlite_app)
    selection = analytics.Selection()
    with sqlite_app.app_context():
        sqlite_app.config["ANALYTICS_ENGINE"] = "sql"
        expected = analytics.metrics(selection, "brand", scope=None, use_cache=False)
    runs = []
    real_run = columnar.subprocess.run
    monkeypatch.setattr(columnar.subprocess, "run",
                        lambda *args, **kwargs: runs.append(args) or real_run(*args, **kwargs))
    monkeypatch.setattr(columnar, "CHILD_BUILD_FACTS", 0)
    # The worker never reads facts itself.
    monkeypatch.setattr(columnar.snapshot_parts, "read_database", None)
    monkeypatch.setitem(columnar._loaded, "identity", None)
    with sqlite_app.app_context():
        sqlite_app.config["ANALYTICS_ENGINE"] = "columnar"
        built = analytics.metrics(selection, "brand", scope=None, use_cache=False)
    assert len(runs) == 1
    assert list(built["brand"]) == list(expected["brand"])
    assert np.allclose(built[["revenue", "spend", "orders"]],
                       expected[["revenue", "spend", "orders"]], rtol=1e-9)


def test_a_request_sums_in_the_database_while_another_process_builds_the_snapshot(
        sqlite_app, monkeypatch, tmp_path):
    """After an import the snapshot takes seconds to build at a million orders; requests
    meanwhile get the same numbers from the database instead of queueing for it."""
    import fcntl

    import_tiny(sqlite_app)
    selection = analytics.Selection()
    with sqlite_app.app_context():
        sqlite_app.config["ANALYTICS_ENGINE"] = "sql"
        expected = analytics.metrics(selection, "brand", scope=None, use_cache=False)
        sqlite_app.config["ANALYTICS_ENGINE"] = "columnar"
        paths = columnar._paths(columnar.data_identity())
    for path in paths:
        path.unlink(missing_ok=True)
    monkeypatch.setitem(columnar._loaded, "identity", None)
    # Another process of the host is building: it holds the build lock.
    with open(paths[0].parent / "build.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with sqlite_app.app_context():
            assert not columnar.enabled()
            meanwhile = analytics.metrics(selection, "brand", scope=None, use_cache=False)
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert not any(path.exists() for path in paths)
    with sqlite_app.app_context():
        assert columnar.enabled()
        built = analytics.metrics(selection, "brand", scope=None, use_cache=False)
    assert all(path.exists() for path in paths)
    for frame in (meanwhile, built):
        assert list(frame["brand"]) == list(expected["brand"])
        assert np.allclose(frame[["revenue", "spend", "orders"]],
                           expected[["revenue", "spend", "orders"]], rtol=1e-9)
