"""The import pipeline: every rule of DATASETS.md, all-or-nothing, dry runs, refused files."""
import hashlib
import os
import threading
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from dashboard import importing
from dashboard.importing import orders, pipeline, reading, schemas, validation
from dashboard.extensions import db
from models import (AuditEvent, Brand, Campaign, DataState, ImportBatch, Influencer, Order,
                    Payout, Post, Product)
from tests.helpers import TINY, WriteLockHolder, import_tiny, make_test_app

INFLUENCERS = """influencer_id,name,category,gender,follower_count,platform
1,Asha,Fitness,F,85000,Instagram
2,Bilal,Nutrition,M,1200000,YouTube
"""
TRACKING_HEADER = "source,campaign,influencer_id,user_id,product,brand,date,orders,revenue\n"
TRACKING_ROW = "instagram,MB_Jan,1,u1,Whey Protein,MuscleBlaze,2025-01-06,2,4000\n"
FACT_TABLES = (Influencer, Post, Order, Payout, Brand, Product, Campaign)


def write(tmp_path, name, text, folder="upload"):
    directory = tmp_path / folder
    directory.mkdir(exist_ok=True)
    path = directory / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def run(app, *paths, **options):
    with app.app_context():
        return importing.import_paths([str(p) for p in paths],
                                      limits=importing.ImportLimits.from_app(app), **options)


