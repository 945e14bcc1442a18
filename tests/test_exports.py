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
    # Exports round: money to 2 decimals, ratios to 4 (README, "Exports").
    for row, want in zip(rows, expected):
        assert float(row["revenue"]) == pytest.approx(float(want["revenue"]), abs=0.005)
        assert float(row["roas"]) == pytest.approx(float(want["roas"]), abs=0.00005)


def decimals(text):
    return len(text.partition(".")[2]) if text else 0


def test_export_rounds_money_to_2_and_ratios_to_4_decimals(client, tiny):
    tiny.login("analyst")
    rows = read_csv(client.get("/export/roi/by_influencer.csv"))
    assert rows
    for row in rows:
        for column in ("revenue", "spend", "cpo", "aov"):
            assert decimals(row[column]) <= 2, (column, row[column])
        for column in ("roas", "incremental_roas", "performance_score"):
            assert decimals(row[column]) <= 4, (column, row[column])
    assert any(decimals(row["roas"]) > 2 for row in rows), "ratios keep 4 decimals"


def test_export_puts_the_screens_columns_first_in_the_screens_order(client, tiny):
    from dashboard import tables
    tiny.login("analyst")
    response = client.get("/export/roi/by_influencer.csv")
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True))))
    # On screen the name carries the id; the file gives the id its own column beside it.
    assert header[:2] == ["name", "influencer_id"]
    assert header[2:2 + len(tables.ROI_COLUMNS)] == tables.ROI_COLUMNS
    response = client.get("/export/overview/top_campaigns.csv")
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert header[:len(tables.TOP_CAMPAIGN_COLUMNS)] == tables.TOP_CAMPAIGN_COLUMNS


@pytest.mark.parametrize("path, name", [
    ("/export/roi/by_influencer.csv?start=2025-01-01&end=2025-01-31",
     "roi_by-creator_2025-01-01_to_2025-01-31.csv"),
    ("/export/overview/top_campaigns.csv", "overview_top-campaigns_all-dates.csv"),
    ("/export/roi/by_platform.csv?start=2025-02-01", "roi_by-platform_from_2025-02-01.csv"),
    ("/export/influencers/creator_posts.csv?influencer=2&end=2025-03-31",
     "influencers_creator-posts_2_up_to_2025-03-31.csv"),
])
def test_export_file_name_says_the_view_table_and_dates(client, tiny, path, name):
    tiny.login("analyst")
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'


def test_top_campaigns_leave_out_campaigns_without_revenue(client, tiny):
    tiny.login("analyst")
    rows = read_csv(client.get("/export/overview/top_campaigns.csv"))
    assert rows and all(float(row["revenue"]) > 0 for row in rows)


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
