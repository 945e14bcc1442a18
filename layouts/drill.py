"""Drill-down: where a clicked bar, point or table row leads, with the filters kept."""
from dataclasses import replace
from urllib.parse import quote

from layouts import components, figures

# Where one group of a dimension opens, and the filter that narrows to it (None: its page
# is the group's own, at the path prefix + its key).
TARGETS = {
    "influencer": ("/influencers/", None),
    "campaign": ("/campaigns/", None),
    "platform": ("/overview", "platforms"),
    "brand": ("/brands", "brands"),
    "tier": ("/influencers", "tiers"),
    "category": ("/influencers", "categories"),
}
# The link parameter of each narrowing filter (Selection.to_query's names).
PARAMETERS = {"platforms": "platform", "brands": "brand", "tiers": "tier",
              "categories": "category"}


def href(selection, dimension, key):
    """The address that opens group `key` of `dimension` under `selection`."""
    path, narrowing = TARGETS[dimension]
    if narrowing is None:
        return path + quote(str(key), safe="") + components.url_search(selection)
    return path + components.url_search(replace(selection, **{narrowing: frozenset([key])}))


def with_links(figure, selection, dimension, keys, labels=None):
    """`figure` with layout.meta.links: each shown label (as the chart shows it, escaped)
    -> the address of its group; assets/links.js follows it on a click."""
    keys = [str(key) for key in keys]
    labels = keys if labels is None else [str(label) for label in labels]
    if dimension not in TARGETS:
        return figure
    shown = figures.plain_text(labels)
    figure.update_layout(meta={"links": {label: href(selection, dimension, key)
                                         for label, key in zip(shown, keys)}})
    return figure


def grid_link(selection, dimension, column, key_column):
    """`grid(link=...)` for a table whose `column` opens each row's group."""
    if dimension not in TARGETS:
        return None
    path, narrowing = TARGETS[dimension]
    if narrowing is None:
        return (column, path, key_column, components.url_search(selection))
    rest = components.url_search(replace(selection, **{narrowing: frozenset()}))
    return (column, path, key_column, rest, PARAMETERS[narrowing])
