"""CSV exports: same numbers as the views, formula-safe cells, role and brand checks."""
import csv
import io

import pandas as pd
import pytest

from dashboard import auth
from dashboard.web import exports
from tests.helpers import TINY


def read_csv(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize("text, escaped", [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tleading tab", "'\tleading tab"),
    ("\rleading return", "'\rleading return"),
    ("-12.5", "-12.5"),
    ("+3", "+3"),
    ("1e-5", "1e-5"),
    ("Whey Protein", "Whey Protein"),
    ("", ""),
])
def test_escape_cell(text, escaped):
    assert exports.escape_cell(text) == escaped


def test_safe_csv_keeps_numbers_numeric_and_quotes_formulas():
    frame = pd.DataFrame({"campaign": ["=1+1", "MB_Jan", "-5"], "revenue": [-12.5, 3.0, 0.0],
                          "=header": [1, 2, 3]})
    rows = list(csv.reader(io.StringIO(exports.safe_csv(frame))))
    assert rows[0] == ["campaign", "revenue", "'=header"]
    assert rows[1] == ["'=1+1", "-12.5", "1"]
    assert rows[3] == ["-5", "0.0", "3"]


def test_export_has_the_numbers_of_the_metrics(client, tiny):
    tiny.login("analyst")
    rows = read_csv(client.get("/export/roi/by_platform.csv"))
    with open(TINY / "expected" / "platform.csv", newline="") as handle:
        expected = list(csv.DictReader(handle))
    assert [row["platform"] for row in rows] == [row["platform"] for row in expected]
    for row, want in zip(rows, expected):
        assert float(row["revenue"]) == pytest.approx(float(want["revenue"]), rel=1e-9)
        assert float(row["roas"]) == pytest.approx(float(want["roas"]), rel=1e-9)


def test_export_follows_the_selection_in_the_query(client, tiny):
    tiny.login("analyst")
    rows = read_csv(client.get("/export/overview/kpis.csv?start=2025-02-01&end=2025-02-28"))
    assert float(rows[0]["revenue"]) == 7400


def test_export_of_a_creator_table(client, tiny):
    tiny.login("analyst")
    rows = read_csv(client.get("/export/influencers/creator_payouts.csv?influencer=2"))
    assert rows[0]["basis"] == "order" and float(rows[0]["difference"]) == 0
    assert client.get("/export/influencers/creator_posts.csv?influencer=nobody"
                      ).status_code == 404


def test_export_is_limited_to_the_users_brands(client, tiny):
    tiny.login("manager")
    rows = read_csv(client.get("/export/brands/brands.csv?brand=HKVitals&brand=MuscleBlaze"))
    assert [row["brand"] for row in rows] == ["MuscleBlaze"]
    rows = read_csv(client.get("/export/overview/kpis.csv?brand=HKVitals"))
    assert rows == []


def test_export_permissions(client, tiny, monkeypatch):
    anonymous = client.get("/export/overview/kpis.csv")
    assert anonymous.status_code in (302, 401)
    assert anonymous.mimetype != "text/csv"
    tiny.login("analyst")
    assert client.get("/export/data/anything.csv").status_code == 403
    assert client.get("/export/overview/no_such_table.csv").status_code == 404
    monkeypatch.setitem(auth.ACTION_ROLES, "export", {"admin"})
    refused = client.get("/export/overview/kpis.csv")
    assert refused.status_code == 403
    assert "text/csv" not in refused.content_type


@pytest.mark.parametrize("query", ["start=0001-01-01", "start=0001-01-01&end=0001-02-01",
                                   "end=9999-12-31", "start=2025-02-31", "baseline=9"])
def test_a_bad_value_in_the_link_is_left_out_with_a_note(client, tiny, query):
    tiny.login("analyst")
    for table in ("overview/timeseries", "overview/kpis", "roi/by_platform"):
        response = client.get(f"/export/{table}.csv?{query}")
        assert response.status_code == 200, (table, response.status_code)
        everything = client.get(f"/export/{table}.csv")
        assert response.get_data() == everything.get_data()
        assert "in the link" in response.headers["X-Selection-Notes"]
        assert "X-Selection-Notes" not in everything.headers


def test_selection_notes_header_is_plain_ascii(client, tiny):
    tiny.login("analyst")
    response = client.get("/export/overview/kpis.csv?start=%E2%82%AC%0D%0Ax")
    assert response.status_code == 200
    assert response.headers["X-Selection-Notes"] == (
        "The start date '?\\r\\nx' in the link is not a date like 2025-01-31, so it was "
        "left out.")


def test_a_brand_sent_once_is_one_brand(client, tiny):
    tiny.login("analyst")
    rows = read_csv(client.get("/export/brands/brands.csv?brand=Gritzo"))
    assert [row["brand"] for row in rows] == ["Gritzo"]


def test_roi_exports_are_the_roi_dimensions_of_analytics():
    from dashboard import analytics

    assert set(analytics.ROI_DIMENSIONS) <= set(analytics.DIMENSIONS)
    assert set(exports.TABLES["roi"]) == {
        f"{prefix}{dimension}" for dimension in analytics.ROI_DIMENSIONS
        for prefix in ("by_", "baseline_by_")}