def messages(result):
    return [str(problem) for problem in result.errors]


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def snapshot(app):
    """Every fact table's rows (without the batch that wrote them), for before/after checks."""
    with app.app_context():
        tables = {}
        for model in FACT_TABLES:
            table = model.__table__
            columns = [c for c in table.columns if c.name not in ("import_batch_id",
                                                                  "updated_at")]
            rows = db.session.execute(select(*columns).order_by(table.c.id)).all()
            tables[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest(), len(rows)
        return tables


def stored_orders(app):
    with app.app_context():
        return db.session.execute(select(Order.user_id, Order.orders, Order.revenue,
                                         Order.dup_index).order_by(Order.id)).all()


def with_influencers(app, tmp_path):
    result = run(app, write(tmp_path, "influencers.csv", INFLUENCERS, folder="base"))
    assert result.ok, messages(result)


# ---------------------------------------------------------------------------- happy paths

def test_tiny_twice_changes_no_count(app):
    first = import_tiny(app)
    assert [(r.dataset, r.rows, r.new) for r in first.files] == [
        ("influencers", 4, 4), ("posts", 4, 4), ("tracking_data", 7, 7), ("payouts", 4, 4)]
    counts = {model.__name__: count(app, model) for model in FACT_TABLES}
    before = snapshot(app)
    second = import_tiny(app)
    assert [(r.new, r.updated, r.unchanged) for r in second.files] == [
        (0, 0, 4), (0, 0, 4), (0, 0, 7), (0, 0, 4)]
    assert {model.__name__: count(app, model) for model in FACT_TABLES} == counts
    assert snapshot(app) == before
    with app.app_context():
        tiers = dict(db.session.execute(select(Influencer.influencer_key, Influencer.tier)).all())
    assert tiers == {"1": "micro", "2": "mega", "3": "nano", "4": "mid"}


def test_foreign_keys_are_on_again_after_an_import(sqlite_app, tmp_path):
    """An import on SQLite turns foreign keys off for its own transaction only."""
    import_tiny(sqlite_app)
    with sqlite_app.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
        with pytest.raises(IntegrityError):
            with db.transaction() as session:
                session.add(Payout(influencer_pk=999_999, basis="post", rate=1.0,
                                   total_payout=1.0))


@pytest.mark.parametrize("checkpoint", [True, False])
def test_the_log_is_copied_into_the_database_file_at_once_or_when_asked(sqlite_app,
                                                                         checkpoint):
    with sqlite_app.app_context():
        path = db.engine.url.database
        empty = os.path.getsize(path)
        result = importing.import_paths([str(TINY)], checkpoint=checkpoint, username="test",
                                        limits=importing.ImportLimits.from_app(sqlite_app))
        assert result.ok
        assert (os.path.getsize(path) > empty) is checkpoint
        importing.checkpoint_database()
        assert os.path.getsize(path) > empty
        assert db.session.scalar(select(func.count()).select_from(Order)) == 7


def test_summary_is_plain(app, tmp_path):
    with_influencers(app, tmp_path)
    result = run(app, write(tmp_path, "tracking_data.csv", TRACKING_HEADER + TRACKING_ROW))
    assert result.files[0].summary() == (
        "tracking_data.csv (tracking_data): 1 rows: 1 new, 0 updated, 0 unchanged.")


def test_aliases_trimmed_headers_any_order_and_platform_case(app, tmp_path):
    path = write(tmp_path, "influencers.csv",
                 " platform , ID,name ,follower_count,category\n"
                 "tiktok,7,Esha,10000,Health\n"
                 "YOUTUBE,8,Faiz,9999,Health\n")
    result = run(app, path)
    assert result.ok, messages(result)
    with app.app_context():
        rows = db.session.execute(select(Influencer.influencer_key, Influencer.platform,
                                         Influencer.tier, Influencer.gender)
                                  .order_by(Influencer.influencer_key)).all()
    assert [tuple(r) for r in rows] == [("7", "TikTok", "micro", None),
                                        ("8", "YouTube", "nano", None)]


def test_url_alias_and_lower_case_id(app, tmp_path):
    result = run(app,
                 write(tmp_path, "influencers.csv",
                       "id,name,category,follower_count,platform\n1,Asha,Fitness,5,instagram\n"),
                 write(tmp_path, "posts.csv",
                       "influencer_id,platform,date,URL,reach,likes,comments\n"
                       "1,Instagram,2025-01-05,https://x/p1,10,2,1\n"))
    assert result.ok, messages(result)
    assert count(app, Post) == 1


def test_extra_column_is_ignored_with_a_warning(app, tmp_path):
    path = write(tmp_path, "influencers.csv",
                 "influencer_id,name,category,follower_count,platform,notes\n"
                 "1,Asha,Fitness,5,Instagram,call back\n")
    result = run(app, path)
    assert result.ok
    assert result.files[0].warnings == ["the column 'notes' is not used, so it was ignored."]
    assert "Warning: the column 'notes'" in result.files[0].summary()


@pytest.mark.parametrize("dataset, header, row", [
    ("influencers", "influencer_id,name,category,follower_count,platform",
     "1,Asha,Fitness,5,Instagram"),
    ("posts", "influencer_id,platform,date,url,reach,likes,comments",
     "1,Instagram,2025-01-05,https://x/1,1,1,1"),
    ("tracking_data", "source,campaign,influencer_id,user_id,product,brand,date,orders,revenue",
     "ig,C,1,u1,P,B,2025-01-05,1,1"),
    ("payouts", "influencer_id,basis,rate,total_payout", "1,post,1,1"),
])
def test_each_required_column_missing_is_one_problem(app, tmp_path, dataset, header, row):
    columns, values = header.split(","), row.split(",")
    for index, missing in enumerate(columns):
        if missing == "brand":
            continue  # optional when the catalogue knows the product
        kept = [i for i in range(len(columns)) if i != index]
        text = ",".join(columns[i] for i in kept) + "\n" + ",".join(values[i] for i in kept)
        result = run(app, write(tmp_path, f"{dataset}.csv", text + "\n"))
        assert messages(result) == [
            f"{dataset}.csv, line 1, column {missing}: The required column {missing} is "
            "missing from the header."]


def test_type_rules_every_failure_collected(app, tmp_path):
    with_influencers(app, tmp_path)
    path = write(tmp_path, "tracking_data.csv", TRACKING_HEADER +
                 "ig,C,1,u1,P,B,2025-01-06,12.0,10\n"       # integral float: fine
                 "ig,C,1,u2,P,B,2025-01-06T10:30:00,1,10\n"  # time part: dropped
                 "ig,C,1,u3,P,B,2025-01-06,12.5,abc\n"
                 "ig,C,1,u4,P,B,06/01/2025,-1,-3\n"
                 ",C,1,u5,P,B,2025-02-30,1,1\n")
    result = run(app, path)
    assert messages(result) == [
        "tracking_data.csv, line 6, column source: source is empty; it is required.",
        "tracking_data.csv, line 5, column date: date must be a date like 2025-01-31, not "
        "'06/01/2025'.",
        "tracking_data.csv, line 6, column date: date must be a date like 2025-01-31, not "
        "'2025-02-30'.",
        "tracking_data.csv, line 4, column orders: orders must be a whole number of 0 or more, "
        "not '12.5'.",
        "tracking_data.csv, line 5, column orders: orders must be a whole number of 0 or more, "
        "not '-1'.",
        "tracking_data.csv, line 4, column revenue: revenue must be a number of 0 or more, "
        "not 'abc'.",
        "tracking_data.csv, line 5, column revenue: revenue must be a number of 0 or more, "
        "not '-3'.",
    ]
    assert count(app, Order) == 0
    good = write(tmp_path, "tracking_data.csv", TRACKING_HEADER +
                 "ig,C,1,u1,P,B,2025-01-06,12.0,10\nig,C,1,u2,P,B,2025-01-06 10:30,1,10\n")
    assert run(app, good).ok
    with app.app_context():
        stored = db.session.execute(
            select(Order.orders, Order.date).order_by(Order.user_id)).all()
        assert stored[1] == (1, pd.Timestamp("2025-01-06").date())


def test_unknown_platform_and_basis(app, tmp_path):
    result = run(app,
                 write(tmp_path, "influencers.csv",
                       "influencer_id,name,category,follower_count,platform\n"
                       "1,Asha,Fitness,5,Snapchat\n2,Bilal,Fitness,5,twitter\n"),
                 write(tmp_path, "payouts.csv",
                       "influencer_id,basis,rate,total_payout\n2,month,1,1\n"))
    assert messages(result) == [
        "influencers.csv, line 2, column platform: platform must be one of Instagram, "
        "YouTube, Twitter, TikTok, not 'Snapchat'.",
        "payouts.csv, line 2, column basis: basis must be post or order, not 'month'.",
    ]


def test_reference_to_missing_influencer(app, tmp_path):
    result = run(app, write(tmp_path, "payouts.csv",
                            "influencer_id,basis,rate,total_payout\n9,post,1,1\n"))
    assert messages(result) == [
        "payouts.csv, line 2, column influencer_id: influencer_id '9' is not in the database "
        "or in this upload."]


def test_reference_satisfied_by_the_same_upload(app, tmp_path):
    # Given in the "wrong" order: files are processed in dependency order.
    result = run(app,
                 write(tmp_path, "tracking_data.csv", TRACKING_HEADER + TRACKING_ROW),
                 write(tmp_path, "influencers.csv", INFLUENCERS))
    assert result.ok, messages(result)
    assert [r.dataset for r in result.files] == ["influencers", "tracking_data"]
    assert count(app, Order) == 1


def test_brand_from_catalogue_and_from_a_later_row(app, tmp_path):
    with_influencers(app, tmp_path)
    result = run(app, write(tmp_path, "tracking_data.csv", TRACKING_HEADER +
                            "ig,C,1,u1,Creatine,,2025-01-06,1,10\n"      # brand from line 3
                            "ig,C,1,u2,Creatine,MuscleBlaze,2025-01-06,1,10\n"))
    assert result.ok, messages(result)
    no_brand_column = "source,campaign,influencer_id,user_id,product,date,orders,revenue\n"
    result = run(app, write(tmp_path, "tracking_data.csv",
                            no_brand_column + "ig,C,1,u3,Creatine,2025-01-07,1,10\n"))
    assert result.ok, messages(result)
    with app.app_context():
        brands = db.session.scalars(select(Brand.name).join(Order, Order.brand_id == Brand.id)
                                    .order_by(Order.id)).all()
    assert brands == ["MuscleBlaze"] * 3


def test_missing_brand_with_unknown_product(app, tmp_path):
    with_influencers(app, tmp_path)
    result = run(app, write(tmp_path, "tracking_data.csv",
                            TRACKING_HEADER + "ig,C,1,u1,Mystery Mix,,2025-01-06,1,10\n"))
    assert messages(result) == [
        "tracking_data.csv, line 2, column brand: brand is empty and the product "
        "'Mystery Mix' is not in the product catalogue, so the brand is unknown."]
    assert count(app, Product) == 0


def test_influencer_id_and_url_unique_in_file(app, tmp_path):
    result = run(app,
                 write(tmp_path, "influencers.csv", INFLUENCERS + "1,Asha again,Fitness,F,1,"
                                                                   "Instagram\n"),
                 write(tmp_path, "posts.csv",
                       "influencer_id,platform,date,url,reach,likes,comments\n"
                       "1,Instagram,2025-01-05,https://x/p1,1,1,1\n"
                       "2,YouTube,2025-01-06,https://x/p1,1,1,1\n"))
    assert messages(result) == [
        "influencers.csv, line 4, column influencer_id: influencer_id '1' appears more than "
        "once in the file (first on line 2); it must be unique.",
        "posts.csv, line 3, column url: url 'https://x/p1' appears more than once in the file "
        "(first on line 2); it must be unique.",
    ]


def test_tracking_id_is_the_key_when_present(app, tmp_path):
    with_influencers(app, tmp_path)
    header = "tracking_id," + TRACKING_HEADER
    first = run(app, write(tmp_path, "tracking_data.csv", header +
                           "t1,ig,C,1,u1,P,B,2025-01-06,1,10\n"
                           "t2,ig,C,1,u2,P,B,2025-01-06,1,10\n"))
    assert first.ok, messages(first)
    second = run(app, write(tmp_path, "tracking_data.csv", header +
                            "t1,ig,C,1,u1,P,B,2025-01-06,1,10\n"
                            "t2,ig,C,1,u2,P,B,2025-01-06,3,30\n"
                            "t3,ig,C,1,u2,P,B,2025-01-06,3,30\n"))
    report = second.files[0]
    assert (report.new, report.updated, report.unchanged) == (1, 1, 1)
    with app.app_context():
        rows = db.session.execute(select(Order.tracking_id, Order.orders, Order.revenue)
                                  .order_by(Order.tracking_id)).all()
    assert [tuple(r) for r in rows] == [("t1", 1, 10.0), ("t2", 3, 30.0), ("t3", 3, 30.0)]
    duplicate = run(app, write(tmp_path, "tracking_data.csv", header +
                               "t4,ig,C,1,u1,P,B,2025-01-06,1,10\n"
                               "t4,ig,C,1,u1,P,B,2025-01-06,1,10\n"))
    assert messages(duplicate) == [
        "tracking_data.csv, line 3, column tracking_id: tracking_id 't4' appears more than "
        "once in the file; it must be unique."]


def test_multiset_rule(app, tmp_path):
    with_influencers(app, tmp_path)
    other = "youtube,C,2,u9,P,B,2025-01-08,1,99.5\n"
    twice = write(tmp_path, "tracking_data.csv", TRACKING_HEADER + TRACKING_ROW * 2 + other)
    first = run(app, twice)
    assert (first.files[0].new, first.files[0].unchanged) == (3, 0)
    again = run(app, twice)
    assert (again.files[0].new, again.files[0].unchanged) == (0, 3)
    # An overlapping export: same rows with "2.0"/"4000.00" spellings, plus one more copy.
    overlapping = TRACKING_ROW.replace(",2,4000", ",2.0,4000.00")
    export = run(app, write(tmp_path, "tracking_data.csv",
                            TRACKING_HEADER + TRACKING_ROW + overlapping * 2))
    assert (export.files[0].new, export.files[0].unchanged) == (1, 2)
    assert sorted(r.dup_index for r in stored_orders(app)) == [0, 0, 1, 2]


def test_multiset_across_chunks(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, IMPORT_CHUNK_ROWS=2)
    with_influencers(app, tmp_path)
    rows = [TRACKING_ROW, TRACKING_ROW.replace("u1", "u2")] * 3
    path = write(tmp_path, "tracking_data.csv", TRACKING_HEADER + "".join(rows) +
                 TRACKING_ROW.replace(",2,4000", ",x,4000"))
    failed = run(app, path)
    assert messages(failed) == [
        "tracking_data.csv, line 8, column orders: orders must be a whole number of 0 or "
        "more, not 'x'."]
    path = write(tmp_path, "tracking_data.csv", TRACKING_HEADER + "".join(rows))
    assert run(app, path).files[0].new == 6
    assert run(app, path).files[0].new == 0
    assert sorted(r.dup_index for r in stored_orders(app)) == [0, 0, 1, 1, 2, 2]
    app.extensions["database_engine"].dispose()


@given(st.lists(st.lists(st.integers(-3, 3), max_size=12), max_size=10))
def test_copy_numbers_count_earlier_occurrences_across_chunks(chunks):
    counter, seen, numbered, expected = orders.CopyCounter(), Counter(), [], []
    for chunk in chunks:
        numbered += counter.number(np.array(chunk, dtype=np.int64)).tolist()
        for value in chunk:
            expected.append(seen[value])
            seen[value] += 1
    assert numbered == expected


def test_row_hash_is_pinned():
    # Stored hashes are compared with new files for years: this value must never change.
    text = pd.Series(["instagram"])
    hashed = orders.row_hashes(text, pd.Series(["MB_Jan"]), pd.Series(["1"]),
                                 pd.Series(["u1"]), pd.Series(["Whey Protein"]),
                                 pd.Series(["MuscleBlaze"]), pd.Series(["2025-01-06"]),
                                 np.array([2]), np.array([4000.0]))
    assert hashed.tolist() == [PINNED_ROW_HASH]
    assert 0 <= hashed[0] < 2 ** 63


PINNED_ROW_HASH = 3306405409893142519


def test_post_updated_in_place(app, tmp_path):
    with_influencers(app, tmp_path)
    header = "post_id,influencer_id,platform,date,url,caption,reach,likes,comments,brand\n"
    first = run(app, write(tmp_path, "posts.csv", header +
                           "p1,1,Instagram,2025-01-05,https://x/p1,Hi,100,10,1,\n"))
    assert first.ok, messages(first)
    second = run(app, write(tmp_path, "posts.csv", header +
                            "p1,1,instagram,2025-01-05,https://x/p1,Hi,500,40,3,HKVitals\n"))
    assert (second.files[0].new, second.files[0].updated) == (0, 1)
    with app.app_context():
        post = db.session.execute(select(Post.reach, Post.likes, Post.comments, Brand.name)
                                  .join(Brand, Brand.id == Post.brand_id)).one()
    assert tuple(post) == (500, 40, 3, "HKVitals")
    assert count(app, Post) == 1


def test_payout_replaced(app, tmp_path):
    with_influencers(app, tmp_path)
    header = "influencer_id,basis,rate,orders,total_payout\n"
    assert run(app, write(tmp_path, "payouts.csv", header + "1,order,10,5,50\n")).ok
    second = run(app, write(tmp_path, "payouts.csv", header + "1,order,12,5,60\n1,post,5,,9\n"))
    assert [(r.new, r.updated, r.unchanged) for r in second.files] == [(1, 1, 0)]
    with app.app_context():
        rows = db.session.execute(select(Payout.basis, Payout.rate, Payout.orders,
                                         Payout.total_payout).order_by(Payout.basis)).all()
    assert [tuple(r) for r in rows] == [("order", 12.0, 5, 60.0), ("post", 5.0, None, 9.0)]


# ---------------------------------------------------------------------------- all or nothing

def test_one_bad_row_changes_nothing(app, tmp_path):
    import_tiny(app)
    before = snapshot(app)
    with app.app_context():
        version = db.session.get(DataState, 1).version
    rows = [f"instagram,MB_Mar,1,n{i},Whey Protein,MuscleBlaze,2025-03-01,1,100\n"
            for i in range(60)]
    rows[35] = rows[35].replace(",100\n", ",lots\n")
    result = run(app,
                 write(tmp_path, "influencers.csv", INFLUENCERS.replace("Asha", "Asha K")
                       + "5,Gita,Health,F,10,Twitter\n"),
                 write(tmp_path, "tracking_data.csv", TRACKING_HEADER + "".join(rows)))
    assert messages(result) == [
        "tracking_data.csv, line 37, column revenue: revenue must be a number of 0 or more, "
        "not 'lots'."]
    assert not result.ok
    assert snapshot(app) == before
    with app.app_context():
        assert db.session.get(DataState, 1).version == version
        failed = db.session.execute(select(ImportBatch.file_name, ImportBatch.error_count)
                                    .where(ImportBatch.status == "failed")
                                    .order_by(ImportBatch.id)).all()
    assert [tuple(r) for r in failed] == [("influencers.csv", 0), ("tracking_data.csv", 1)]


def test_dry_run_counts_and_writes_nothing(app, tmp_path):
    result = run(app, str(TINY), dry_run=True)
    assert result.ok and result.dry_run
    assert [(r.rows, r.new) for r in result.files] == [(4, 4), (4, 4), (7, 7), (4, 4)]
    assert all(r.batch_id is None for r in result.files)
    for model in FACT_TABLES + (ImportBatch, DataState):
        assert count(app, model) == 0
    assert not os.path.exists(os.path.join(app.instance_path, "uploads")) or \
        not os.listdir(os.path.join(app.instance_path, "uploads"))
    import_tiny(app)
    again = run(app, str(TINY), dry_run=True)
    assert [(r.new, r.unchanged) for r in again.files] == [(0, 4), (0, 4), (0, 7), (0, 4)]


def test_batches_files_version_and_audit_recorded(app, tmp_path):
    result = import_tiny(app)
    with app.app_context():
        batches = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id)).all()
        assert [(b.file_name, b.dataset, b.status, b.rows_new, b.username) for b in batches] \
            == [("influencers.csv", "influencers", "committed", 4, "test"),
                ("posts.csv", "posts", "committed", 4, "test"),
                ("tracking_data.csv", "tracking_data", "committed", 7, "test"),
                ("payouts.csv", "payouts", "committed", 4, "test")]
        for batch, report in zip(batches, result.files):
            assert report.batch_id == batch.id
            original = (TINY / batch.file_name).read_bytes()
            assert batch.sha256 == hashlib.sha256(original).hexdigest() == report.sha256
            with open(batch.stored_path, "rb") as stored:
                assert stored.read() == original
        orders_batch = db.session.scalars(select(Order.import_batch_id).distinct()).all()
        assert orders_batch == [batches[2].id]
        assert db.session.get(DataState, 1).version == 1
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
        assert event.username == "test" and "tracking_data.csv" in event.detail
    # The same files again change nothing, so every cached result stays good.
    import_tiny(app)
    with app.app_context():
        assert db.session.get(DataState, 1).version == 1
    assert run(app, write(tmp_path, "influencers.csv", INFLUENCERS.replace("Asha", "Asha K"))).ok
    with app.app_context():
        assert db.session.get(DataState, 1).version == 2


