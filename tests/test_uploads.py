"""Data uploads: stream, dry-run report with line and column, size limit, roles, commit."""
import hashlib
import io
import os
import re

import flask
import pytest
from sqlalchemy import func, select

from dashboard import analytics
from dashboard.web import uploads
from dashboard.extensions import db
from models import Order
from tests.helpers import (PASSWORDS, AuthActions, create_users, import_tiny, make_test_app,
                           upload)

BAD_TRACKING = (b"source,campaign,influencer_id,user_id,product,brand,date,orders,revenue\n"
                b"instagram,MB_Mar,1,u9,Whey Protein,MuscleBlaze,2025-03-01,2,4000\n"
                b"instagram,MB_Mar,1,u10,Whey Protein,MuscleBlaze,2025-03-02,two,4000\n")
GOOD_TRACKING = (b"source,campaign,influencer_id,user_id,product,brand,date,orders,revenue\n"
                 b"instagram,MB_Mar,1,u9,Whey Protein,MuscleBlaze,2025-03-01,2,4000\n")


@pytest.fixture
def admin(tiny):
    tiny.login("admin")
    return tiny


def test_good_file_dry_run_reports_counts_and_writes_nothing(app, client, admin):
    response = upload(client, ("tracking_data.csv", GOOD_TRACKING))
    report = response.get_json()
    assert response.status_code == 200 and report["ok"] and report["dry_run"]
    assert report["files"][0]["dataset"] == "tracking_data"
    assert (report["files"][0]["rows"], report["files"][0]["new"]) == (1, 1)
    assert "Nothing is saved" in report["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 7
    stored = os.listdir(os.path.join(app.instance_path, "uploads", "pending", report["token"]))
    assert "00-tracking_data.csv" in stored


def test_bad_file_reports_line_and_column(client, admin):
    report = upload(client, ("tracking_data.csv", BAD_TRACKING)).get_json()
    assert not report["ok"]
    problem = report["errors"][0]
    assert (problem["line"], problem["column"]) == (3, "orders")
    problems = client.get(f"/data/problems/{report['token']}.csv")
    assert problems.status_code == 200
    assert "tracking_data.csv,3,orders," in problems.get_data(as_text=True)
    assert client.post("/data/commit", json={"token": report["token"]}).status_code == 422


def test_commit_imports_and_views_see_it_at_once(app, client, admin):
    with app.app_context():
        before = analytics.metrics(analytics.Selection(), "overall", scope=None).iloc[0]
    report = upload(client, ("tracking_data.csv", GOOD_TRACKING)).get_json()
    committed = client.post("/data/commit", json={"token": report["token"]})
    assert committed.status_code == 200, committed.get_json()
    assert committed.get_json()["files"][0]["batch_id"] is not None
    with app.app_context():
        after = analytics.metrics(analytics.Selection(), "overall", scope=None).iloc[0]
        history = uploads.import_history()
    assert after["revenue"] == before["revenue"] + 4000
    assert history[0].file_name == "tracking_data.csv" and history[0].status == "committed"
    again = client.post("/data/commit", json={"token": report["token"]})
    assert again.status_code == 409
    assert client.post("/data/commit", json={"token": "../../etc"}).status_code == 404


def test_a_commit_warms_up_in_a_process_of_its_own_unless_told_to_wait(app, client, admin,
                                                                      monkeypatch):
    started, warmed = [], []
    monkeypatch.setattr(uploads, "start_warm_process", started.append)
    monkeypatch.setattr(uploads, "_warm_planner", lambda: warmed.append(True))
    app.config["WARM_AFTER_IMPORT"] = "background"
    report = upload(client, ("tracking_data.csv", GOOD_TRACKING)).get_json()
    assert client.post("/data/commit", json={"token": report["token"]}).status_code == 200
    assert started == [app.instance_path] and not warmed
    with app.app_context():
        # The numbers are there before the warm-up: computed on demand.
        assert analytics.metrics(analytics.Selection(), "overall",
                                 scope=None).iloc[0]["orders"] > 0
    app.config["WARM_AFTER_IMPORT"] = "wait"
    second = GOOD_TRACKING.replace(b"u9,", b"u11,")
    report = upload(client, ("tracking_data.csv", second)).get_json()
    assert client.post("/data/commit", json={"token": report["token"]}).status_code == 200
    assert started == [app.instance_path] and warmed == [True]


def test_oversize_upload_is_refused_with_the_limit(sqlite_url, tmp_path):
    app = make_test_app(sqlite_url, tmp_path, MAX_UPLOAD_MB=1)
    create_users(app)
    client = app.test_client()
    AuthActions(client).login("admin")
    response = upload(client, ("tracking_data.csv", GOOD_TRACKING + b"x" * (1024 * 1024)))
    assert response.status_code == 413
    assert "the limit is 1 MB" in response.get_json()["error"]


def test_non_admin_is_refused(client, auth):
    auth.login("analyst")
    assert upload(client, ("tracking_data.csv", GOOD_TRACKING)).status_code == 403
    assert client.post("/data/commit", json={"token": "x" * 32}).status_code == 403
    assert client.get("/data/templates/posts.csv").status_code == 403


def test_anonymous_is_refused(client):
    response = upload(client, ("tracking_data.csv", GOOD_TRACKING))
    assert response.status_code == 401


def test_templates_carry_the_dataset_headers(client, admin):
    response = client.get("/data/templates/payouts.csv")
    assert response.get_data(as_text=True).strip() == (
        "influencer_id,basis,rate,orders,total_payout")
    assert client.get("/data/templates/nothing.csv").status_code == 404


def test_file_names_map_to_datasets():
    assert uploads.dataset_for("tracking_data (2).csv") == "tracking_data"
    assert uploads.dataset_for("Influencers-March.CSV") == "influencers"
    assert uploads.dataset_for("orders.csv") is None
    assert uploads.dataset_for("influencers-example.csv") is None


def test_example_file_marks_required_columns_and_has_one_made_up_row(client, admin):
    response = client.get("/data/templates/posts-example.csv")
    assert response.status_code == 200
    assert 'filename="posts-example.csv"' in response.headers["Content-Disposition"]
    header, marks, example = response.get_data(as_text=True).strip().split("\r\n")
    columns = header.split(",")
    assert columns[:3] == ["post_id", "influencer_id", "platform"]
    marked = dict(zip(columns, marks.split(",")))
    assert marked["post_id"] == "optional" and marked["influencer_id"] == "required"
    assert marked["caption"] == "optional" and marked["url"] == "required"
    assert example.startswith("P0000123,INF00042,Instagram,2026-11-03,")
    assert client.get("/data/templates/nothing-example.csv").status_code == 404


def test_a_template_filled_in_as_documented_imports(client, admin):
    """The template's header and rows below it, nothing deleted: the dry run accepts it."""
    header = client.get("/data/templates/tracking_data.csv").get_data()
    response = upload(client, ("tracking_data.csv", header + (
        b"instagram,MB_Mar,1,u9,Whey Protein,MuscleBlaze,2025-03-01,2,4000\r\n")))
    report = response.get_json()
    assert response.status_code == 200 and report["ok"], report
    assert report["files"][0]["rows"] == 1


@pytest.mark.parametrize("name, words", [
    ("orders.csv", "Rename the file to influencers.csv, posts.csv, tracking_data.csv"),
    ("tracking_data-example.csv", "is an example file"),
])
def test_a_file_name_the_page_cannot_place_says_what_to_do_on_the_page(client, admin, name,
                                                                         words):
    response = upload(client, (name, GOOD_TRACKING))
    report = response.get_json()
    assert not report["ok"]
    message = " ".join(error["message"] for error in report["errors"])
    assert words in message, message
    assert "--dataset" not in message and "drop it here" in message


def test_commit_runs_as_a_background_job(sqlite_app):
    """The data page commits through a background job, never inside a web request."""
    callback_map = sqlite_app.extensions["dash_app"].callback_map
    commit = [spec for output, spec in callback_map.items() if "data-commit-result.data" in output]
    assert len(commit) == 1
    assert commit[0].get("background")


def test_upload_is_written_once_straight_to_its_folder(app, client, admin, monkeypatch):
    def spooled(*_arguments, **_options):
        raise AssertionError("the upload went through Werkzeug's temporary files")

    monkeypatch.setattr(flask.Request, "_get_file_stream", spooled)
    other = b"influencer_id,name,category,follower_count,platform\n"
    response = client.post("/data/upload", content_type="multipart/form-data", data={
        "files": [(io.BytesIO(GOOD_TRACKING), "tracking_data.csv")],
        "note": (io.BytesIO(other), "not-an-upload.csv")})
    report = response.get_json()
    assert response.status_code == 200 and report["ok"], report
    folder = os.path.join(app.instance_path, "uploads", "pending", report["token"])
    with open(os.path.join(folder, "00-tracking_data.csv"), "rb") as handle:
        assert handle.read() == GOOD_TRACKING
    assert report["files"][0]["sha256"] == hashlib.sha256(GOOD_TRACKING).hexdigest()
    # A file sent under another field name is not an upload and is not kept.
    assert sorted(os.listdir(folder)) == ["00-tracking_data.csv", "manifest.json",
                                          "report.json"]


def test_upload_needs_the_csrf_header_before_its_body_is_read(sqlite_url, tmp_path):
    app = make_test_app(sqlite_url, tmp_path, WTF_CSRF_ENABLED=True)
    import_tiny(app)
    create_users(app)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "admin", "password": PASSWORDS["admin"],
                                "csrf_token": token})
    data = {"files": [(io.BytesIO(GOOD_TRACKING), "tracking_data.csv")]}
    refused = client.post("/data/upload", data=data, content_type="multipart/form-data")
    assert refused.status_code == 400 and "security token" in refused.get_json()["error"]
    assert not os.path.isdir(os.path.join(app.instance_path, "uploads", "pending")) or \
        not os.listdir(os.path.join(app.instance_path, "uploads", "pending"))
    header = {"X-CSRFToken": client.get_cookie("_csrf_token").value}
    # Over HTTPS the request must also come from a page of this site, as Flask-WTF checks.
    data = {"files": [(io.BytesIO(GOOD_TRACKING), "tracking_data.csv")]}
    elsewhere = client.post("/data/upload", data=data, content_type="multipart/form-data",
                            base_url="https://localhost",
                            headers={**header, "Referer": "https://evil.example/"})
    assert elsewhere.status_code == 400
    data = {"files": [(io.BytesIO(GOOD_TRACKING), "tracking_data.csv")]}
    accepted = client.post("/data/upload", data=data, content_type="multipart/form-data",
                           headers=header)
    assert accepted.status_code == 200 and accepted.get_json()["ok"]
