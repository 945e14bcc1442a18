"""The JSON API: the CLI's rows within the token owner's scope, bearer-only access, plain
400s, the per-token rate limit, an audit line per call, and the OpenAPI document."""
import csv
import io
import json
import math

import pytest
from sqlalchemy import select

from dashboard import audit, auth, tokens, users
from dashboard.extensions import db
from models import ApiToken
from tests.helpers import create_users, make_test_app

# API query -> the `dashboard metrics` arguments that must print the same rows.
METRICS_QUERIES = [
    ("by=overall", ["--by", "overall"]),
    ("by=brand", ["--by", "brand"]),
    ("by=influencer&start=2025-02-01&end=2025-02-28",
     ["--by", "influencer", "--start", "2025-02-01", "--end", "2025-02-28"]),
    ("by=platform&brand=HKVitals", ["--by", "platform", "--brand", "HKVitals"]),
    ("by=influencer&platform=Instagram&baseline=0.3",
     ["--by", "influencer", "--platform", "Instagram", "--baseline", "0.3"]),
    ("by=month&category=Fitness&tier=micro&tier=mega",
     ["--by", "month", "--category", "Fitness", "--tier", "micro", "--tier", "mega"]),
    ("by=campaign", ["--by", "campaign"]),
]


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def make_token(app, username):
    with app.app_context():
        return tokens.create_token(username).secret