def test_rollups_rebuilt_for_changed_influencers(app, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(pipeline.rollups, "rebuild",
                        lambda session, ids=None: calls.append(ids))
    import_tiny(app)
    assert calls == [[1, 2, 3, 4]]
    run(app, write(tmp_path, "posts.csv",
                   "influencer_id,platform,date,url,reach,likes,comments\n"
                   "3,Instagram,2025-03-01,https://x/new,1,1,1\n"))
    import_tiny(app)  # nothing changes: no rebuild
    assert calls == [[1, 2, 3, 4], [3]]


# ---------------------------------------------------------------------------- refused files

def test_line_numbers_count_quoted_newlines_and_blank_lines(app, tmp_path):
    with_influencers(app, tmp_path)
    path = write(tmp_path, "posts.csv",
                 "influencer_id,platform,date,url,caption,reach,likes,comments\n"
                 '1,Instagram,2025-01-05,https://x/1,"two\nline, caption",1,1,1\n'
                 "\n"
                 "1,Instagram,2025-01-05,https://x/2,ok,1,-1,1\n")
    assert messages(run(app, path)) == [
        "posts.csv, line 5, column likes: likes must be a whole number of 0 or more, "
        "not '-1'."]


def test_not_utf8_refused_with_its_line(app, tmp_path):
    text = (INFLUENCERS + "3,Zoë,Fitness,F,5,Instagram\n").encode("latin-1")
    result = run(app, write(tmp_path, "influencers.csv", text))
    assert messages(result) == [
        "influencers.csv: The file is not UTF-8 text (the first bad byte is on line 4); "
        "save it as CSV UTF-8 and upload it again."]
    assert count(app, Influencer) == 0


def test_utf8_bom_is_fine(app, tmp_path):
    result = run(app, write(tmp_path, "influencers.csv", b"\xef\xbb\xbf" + INFLUENCERS.encode()))
    assert result.ok, messages(result)
    assert count(app, Influencer) == 2


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty."),
    (b"\n \n", "The file is empty."),
    (INFLUENCERS.splitlines()[0].encode() + b"\n", "The file has a header but no rows of data."),
    (b"PK\x03\x04\x00\x00binary", "The file is not a CSV text file: it holds binary data."),
    (b"influencer_id;name;category\n1;Asha;Fitness\n",
     "The file is not a CSV file: its first line has no commas, so it has no columns to read."),
    (INFLUENCERS.encode() + b"3,Chen,Fitness,M,9000,Instagram,extra,values\n",
     "The file is not a valid CSV file: line 4 has 8 values but the header has 6 columns."),
])
def test_unreadable_files_refused_with_one_message(app, tmp_path, content, message):
    result = run(app, write(tmp_path, "influencers.csv", content))
    assert messages(result) == [f"influencers.csv: {message}"]
    assert count(app, Influencer) == 0


