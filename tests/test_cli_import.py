"""`dashboard import`: exit 0 when committed, 1 with one problem per line, 2 for a bad call."""
import os
import subprocess

from sqlalchemy import func, select

from dashboard import analytics
from dashboard.analytics import planner, planner_fit
from dashboard.extensions import db
from models import Order
from tests.helpers import TINY, WriteLockHolder


def orders_stored(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Order.id)))


def test_import_folder_commits(app, runner):
    result = runner.invoke(args=["import", str(TINY)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "influencers.csv (influencers): 4 rows: 4 new, 0 updated, 0 unchanged.",
        "posts.csv (posts): 4 rows: 4 new, 0 updated, 0 unchanged.",
        "tracking_data.csv (tracking_data): 7 rows: 7 new, 0 updated, 0 unchanged.",
        "payouts.csv (payouts): 4 rows: 4 new, 0 updated, 0 unchanged.",
        "Import committed.",
        "Fitting the budget planner for the new data ...",
        "Budget planner ready.",
    ]
    assert orders_stored(app) == 7


def test_import_leaves_the_planner_fitted_for_the_new_data(app, runner, monkeypatch):
    assert runner.invoke(args=["import", str(TINY)]).exit_code == 0

    def no_fitting(*_args, **_kwargs):
        raise AssertionError("the curves were fitted again, not read from the cache")

    monkeypatch.setattr(planner_fit, "fit_curves", no_fitting)
    with app.app_context():
        curves = planner.fitted_curves(analytics.Selection(), None)
    assert sorted(curves["influencer_id"]) == ["1", "2", "3", "4"]


def test_a_failed_planner_fit_does_not_fail_the_import(app, runner, monkeypatch):
    def broken():
        raise RuntimeError("out of memory")

    monkeypatch.setattr(planner, "warm_after_import", broken)
    result = runner.invoke(args=["import", str(TINY)])
    assert result.exit_code == 0, result.output
    assert "Import committed." in result.stdout.splitlines()
    assert "could not be fitted now (out of memory)" in result.stderr
    assert orders_stored(app) == 7


def test_by_default_the_warm_up_runs_in_a_process_of_its_own(app, runner, monkeypatch):
    started = []

    class FakeProcess:
        pid = 4242

        def __init__(self, command, **options):
            started.append((command, options))

    monkeypatch.setattr(subprocess, "Popen", FakeProcess)
    app.config["WARM_AFTER_IMPORT"] = "background"
    result = runner.invoke(args=["import", str(TINY)])
    assert result.exit_code == 0, result.output
    [(command, options)] = started
    # At lower priority than the requests of people using the dashboard meanwhile, once
    # the snapshot they wait for is built (tests/test_warmup.py).
    assert command[-2:] == ["warm", "--lower-priority"] and options["start_new_session"]
    log = os.path.join(app.instance_path, "warm-after-import.log")
    assert result.stdout.splitlines()[-1] == (
        "Computing the first views and fitting the budget planner in the background "
        f"(process 4242, log {log}).")
    assert os.path.exists(log)
    assert orders_stored(app) == 7


def test_warm_no_then_dashboard_warm_fits_the_planner(app, runner, monkeypatch):
    result = runner.invoke(args=["import", "--warm", "no", str(TINY)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "Import committed."
    warmed = runner.invoke(args=["warm"])
    assert warmed.exit_code == 0, warmed.output
    assert warmed.stdout.splitlines()[-1] == "Budget planner ready."

    def no_fitting(*_args, **_kwargs):
        raise AssertionError("the curves were fitted again, not read from the cache")

    monkeypatch.setattr(planner_fit, "fit_curves", no_fitting)
    with app.app_context():
        curves = planner.fitted_curves(analytics.Selection(), None)
    assert sorted(curves["influencer_id"]) == ["1", "2", "3", "4"]


def test_an_unknown_warm_setting_is_a_usage_error(app, runner):
    app.config["WARM_AFTER_IMPORT"] = "later"
    result = runner.invoke(args=["import", str(TINY)])
    assert result.exit_code == 2
    assert "WARM_AFTER_IMPORT is 'later'" in result.output


def test_dry_run_writes_nothing(app, runner):
    result = runner.invoke(args=["import", "--dry-run", str(TINY)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "Dry run: nothing was written."
    assert orders_stored(app) == 0


def test_problems_exit_1_one_per_line(app, runner, tmp_path):
    path = tmp_path / "payouts.csv"
    path.write_text("influencer_id,basis,rate,total_payout\n9,post,x,1\n")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "payouts.csv, line 2, column rate: rate must be a number of 0 or more, not 'x'.",
        "payouts.csv, line 2, column influencer_id: influencer_id '9' is not in the database "
        "or in this upload.",
        "Nothing was imported: 2 problem(s) found.",
    ]


def test_bad_calls_exit_2(app, runner, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("influencer_id,name,category,follower_count,platform\n1,A,B,5,Instagram\n")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 2
    assert "Cannot tell which dataset export.csv holds" in result.stderr
    result = runner.invoke(args=["import", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2
    named = runner.invoke(args=["import", "--dataset", "influencers", str(path)])
    assert named.exit_code == 0, named.output


def test_refused_while_another_import_runs_exit_1_in_plain_words(
        database_url, app_that_waits_briefly_for_locks):
    app = app_that_waits_briefly_for_locks
    holder = WriteLockHolder(database_url)
    try:
        result = app.test_cli_runner().invoke(args=["import", str(TINY)])
    finally:
        holder.rollback()
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.splitlines() == [
        "Another import is running. Try again when it has finished.",
        "Nothing was imported: 1 problem(s) found.",
    ]
    assert orders_stored(app) == 0
    app.extensions["database_engine"].dispose()


def test_year_zero_is_a_problem_at_its_line_not_a_traceback(app, runner, tmp_path):
    (tmp_path / "influencers.csv").write_text(
        "influencer_id,name,category,follower_count,platform\n1,A,B,5,Instagram\n")
    (tmp_path / "tracking_data.csv").write_text(
        "source,campaign,influencer_id,user_id,product,brand,date,orders,revenue\n"
        "instagram,X,1,u1,Whey,MuscleBlaze,0000-01-01,1,100\n")
    result = runner.invoke(args=["import", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.splitlines()[0].startswith(
        "tracking_data.csv, line 2, column date: date must be between 2000-01-01 and ")
    assert orders_stored(app) == 0