def cli_json(app, *arguments):
    result = app.test_cli_runner().invoke(args=[*arguments, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def analyst_token(app, tiny):
    return make_token(app, "analyst")


@pytest.mark.parametrize("query, arguments", METRICS_QUERIES)
def test_metrics_rows_equal_the_cli_s(app, client, analyst_token, query, arguments):
    response = client.get(f"/api/v1/metrics?{query}", headers=bearer(analyst_token))
    assert response.status_code == 200, response.get_data(as_text=True)
    expected = cli_json(app, "metrics", *arguments)
    assert expected, "the query should have rows on the tiny data"
    assert response.get_json() == expected


def same_rows(csv_text, json_rows):
    """The rows of a CSV export and of the API hold the same values (empty cell = null)."""
    exported = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(exported) == len(json_rows)
    for exported_row, json_row in zip(exported, json_rows):
        assert set(exported_row) == set(json_row)
        for column, cell in exported_row.items():
            value = json_row[column]
            if cell == "":
                assert value is None, column
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                assert math.isclose(float(cell), value, rel_tol=1e-12), column
            else:
                assert cell == str(value), column


def test_a_manager_token_sees_what_the_manager_sees_on_the_dashboard(app, client, tiny):
    secret = make_token(app, "manager")
    rows = client.get("/api/v1/metrics?by=brand", headers=bearer(secret)).get_json()
    assert [row["brand"] for row in rows] == ["MuscleBlaze"]
    assert rows == cli_json(app, "metrics", "--by", "brand", "--brand", "MuscleBlaze")
    by_platform = client.get("/api/v1/metrics?by=platform", headers=bearer(secret)).get_json()
    tiny.login("manager")
    # The scope also hides unbranded posts of creators with no business in the manager's
    # brands (docs/metrics.md), so the reference is the manager's own export, not the CLI.
    same_rows(client.get("/export/roi/by_platform.csv").get_data(as_text=True), by_platform)
    assert by_platform != cli_json(app, "metrics", "--by", "platform"), "scope had no effect"
    # A brand outside the scope is left out, as on the dashboard: no rows, not its numbers.
    outside = client.get("/api/v1/metrics?by=platform&brand=HKVitals", headers=bearer(secret))
    assert outside.status_code == 200 and outside.get_json() == []
    tiny.logout()


def test_a_scope_change_applies_to_the_next_call(app, client, tiny):
    secret = make_token(app, "manager")
    with app.app_context():
        users.set_brands("manager", ["MuscleBlaze", "HKVitals"], actor="admin")
    rows = client.get("/api/v1/metrics?by=brand", headers=bearer(secret)).get_json()
    assert sorted(row["brand"] for row in rows) == ["HKVitals", "MuscleBlaze"]


def test_plan_equals_the_cli_s_plan(app, client, analyst_token):
    response = client.get("/api/v1/plan?budget=50000&days=30", headers=bearer(analyst_token))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == cli_json(app, "plan", "--budget", "50000", "--days", "30")


def test_insights_carry_every_table_of_the_view_within_scope(app, client, tiny):
    from dashboard.web.exports import TABLES

    secret = make_token(app, "manager")
    body = client.get("/api/v1/insights", headers=bearer(secret)).get_json()
    assert set(body) == set(TABLES["insights"])
    tiny.login("manager")
    for table in ("top_performers", "platforms", "recommendations"):
        exported = list(csv.DictReader(io.StringIO(
            client.get(f"/export/insights/{table}.csv").get_data(as_text=True))))
        assert len(body[table]) == len(exported), table
    brands = {row["brand"] for row in cli_json(app, "metrics", "--by", "brand")}
    assert brands - {"MuscleBlaze"}, "the tiny data should hold other brands"
    assert body["top_performers"] and all(
        row.get("brand", "MuscleBlaze") == "MuscleBlaze" for row in body["top_performers"])


# ---- bearer only ------------------------------------------------------------------------------

def test_a_signed_in_browser_without_a_token_gets_401_and_other_pages_are_unchanged(client, tiny):
    tiny.login("admin")
    response = client.get("/api/v1/metrics?by=brand")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "Set-Cookie" not in response.headers
    assert client.get("/overview").status_code == 200
    assert client.get("/export/brands/brands.csv").status_code == 200
    tiny.logout()
    assert client.get("/overview").status_code == 302
    assert client.get("/export/brands/brands.csv").status_code == 302


def test_a_token_call_with_a_session_cookie_is_the_token_s_owner_and_sets_no_cookie(app, client,
                                                                                    tiny):
    secret = make_token(app, "manager")
    tiny.login("admin")
    response = client.get("/api/v1/metrics?by=brand", headers=bearer(secret))
    assert [row["brand"] for row in response.get_json()] == ["MuscleBlaze"]
    assert "Set-Cookie" not in response.headers


def test_a_role_that_may_not_read_an_endpoint_gets_403(app, client, analyst_token, monkeypatch):
    monkeypatch.setitem(auth.API_VIEWS, "metrics", "data")
    response = client.get("/api/v1/metrics?by=brand", headers=bearer(analyst_token))
    assert response.status_code == 403 and "analyst" in response.get_json()["error"]


# ---- bad parameters --------------------------------------------------------------------------

@pytest.mark.parametrize("path, parameter, words", [
    ("/api/v1/metrics", "by", "'by' is missing"),
    ("/api/v1/metrics?by=colour", "by", "should be one of overall"),
    ("/api/v1/metrics?by=brand&by=tier", "by", "once, not 2 times"),
    ("/api/v1/metrics?by=brand&brnad=X", "brnad", "no parameter 'brnad'"),
    ("/api/v1/metrics?by=brand&start=2025-02-30", "start", "'2025-02-30'"),
    ("/api/v1/metrics?by=brand&start=2025-03-01&end=2025-02-01", "end", "before the start"),
    ("/api/v1/metrics?by=brand&baseline=0.9", "baseline", "not between 0% and 50%"),
    ("/api/v1/insights?baseline=abc", "baseline", "'abc'"),
    ("/api/v1/plan?budget=-5", "budget", "at least 0"),
    ("/api/v1/plan?days=3", "days", "from 7 to 92"),
    ("/api/v1/plan?days=10.5", "days", "a whole number"),
    ("/api/v1/plan?platform_min=Instagram", "platform_min", "Instagram=50000"),
    ("/api/v1/plan?whole_posts=yes", "whole_posts", "is 1"),
])
def test_bad_parameters_are_a_400_naming_the_parameter(client, analyst_token, path, parameter,
                                                       words):
    response = client.get(path, headers=bearer(analyst_token))
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == parameter and words in body["error"], body


# ---- rate limit and audit --------------------------------------------------------------------

def test_calls_over_the_limit_get_429_with_retry_after_per_token(sqlite_url, tmp_path):
    app = make_test_app(sqlite_url, tmp_path, API_RATE_LIMIT="2/minute")
    create_users(app)
    first, second = make_token(app, "analyst"), make_token(app, "manager")
    client = app.test_client()
    path = "/api/v1/metrics?by=overall"
    assert [client.get(path, headers=bearer(first)).status_code for _ in range(2)] == [200, 200]
    refused = client.get(path, headers=bearer(first))
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert "2/minute" in refused.get_json()["error"]
    # The limit is shared by the endpoints of one token, and not by other tokens.
    assert client.get("/api/v1/insights", headers=bearer(first)).status_code == 429
    assert client.get(path, headers=bearer(second)).status_code == 200
    app.extensions["database_engine"].dispose()


def test_every_call_is_audited_and_marks_the_token_used(app, client, analyst_token):
    client.get("/api/v1/metrics?by=brand", headers=bearer(analyst_token))
    client.get("/api/v1/metrics?by=nothing", headers=bearer(analyst_token))
    client.get("/api/v1/metrics?by=brand", headers=bearer("roi_000000000000_wrong"))
    with app.app_context():
        assert audit.write_waiting()
        calls = audit.latest_events("api_call")
        refused = audit.latest_events("api_refused")
        token = db.session.scalar(select(ApiToken))
    assert [(line.username, line.detail.split(" (token")[0]) for line in reversed(calls)] == [
        ("analyst", "GET /api/v1/metrics?by=brand -> 200"),
        ("analyst", "GET /api/v1/metrics?by=nothing -> 400")]
    assert len(refused) == 1 and refused[0].username is None
    assert "-> 401" in refused[0].detail and "not known" in refused[0].detail
    assert token.last_used_at is not None


# ---- the OpenAPI document --------------------------------------------------------------------

def test_openapi_document_is_valid_public_and_describes_every_route(sqlite_app):
    from openapi_spec_validator import validate

    from dashboard.web.api import ENDPOINT_PARAMETERS

    response = sqlite_app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    routes = {rule.rule.removeprefix("/api/v1") for rule in sqlite_app.url_map.iter_rules()
              if rule.endpoint.startswith("api.")}
    assert routes == set(document["paths"])
    for name, parameters in ENDPOINT_PARAMETERS.items():
        operation = document["paths"][f"/{name}"]["get"]
        assert [p["name"] for p in operation["parameters"]] == list(parameters)
        assert {"200", "400", "401", "403", "429"} <= set(operation["responses"])
    assert document["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