def test_oversized_file_refused(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, MAX_UPLOAD_MB=1 / 1024)  # 1 KB
    path = write(tmp_path, "influencers.csv",
                 INFLUENCERS + "".join(f"{i},N{i},Fitness,F,5,Instagram\n"
                                       for i in range(3, 60)))
    result = run(app, path)
    assert messages(result) == [
        f"influencers.csv: The file is {os.path.getsize(path) / 1024:.1f} KB, more than the "
        "upload limit of 1.0 KB; it was not read."]
    app.extensions["database_engine"].dispose()


def test_problem_list_is_capped(app, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_LISTED_PROBLEMS", 10)
    path = write(tmp_path, "influencers.csv", "influencer_id,name,category,follower_count,"
                 "platform\n" + "".join(f"{i},N,C,many,Myspace\n" for i in range(30)))
    result = run(app, path)
    assert len(result.errors) == 11
    assert str(result.errors[-1]) == (
        "influencers.csv: 50 more problems like these were found and not listed.")


def test_usage_errors(sqlite_app, tmp_path):
    with pytest.raises(importing.UsageError, match="Cannot tell which dataset export.csv"):
        run(sqlite_app, write(tmp_path, "export.csv", INFLUENCERS))
    (tmp_path / "empty").mkdir()
    with pytest.raises(importing.UsageError, match="holds none of influencers.csv"):
        run(sqlite_app, tmp_path / "empty")
    result = run(sqlite_app, write(tmp_path, "export.csv", INFLUENCERS), dataset="influencers")
    assert result.ok and result.files[0].file == "export.csv"


# ---------------------------------------------------------------------------- two imports at once

def test_an_import_waits_for_one_in_progress_then_sees_its_rows(app, database_url, tmp_path):
    with_influencers(app, tmp_path)
    # The other import has created the campaign this file names and not yet committed:
    # reading before taking the lock would decide the campaign is new and collide on it.
    holder = WriteLockHolder(database_url)
    threading.Timer(0.3, holder.commit).start()
    result = run(app, write(tmp_path, "tracking_data.csv", TRACKING_HEADER + TRACKING_ROW))
    assert result.ok, messages(result)
    assert count(app, Campaign) == 1 and count(app, Order) == 1


def test_an_import_refused_while_another_holds_the_lock_changes_nothing(
        database_url, tmp_path, app_that_waits_briefly_for_locks):
    app = app_that_waits_briefly_for_locks
    with_influencers(app, tmp_path)
    before = snapshot(app)
    holder = WriteLockHolder(database_url)
    try:
        result = run(app, write(tmp_path, "tracking_data.csv", TRACKING_HEADER + TRACKING_ROW))
    finally:
        holder.rollback()
    assert messages(result) == ["Another import is running. Try again when it has finished."]
    assert result.files == []
    assert snapshot(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportBatch).where(
            ImportBatch.status == "failed")) == 0
    # Once the other import is over, the same file goes through.
    assert run(app, write(tmp_path, "tracking_data.csv", TRACKING_HEADER + TRACKING_ROW)).ok
    app.extensions["database_engine"].dispose()


