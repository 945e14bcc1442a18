"""The /plan page: every role opens it within its brands; moves, totals and CSV export."""
import csv
import io
import json

import pytest

from dashboard import demo
from models.influencers import PLATFORMS
from tests.helpers import find, ids_in, route, upload


def update_plan(client, budget=None, brands=(), platforms=(), keep=(), exclude=(),
                maximums=None):
    maximums = maximums or {}
    inputs = [{"id": "plan-budget", "property": "value", "value": budget},
              {"id": "plan-days", "property": "value", "value": 30},
              {"id": "plan-brands", "property": "value", "value": list(brands)},
              {"id": "plan-platforms", "property": "value", "value": list(platforms)},
              {"id": "plan-keep", "property": "value", "value": list(keep)},
              {"id": "plan-exclude", "property": "value", "value": list(exclude)},
              {"id": "plan-widen", "property": "value", "value": 1},
              {"id": "plan-whole-posts", "property": "value", "value": False}]
    inputs += [{"id": f"plan-min-{p}", "property": "value", "value": None} for p in PLATFORMS]
    inputs += [{"id": f"plan-max-{p}", "property": "value", "value": maximums.get(p)}
               for p in PLATFORMS]
    body = {"output": "..plan-body.children...plan-keep.options...plan-exclude.options..",
            "outputs": [{"id": "plan-body", "property": "children"},
                        {"id": "plan-keep", "property": "options"},
                        {"id": "plan-exclude", "property": "options"}],
            "inputs": inputs, "changedPropIds": []}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


@pytest.fixture
def demo_data(app, auth):
    with app.app_context():
        assert not demo.load_demo(scale=6_000, seed=2).errors
    return auth


@pytest.mark.parametrize("role", ["admin", "analyst", "manager"])
def test_every_role_opens_the_planner(client, demo_data, role):
    demo_data.login(role)
    response = route(client, "/plan").get_json()["response"]
    page = response["app-page"]["children"]
    assert find(page, "plan-page") is not None
    assert all(i.startswith("plan-") for i in ids_in(page))
    assert find(response["app-navbar"]["children"], "nav-plan") is not None
    result = update_plan(client)
    body = result["plan-body"]["children"]
    text = json.dumps(body, ensure_ascii=False)
    assert find(body, "plan-total") is not None
    assert find(body, "plan-chart") is not None and find(body, "plan-table") is not None
    assert "Move ₹" in text and "expected (" in text
    assert find(body, "plan-assumptions") is not None
    assert find(body, "plan-backtest") is not None
    assert "/export/plan/plan.csv" in text


def test_manager_plans_only_their_brands_creators(app, client, demo_data):
    demo_data.login("manager")
    options = update_plan(client)["plan-keep"]["options"]
    mine = {option["value"] for option in options}
    demo_data.logout()
    demo_data.login("admin")
    every = {option["value"] for option in update_plan(client)["plan-keep"]["options"]}
    assert mine < every
    muscleblaze = update_plan(client, brands=["MuscleBlaze"])["plan-keep"]["options"]
    admin_muscleblaze = {option["value"] for option in muscleblaze}
    assert mine == admin_muscleblaze


def test_plan_csv_export_follows_role_and_scope(client, demo_data):
    demo_data.login("manager")
    response = client.get("/export/plan/plan.csv?budget=100000&days=30")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows and sum(float(row["planned_spend"]) for row in rows) <= 100_000
    demo_data.logout()
    demo_data.login("admin")
    response = client.get("/export/plan/plan.csv?budget=100000&days=30&brand=MuscleBlaze")
    admin_rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["influencer_id"] for row in rows] == \
        [row["influencer_id"] for row in admin_rows]
    demo_data.logout()
    assert client.get("/export/plan/plan.csv?budget=100000").status_code in (302, 401)


def test_a_platform_limit_and_an_impossible_keep_are_explained(client, demo_data):
    demo_data.login("analyst")
    body = update_plan(client, budget=50_000, maximums={"Instagram": 0})["plan-body"]
    rows = find(body, "plan-table")["props"]["rowData"]
    assert all(row["planned_spend"] == 0 for row in rows if row["platform"] == "Instagram")
    options = update_plan(client)["plan-keep"]["options"]
    body = update_plan(client, budget=1, keep=[o["value"] for o in options])["plan-body"]
    assert "cost more than the budget" in json.dumps(body)


def test_performers_on_the_planner_are_labelled_and_keep_the_raw_score(client, demo_data):
    demo_data.login("analyst")
    body = update_plan(client)["plan-body"]["children"]
    top = find(body, "plan-top")["props"]
    headers = [column["headerName"] for column in top["columnDefs"]]
    assert "Extra sales per ₹1 (planner, shrunk)" in headers
    assert "Performance score (raw, 0–100)" in headers
    shrunk = [row["shrunk_return"] for row in top["rowData"]]
    assert shrunk == sorted(shrunk, reverse=True)


def test_an_upload_commit_fits_the_planner_for_every_scope_in_use(
        app, client, demo_data, monkeypatch):
    from dashboard import analytics
    from dashboard.analytics import planner

    one_order = (b"source,campaign,influencer_id,user_id,product,brand,date,orders,revenue\n"
                 b"instagram,MB_2025_12,INF00001,u9,Whey Protein,MuscleBlaze,2025-12-01,2,"
                 b"4000\n")

    fitted = []
    real_fit = planner.planner_fit.fit_curves

    def counted_fit(*args, **kwargs):
        fitted.append(kwargs.get("as_of"))
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(planner.planner_fit, "fit_curves", counted_fit)
    demo_data.login("admin")
    report = upload(client, ("tracking_data.csv", one_order)).get_json()
    assert client.post("/data/commit", json={"token": report["token"]}).status_code == 200
    # Everyone (admin and analyst) and the manager's brand: the fit and the backtest's fit.
    assert len(fitted) == 4
    with app.app_context():
        planner.fitted_curves(analytics.Selection(), frozenset({"MuscleBlaze"}))
    assert len(fitted) == 4
