"""The four datasets: their files, columns, aliases and text limits, defined once."""
from dataclasses import dataclass

# Dependency order: a file may refer to rows of the files before it in the same upload.
DATASETS = ("influencers", "posts", "tracking_data", "payouts")
FILE_NAMES = {f"{dataset}.csv": dataset for dataset in DATASETS}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, optional, integer, decimal, platform, date, basis
    required: bool = True
    # Characters, checked before anything is written: SQLite would store any length and
    # Postgres would refuse the whole import with no line, so the importer is the limit.
    # Never above the model's column size (a test holds the two together).
    max_length: int | None = None
    # Read when a file has it, but not part of the dataset's own column set: sample and
    # demo files leave it out.
    extra: bool = False


# Identifiers and names users pick from lists stay short; a url or caption may be long.
ID_LENGTH = 100
NAME_LENGTH = 200
LABEL_LENGTH = 100
URL_LENGTH = 2000
CAPTION_LENGTH = 5000

SCHEMAS = {
    "influencers": (
        Column("influencer_id", "text", max_length=ID_LENGTH),
        Column("name", "text", max_length=NAME_LENGTH),
        Column("category", "text", max_length=LABEL_LENGTH),
        Column("gender", "optional", False, max_length=50),
        Column("follower_count", "integer"), Column("platform", "platform"),
    ),
    "posts": (
        Column("post_id", "optional", False, max_length=ID_LENGTH),
        Column("influencer_id", "text", max_length=ID_LENGTH),
        Column("platform", "platform"), Column("date", "date"),
        Column("url", "text", max_length=URL_LENGTH),
        Column("caption", "optional", False, max_length=CAPTION_LENGTH),
        Column("reach", "integer"), Column("likes", "integer"), Column("comments", "integer"),
        Column("brand", "optional", False, max_length=LABEL_LENGTH),
    ),
    "tracking_data": (
        Column("source", "text", max_length=LABEL_LENGTH),
        Column("campaign", "text", max_length=NAME_LENGTH),
        Column("influencer_id", "text", max_length=ID_LENGTH),
        Column("user_id", "text", max_length=ID_LENGTH),
        Column("product", "text", max_length=NAME_LENGTH),
        Column("brand", "optional", False, max_length=LABEL_LENGTH), Column("date", "date"),
        Column("orders", "integer"), Column("revenue", "decimal"),
        # The natural key when an export carries it.
        Column("tracking_id", "optional", False, max_length=ID_LENGTH, extra=True),
    ),
    "payouts": (
        Column("influencer_id", "text", max_length=ID_LENGTH), Column("basis", "basis"),
        Column("rate", "decimal"), Column("orders", "integer", False),
        Column("total_payout", "decimal"),
    ),
}
ALIASES = {"influencers": {"id": "influencer_id"}}

# One made-up row per dataset: the example files the data page offers beside the templates.
EXAMPLE_ROWS = {
    "influencers": {"influencer_id": "INF00042", "name": "Saanvi Joshi",
                    "category": "Fitness", "gender": "F", "follower_count": "120000",
                    "platform": "Instagram"},
    "posts": {"post_id": "P0000123", "influencer_id": "INF00042", "platform": "Instagram",
              "date": "2026-11-03", "url": "https://www.instagram.com/p/example123/",
              "caption": "My morning routine", "reach": "45000", "likes": "3100",
              "comments": "120", "brand": "MuscleBlaze"},
    "tracking_data": {"source": "instagram", "campaign": "MB_2026_11",
                      "influencer_id": "INF00042", "user_id": "10000799",
                      "product": "Whey Protein", "brand": "MuscleBlaze", "date": "2026-11-04",
                      "orders": "1", "revenue": "2299.00", "tracking_id": "T0009001"},
    "payouts": {"influencer_id": "INF00042", "basis": "post", "rate": "15000.00",
                "orders": "", "total_payout": "45000.00"},
}