# ---------------------------------------------------------------------------- review fixes

POSTS_HEADER = "influencer_id,platform,date,url,reach,likes,comments\n"


@pytest.mark.parametrize("value", ["2025-03-5", "2025-3-05"])
def test_one_digit_day_or_month_is_a_problem_in_every_dataset(app, tmp_path, value):
    with_influencers(app, tmp_path)
    tracking = write(tmp_path, "tracking_data.csv", TRACKING_HEADER +
                     f"instagram,X,1,u9,Whey Protein,MuscleBlaze,{value},1,100\n")
    posts = write(tmp_path, "posts.csv", POSTS_HEADER + f"1,Instagram,{value},https://x/1,1,1,1\n")
    assert messages(run(app, posts, tracking)) == [
        f"posts.csv, line 2, column date: date must be a date like 2025-01-31, not '{value}'.",
        f"tracking_data.csv, line 2, column date: date must be a date like 2025-01-31, not "
        f"'{value}'."]
    assert (count(app, Order), count(app, Post)) == (0, 0)


def test_a_time_part_is_dropped_and_the_parsed_day_stored(app, tmp_path):
    with_influencers(app, tmp_path)
    result = run(app,
                 write(tmp_path, "posts.csv", POSTS_HEADER +
                       "1,Instagram,2025-03-05T10:00,https://x/1,1,1,1\n"
                       "1,Instagram,2025-03-05 10:00:00,https://x/2,1,1,1\n"),
                 write(tmp_path, "tracking_data.csv", TRACKING_HEADER.strip() + ",tracking_id\n"
                       "instagram,X,1,u1,Whey Protein,MuscleBlaze,2025-03-05T10:00,1,100,\n"
                       "instagram,X,1,u2,Whey Protein,MuscleBlaze,2025-03-05 10:00:00,1,100,"
                       "T-2\n"))
    assert result.ok, messages(result)
    with app.app_context():
        connection = db.session.connection()
        # The stored value itself (text on SQLite), as every analytics query reads it.
        stored = [str(day) for table in ("orders", "posts", "daily_facts")
                  for (day,) in connection.exec_driver_sql(
                      f"SELECT {'day' if table == 'daily_facts' else 'date'} FROM {table}")]
    assert stored and set(stored) == {"2025-03-05"}


@pytest.mark.parametrize("content, message", [
    # The first data row is parsed as the reader is created: it once escaped the checks.
    (b"influencer_id,name,category,gender,follower_count,platform\n"
     b'9,"Zed,Fitness,M,100,instagram\n',
     "The file is not a valid CSV file: the quote that opens a value on line 2 is never "
     "closed."),
    (INFLUENCERS.encode() + b'3,"Chen,Fitness,M,9000,Instagram\n4,Dev,Fitness,M,5,YouTube\n',
     "The file is not a valid CSV file: the quote that opens a value on line 4 is never "
     "closed."),
    (b"influencer_id,name,category,gender,follower_count,platform\n"
     b'9,"' + b"x" * 200_000 + b",Fitness,M,100,instagram\n",
     "The file is not a valid CSV file: the quote that opens a value on line 2 is never "
     "closed."),
    # One value too many on the first row once shifted every row by a column, silently.
    (b"influencer_id,name,category,gender,follower_count,platform\n"
     b"9,Zed,Fitness,M,100,instagram,extra\n10,Yan,Fitness,M,100,instagram\n",
     "The file is not a valid CSV file: line 2 has 7 values but the header has 6 columns."),
    (b"influencer_id,name,category,gender,follower_count,platform\n\n"
     b"9,Zed,Fitness,M,100,instagram,\n",
     "The file is not a valid CSV file: line 3 has 7 values but the header has 6 columns."),
])
def test_malformed_first_rows_refused_with_their_line(app, tmp_path, content, message):
    result = run(app, write(tmp_path, "influencers.csv", content))
    assert messages(result) == [f"influencers.csv: {message}"]
    assert count(app, Influencer) == 0


