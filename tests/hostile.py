"""The tiny data set with imported text that tries to become markup: links in names and ids."""
import csv

from tests.helpers import TINY

# Plotly draws <a href> in chart text; markdown turns [text](url) into a link.
NAME = '<a href="https://evil.example/">Asha</a>'
CATEGORY = '<a href="https://evil.example/">Lifestyle</a>'
INFLUENCER_ID = "X)[phish](https://evil.example/"
# Which creator of the tiny set gets which hostile value.
RENAMED, CATEGORISED, REKEYED = "1", "4", "3"


def write_hostile_copy(folder):
    """tests/fixtures/tiny copied to `folder`, with the hostile name, category and id."""
    for source in TINY.glob("*.csv"):
        with open(source, newline="") as handle:
            reader = csv.DictReader(handle)
            fields, rows = reader.fieldnames, list(reader)
        key = "ID" if "ID" in fields else "influencer_id"
        for row in rows:
            if source.name == "influencers.csv" and row[key] == RENAMED:
                row["name"] = NAME
            if source.name == "influencers.csv" and row[key] == CATEGORISED:
                row["category"] = CATEGORY
            if row.get(key) == REKEYED:
                row[key] = INFLUENCER_ID
        with open(folder / source.name, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
    return folder


def import_hostile(app, folder):
    from dashboard import importing

    with app.app_context():
        result = importing.import_paths([str(write_hostile_copy(folder))],
                                        limits=importing.ImportLimits.from_app(app),
                                        username="test")
    assert not result.errors, [str(error) for error in result.errors]
    return result
