"""`dashboard metrics` reproduces every expected file of the tiny fixture, on each backend."""
import csv
import io
import math

import pytest

from tests.helpers import TINY, import_tiny

EXPECTED = TINY / "expected"
# expected file -> the metrics command's arguments (expected/README.md).
QUERIES = {
    "overall": ["--by", "overall"],
    "influencer": ["--by", "influencer"],
    "brand": ["--by", "brand"],
    "platform": ["--by", "platform"],
    "category": ["--by", "category"],
    "tier": ["--by", "tier"],
    "month": ["--by", "month"],
    "campaign": ["--by", "campaign"],
    "overall_feb": ["--by", "overall", "--start", "2025-02-01", "--end", "2025-02-28"],
    "influencer_feb": ["--by", "influencer", "--start", "2025-02-01", "--end", "2025-02-28"],
    "platform_hkvitals": ["--by", "platform", "--brand", "HKVitals"],
    "influencer_instagram_b30": ["--by", "influencer", "--platform", "Instagram",
                                 "--baseline", "0.3"],
}


def read_rows(text):
    return list(csv.reader(io.StringIO(text)))


def assert_same_cell(expected, actual, where):
    if expected == "":
        assert actual == "", f"{where}: expected an empty cell (null), got {actual!r}"
        return
    try:
        number = float(expected)
    except ValueError:
        assert actual == expected, f"{where}: expected {expected!r}, got {actual!r}"
        return
    assert actual != "", f"{where}: expected {expected}, got an empty cell"
    assert math.isclose(float(actual), number, rel_tol=1e-9, abs_tol=1e-12), (
        f"{where}: expected {expected}, got {actual}")


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_metrics_command_reproduces_expected_file(app, name):
    import_tiny(app)
    result = app.test_cli_runner().invoke(args=["metrics", *QUERIES[name]])
    assert result.exit_code == 0, result.output
    expected = read_rows((EXPECTED / f"{name}.csv").read_text())
    actual = read_rows(result.output)
    assert actual[0] == expected[0], f"{name}: columns differ"
    assert len(actual) == len(expected), (
        f"{name}: {len(actual) - 1} rows, expected {len(expected) - 1}")
    for line, (expected_row, actual_row) in enumerate(zip(expected[1:], actual[1:]), start=2):
        for column, expected_cell, actual_cell in zip(expected[0], expected_row, actual_row):
            assert_same_cell(expected_cell, actual_cell, f"{name}.csv line {line} {column}")


def test_every_expected_file_has_a_query():
    assert {path.stem for path in EXPECTED.glob("*.csv")} == set(QUERIES)


def test_metrics_command_json_uses_null(sqlite_app):
    import json

    import_tiny(sqlite_app)
    result = sqlite_app.test_cli_runner().invoke(
        args=["metrics", "--by", "platform", "--brand", "HKVitals", "--format", "json"])
    assert result.exit_code == 0, result.output
    youtube = [row for row in json.loads(result.output) if row["platform"] == "YouTube"][0]
    assert youtube["roas"] is None and youtube["posts"] == 1


def test_metrics_command_offers_exactly_the_dimensions_analytics_groups_by():
    from dashboard import analytics, cli

    by = next(option for option in cli.metrics_command.params if option.name == "dimension")
    assert list(by.type.choices) == list(analytics.DIMENSIONS)
    baseline = next(option for option in cli.metrics_command.params
                    if option.name == "baseline")
    assert f"{analytics.DEFAULT_BASELINE:.2f}" in baseline.help