def test_unnamed_trailing_columns_are_ignored_with_one_warning(app, tmp_path):
    result = run(app, write(tmp_path, "influencers.csv",
                            "ID,name,category,gender,follower_count,platform,,\n"
                            "9,Zed,Fitness,M,100,instagram,,\n"))
    assert result.ok, messages(result)
    assert result.files[0].warnings == ["2 unnamed columns were ignored."]
    with app.app_context():
        stored = db.session.execute(select(Influencer.influencer_key, Influencer.name,
                                           Influencer.platform)).all()
    assert [tuple(row) for row in stored] == [("9", "Zed", "Instagram")]


def test_numbers_too_big_to_store_exactly_are_problems(app, tmp_path):
    with_influencers(app, tmp_path)
    row = "instagram,X,1,{user},Whey Protein,MuscleBlaze,2025-03-05,{orders},{revenue}\n"
    path = write(tmp_path, "tracking_data.csv", TRACKING_HEADER +
                 row.format(user="u1", orders="1e19", revenue="100") +
                 row.format(user="u2", orders="9007199254740992", revenue="1e16") +
                 row.format(user="u3", orders="9007199254740991", revenue="1e15"))
    assert messages(run(app, path)) == [
        "tracking_data.csv, line 2, column orders: orders must be a whole number of 0 or "
        "more, at most 9,007,199,254,740,991, not '1e19'.",
        "tracking_data.csv, line 3, column orders: orders must be a whole number of 0 or "
        "more, at most 9,007,199,254,740,991, not '9007199254740992'.",
        "tracking_data.csv, line 3, column revenue: revenue must be a number of 0 or more, "
        "at most 1,000,000,000,000,000, not '1e16'.",
    ]
    largest = write(tmp_path, "tracking_data.csv", TRACKING_HEADER +
                    row.format(user="u3", orders="9007199254740991", revenue="1e15"))
    assert run(app, largest).ok
    assert [tuple(r)[:2] for r in stored_orders(app)] == [("u3", 2 ** 53 - 1)]


def test_an_unexpected_failure_is_one_plain_problem_with_a_logged_number(
        app, tmp_path, monkeypatch, caplog):
    from dashboard.web import uploads

    def broken(files, **options):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(importing, "import_files", broken)
    path = write(tmp_path, "influencers.csv", INFLUENCERS)
    with app.app_context():
        report = uploads.run_import([{"path": str(path), "name": "influencers.csv",
                                      "dataset": "influencers"}],
                                    dry_run=True, username="admin")
    [problem] = report["errors"]
    reference = problem["message"].rsplit(" ", 1)[-1].rstrip(".")
    assert problem["message"] == ("The import failed unexpectedly; nothing was changed. Give "
                                  f"an admin error number {reference}.")
    assert len(reference) == 6 and report["files"] == []
    [record] = [r for r in caplog.records if reference in r.getMessage()]
    assert record.exc_info and "disk on fire" in str(record.exc_info[1])


def test_upload_of_a_file_with_an_open_quote_is_a_report_not_a_server_error(client, auth):
    import io

    auth.login("admin")
    content = (b"influencer_id,name,category,gender,follower_count,platform\n"
               b'9,"Zed,Fitness,M,100,instagram\n')
    response = client.post("/data/upload",
                           data={"files": [(io.BytesIO(content), "influencers.csv")]},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert [e["message"] for e in response.get_json()["errors"]] == [
        "The file is not a valid CSV file: the quote that opens a value on line 2 is never "
        "closed."]


def test_import_refreshes_planner_statistics(app):
    """The planner must know the tables' sizes, or Postgres picks slow plans for the views."""
    from sqlalchemy import text as sql

    import_tiny(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            analysed = db.session.execute(sql(
                "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'daily_facts'")).scalar()
        else:
            analysed = db.session.execute(sql(
                "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'daily_facts' "
                "AND last_analyze IS NOT NULL")).scalar()
    assert analysed >= 1


@pytest.mark.parametrize("block_bytes", [1, 2, 3, 5, 8, 4096])
def test_spaces_around_values_are_found_wherever_a_scan_block_ends(
        app, tmp_path, monkeypatch, block_bytes):
    monkeypatch.setattr(reading, "SCAN_BLOCK_BYTES", block_bytes)

    def needs_strip(text):
        job = pipeline._Job(importing.ImportFile(str(write(tmp_path, "posts.csv", text))),
                            "posts")
        return reading.scan_file(job, 10 ** 6, None, validation.Problems(10)).needs_strip

    # Spaces inside values need no stripping, even where a block ends right after one.
    assert not needs_strip("name,product\nAsha Rao,Apple Cider Vinegar\n")
    for spaced in ("name\n Asha\n", "name\nAsha \n", "a,b\nx , y\n", "name\nAsha "):
        assert needs_strip(spaced), spaced
    path = write(tmp_path, "influencers.csv",
                 "influencer_id,name,category,follower_count,platform\n"
                 "1, Asha Rao ,Fitness ,5,instagram\n2,Bilal Khan,Health,7,YouTube ")
    result = run(app, path)
    assert result.ok, messages(result)
    with app.app_context():
        rows = db.session.execute(select(Influencer.name, Influencer.category,
                                         Influencer.platform)
                                  .order_by(Influencer.influencer_key)).all()
    assert [tuple(r) for r in rows] == [("Asha Rao", "Fitness", "Instagram"),
                                        ("Bilal Khan", "Health", "YouTube")]


# ---------------------------------------------------------------------------- limits

def test_every_text_limit_fits_its_database_column():
    """A value the importer lets through must fit its column on Postgres as on SQLite."""
    stored_in = {"influencer_id": Influencer.influencer_key, "name": Influencer.name,
                 "category": Influencer.category, "gender": Influencer.gender,
                 "post_id": Post.post_id, "url": Post.url, "caption": Post.caption,
                 "brand": Brand.name, "source": Order.source, "campaign": Campaign.name,
                 "user_id": Order.user_id, "product": Product.name,
                 "tracking_id": Order.tracking_id}
    for dataset, columns in schemas.SCHEMAS.items():
        for column in columns:
            if column.kind not in ("text", "optional"):
                continue
            assert column.max_length, (dataset, column.name)
            database_length = stored_in[column.name].type.length
            assert database_length is None or column.max_length <= database_length, (
                dataset, column.name)


@pytest.mark.parametrize("category_length", [101, 201])
def test_text_over_its_limit_is_a_problem_with_line_and_column(app, tmp_path,
                                                               category_length):
    # 201 characters once crashed a Postgres import with no line; 101 passed everywhere.
    before = snapshot(app)
    path = write(tmp_path, "influencers.csv",
                 "influencer_id,name,category,gender,follower_count,platform\n"
                 f"1,Asha,{'c' * category_length},F,5,Instagram\n"
                 f"2,{'n' * 201},Fitness,{'g' * 51},5,Instagram\n"
                 f"{'i' * 101},Bilal,{'c' * 100},M,5,YouTube\n")
    assert messages(run(app, path)) == [
        "influencers.csv, line 4, column influencer_id: influencer_id is 101 characters "
        "long; at most 100 are allowed.",
        "influencers.csv, line 3, column name: name is 201 characters long; at most 200 "
        "are allowed.",
        f"influencers.csv, line 2, column category: category is {category_length} "
        "characters long; at most 100 are allowed.",
        "influencers.csv, line 3, column gender: gender is 51 characters long; at most 50 "
        "are allowed.",
    ]
    assert snapshot(app) == before


def test_text_at_its_limit_is_stored_whole(app, tmp_path):
    result = run(app, write(tmp_path, "influencers.csv",
                            "influencer_id,name,category,gender,follower_count,platform\n"
                            f"{'i' * 100},{'n' * 200},{'é' * 100},{'g' * 50},5,Instagram\n"))
    assert result.ok, messages(result)
    with app.app_context():
        stored = db.session.execute(select(Influencer.influencer_key, Influencer.name,
                                           Influencer.category, Influencer.gender)).one()
    assert tuple(stored) == ("i" * 100, "n" * 200, "é" * 100, "g" * 50)


def test_text_limits_hold_in_every_dataset(app, tmp_path):
    with_influencers(app, tmp_path)
    before = snapshot(app)
    long_brand = "b" * 101
    posts = write(tmp_path, "posts.csv",
                  "post_id,influencer_id,platform,date,url,caption,reach,likes,comments,brand\n"
                  f"p1,1,Instagram,2025-01-06,https://x/{'u' * 2000},hi,1,1,1,MB\n"
                  f"p2,1,Instagram,2025-01-06,https://x/2,{'w' * 5001},1,1,1,{long_brand}\n")
    tracking = write(tmp_path, "tracking_data.csv", TRACKING_HEADER +
                     f"{'s' * 101},MB_Jan,1,{'u' * 101},{'p' * 201},MuscleBlaze,2025-01-06,"
                     "2,4000\n")
    payouts = write(tmp_path, "payouts.csv", "influencer_id,basis,rate,total_payout\n"
                    f"{'i' * 101},post,5,5\n")
    assert sorted(messages(run(app, posts, tracking, payouts))) == sorted([
        "posts.csv, line 2, column url: url is 2,010 characters long; at most 2,000 are "
        "allowed.",
        "posts.csv, line 3, column caption: caption is 5,001 characters long; at most "
        "5,000 are allowed.",
        "posts.csv, line 3, column brand: brand is 101 characters long; at most 100 are "
        "allowed.",
        "tracking_data.csv, line 2, column source: source is 101 characters long; at most "
        "100 are allowed.",
        "tracking_data.csv, line 2, column user_id: user_id is 101 characters long; at "
        "most 100 are allowed.",
        "tracking_data.csv, line 2, column product: product is 201 characters long; at "
        "most 200 are allowed.",
        "payouts.csv, line 2, column influencer_id: influencer_id is 101 characters long; "
        "at most 100 are allowed.",
    ])
    assert snapshot(app) == before


@pytest.mark.parametrize("extra, message", [
    ("," * 200_000, "The header has 200,007 columns; a file may have at most 100, so it was "
                    "not read."),
    (",".join(f"c{i}" for i in range(200_000)),
     "The line is 1.4 MB long; a line may be at most 1.0 MB, so the file was not read."),
])
def test_a_file_with_too_many_columns_is_one_short_problem(app, tmp_path, extra, message):
    # 200,000 unused columns once gave 200,000 warnings and a 23 MB report.
    path = write(tmp_path, "influencers.csv",
                 f"influencer_id,name,category,gender,follower_count,platform,{extra}\n"
                 f"1,Asha,Fitness,F,5,Instagram,{',' * 199_999}\n")
    result = run(app, path)
    assert messages(result) == [f"influencers.csv, line 1: {message}"]
    assert [report.warnings for report in result.files] == [[]]
    assert count(app, Influencer) == 0


def test_a_hundred_columns_are_read_and_their_warnings_capped_and_counted(app, tmp_path):
    extra = [f"note {i}" for i in range(94)]
    path = write(tmp_path, "influencers.csv",
                 "influencer_id,name,category,gender,follower_count,platform,"
                 + ",".join(extra) + "\n1,Asha,Fitness,F,5,Instagram" + "," * 94 + "\n")
    result = run(app, path)
    assert result.ok, messages(result)
    listed = pipeline.MAX_LISTED_WARNINGS
    assert result.files[0].warnings == [
        *(f"the column {name!r} is not used, so it was ignored." for name in extra[:listed]),
        f"and {94 - listed:,} more warnings like these."]
    assert count(app, Influencer) == 1


@pytest.mark.parametrize("block_bytes", [4096, 1024 * 1024 + 1, reading.SCAN_BLOCK_BYTES])
def test_a_line_over_one_megabyte_is_refused_with_its_line(app, tmp_path, monkeypatch,
                                                             block_bytes):
    # A 20 MB category once imported on SQLite and then rode along on every page.
    monkeypatch.setattr(reading, "SCAN_BLOCK_BYTES", block_bytes)
    giant = "c" * (2 * 1024 * 1024)
    path = write(tmp_path, "influencers.csv",
                 "influencer_id,name,category,gender,follower_count,platform\n"
                 "1,Asha,Fitness,F,5,Instagram\n"
                 f"2,Bilal,{giant},M,5,YouTube\n")
    assert messages(run(app, path)) == [
        "influencers.csv, line 3: The line is 2.0 MB long; a line may be at most 1.0 MB, "
        "so the file was not read."]
    assert count(app, Influencer) == 0


@pytest.mark.parametrize("ending", ["\n", ""])
def test_a_line_of_exactly_one_megabyte_is_read(app, tmp_path, monkeypatch, ending):
    monkeypatch.setattr(reading, "SCAN_BLOCK_BYTES", 4096)
    start = "1,Asha,Fitness,F,5,Instagram,"
    path = write(tmp_path, "influencers.csv",
                 "influencer_id,name,category,gender,follower_count,platform,notes\n"
                 + start + "n" * (reading.MAX_LINE_BYTES - len(start)) + ending)
    result = run(app, path)
    assert result.ok, messages(result)
    path = write(tmp_path, "influencers.csv",
                 "influencer_id,name,category,gender,follower_count,platform,notes\n"
                 + start + "n" * (reading.MAX_LINE_BYTES + 1 - len(start)) + ending)
    assert messages(run(app, path)) == [
        "influencers.csv, line 2: The line is 1.0 MB long; a line may be at most 1.0 MB, "
        "so the file was not read."]


def test_a_huge_header_name_is_shortened_in_the_report(app, tmp_path):
    name = "n" * 100_000
    result = run(app, write(tmp_path, "influencers.csv",
                            f"influencer_id,name,category,follower_count,platform,{name},{name}\n"
                            "1,Asha,Fitness,5,Instagram,a,b\n"))
    assert len(str(result.errors)) < 1000
    assert sum(len(w) for w in result.files[0].warnings) < 1000


def test_text_length_is_checked_when_a_quoted_value_spans_lines(app, tmp_path):
    # Short physical lines, but one value over three of them.
    path = write(tmp_path, "influencers.csv",
                 "influencer_id,name,category,gender,follower_count,platform\n"
                 f'1,"{"n" * 90}\n{"n" * 90}\n{"n" * 90}",Fitness,F,5,Instagram\n')
    assert messages(run(app, path)) == [
        "influencers.csv, line 2, column name: name is 272 characters long; at most 200 "
        "are allowed."]


@given(st.lists(st.integers(0, 40), min_size=1, max_size=30), st.integers(1, 50),
       st.booleans())
def test_the_longest_line_is_measured_across_block_ends(lengths, block_bytes, final_newline):
    # Text checks are skipped on files whose longest line is under a limit: it must be right.
    content = b"\n".join(b"x" * n for n in lengths) + (b"\n" if final_newline else b"")
    measure = reading.LineLengths()
    lines_before = 0
    for start in range(0, len(content), block_bytes):
        block = content[start:start + block_bytes]
        assert measure.add(block, lines_before) is None
        assert measure.newlines == block.count(b"\n")
        lines_before += measure.newlines
    assert measure.finish(lines_before) is None
    assert measure.longest == max(lengths)


@given(st.binary(min_size=1, max_size=60)
       | st.lists(st.sampled_from([b" ", b",", b"\n", b"\r", b'"', b"\t", b"\xc2", b"\xa0",
                                   b"a", b"\xc3"]), min_size=1, max_size=30).map(b"".join))
def test_spaces_next_to_separators_are_found_as_by_plain_search(block):
    # Values are stripped only when the scan finds such a space: it must miss none.
    assert reading._space_next_to_separator(block) == any(
        pattern in block for pattern in reading._SPACE_PATTERNS)


# ---------------------------------------------------------------------------- dates

def date_rows(values):
    return "".join(f"instagram,X,1,u{i},Whey Protein,MuscleBlaze,{value},1,100\n"
                   for i, value in enumerate(values))


@pytest.mark.parametrize("value", ["0000-01-01", "0001-01-01", "1999-12-31", "2027-12-02",
                                   "9999-12-31", "9999-02-30 10:00"])
def test_a_date_outside_2000_to_a_year_ahead_is_a_problem_at_its_line(app, tmp_path, value,
                                                                      fixed_today):
    # 0000-01-01 once crashed the import with a traceback; 9999-12-31 was stored.
    with_influencers(app, tmp_path)
    before = snapshot(app)
    tracking = write(tmp_path, "tracking_data.csv",
                     TRACKING_HEADER + date_rows(["2025-01-06", value]))
    posts = write(tmp_path, "posts.csv", POSTS_HEADER + f"1,Instagram,{value},https://x/1,1,1,1\n")
    assert messages(run(app, posts, tracking)) == [
        f"posts.csv, line 2, column date: date must be between 2000-01-01 and 2027-12-01, "
        f"not '{value}'.",
        f"tracking_data.csv, line 3, column date: date must be between 2000-01-01 and "
        f"2027-12-01, not '{value}'."]
    assert snapshot(app) == before


def test_the_first_and_last_allowed_days_are_stored(app, tmp_path, fixed_today):
    with_influencers(app, tmp_path)
    result = run(app, write(tmp_path, "tracking_data.csv", TRACKING_HEADER + date_rows(
        ["2000-01-01", "2027-12-01T23:59:59"])))
    assert result.ok, messages(result)
    with app.app_context():
        days = db.session.scalars(select(Order.date).order_by(Order.date)).all()
    assert [str(day) for day in days] == ["2000-01-01", "2027-12-01"]


@pytest.mark.parametrize("value", ["2024-03-01T25:00", "2024-03-01T10:60", "2024-03-01 24:00:00",
                                   "2024-03-01T10:00:61", "2024-03-01T10:00+25:00"])
def test_a_time_that_does_not_exist_is_a_plain_problem(app, tmp_path, value):
    with_influencers(app, tmp_path)
    result = run(app, write(tmp_path, "tracking_data.csv", TRACKING_HEADER + date_rows([value])))
    assert messages(result) == [
        f"tracking_data.csv, line 2, column date: date has a time of day that does not exist; "
        f"write it like 2025-01-31 or 2025-01-31T14:30, not '{value}'."]
    assert count(app, Order) == 0


def test_an_upload_with_year_zero_is_a_report_not_an_error_number(client, auth, fixed_today):
    import io

    auth.login("admin")
    content = (TRACKING_HEADER + date_rows(["0000-01-01"])).encode()
    response = client.post("/data/upload",
                           data={"files": [(io.BytesIO(content), "tracking_data.csv")]},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    errors = response.get_json()["errors"]
    assert [(e["line"], e["column"], e["message"]) for e in errors] == [
        (2, "date", "date must be between 2000-01-01 and 2027-12-01, not '0000-01-01'."),
        (2, "influencer_id", "influencer_id '1' is not in the database or in this upload.")]


def test_docs_state_every_limit_the_importer_enforces():
    from tests.helpers import ROOT

    docs = (ROOT / "docs" / "datasets.md").read_text(encoding="utf-8")
    for dataset, columns in schemas.SCHEMAS.items():
        section = docs.split(f"## {dataset}.csv", 1)[1].split("\n## ", 1)[0]
        for column in columns:
            assert f"`{column.name}`" in section, (dataset, column.name)
            if column.max_length:
                [row] = [line for line in section.splitlines()
                         if line.startswith(f"| `{column.name}`")]
                assert f"at most {column.max_length:,}" in row, (dataset, row)
    limits = docs.split("## Limits", 1)[1]
    for limit in (f"| columns in a file | {reading.MAX_COLUMNS} |",
                  f"{reading.MAX_LINE_BYTES:,} bytes",
                  f"the first {pipeline.MAX_LISTED_PROBLEMS:,} |",
                  f"the first {pipeline.MAX_LISTED_WARNINGS} |",
                  f"{validation.MAX_NUMBER['integer']:,}",
                  f"{validation.MAX_NUMBER['decimal']:,.0f}"):
        assert limit in limits, limit
    assert "../" not in docs
