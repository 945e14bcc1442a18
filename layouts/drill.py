"""Drill-down: where a clicked bar, point or table row leads, with the filters kept."""
import re
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
# What quote() leaves as it is: most keys (INF0042), which then need no call.
UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def href(selection, dimension, key):
    """The address that opens group `key` of `dimension` under `selection`."""
    prefix, middles, search = link_parts(selection, dimension, [key])
    return prefix + middles[0] + search


def link_parts(selection, dimension, keys):
    """The addresses of groups `keys` as (prefix, [middle per key], search): each address is
    prefix + middle + search.

    A group with a page of its own (a creator, a campaign) differs from the next only in its
    key, so the prefix and the filters' query are written once: a chart of 2,000 creators
    would otherwise carry the same query 2,000 times. A narrowing group (a platform, a
    brand) is a filter inside the query, so its whole address is its middle.
    """
    path, narrowing = TARGETS[dimension]
    if narrowing is None:
        keys = list(map(str, keys))
        # Most ids need no escaping: one match over them all, not one per key.
        middles = keys if UNRESERVED.fullmatch("".join(keys)) else [
            key if UNRESERVED.fullmatch(key) else quote(key, safe="") for key in keys]
        return path, middles, components.url_search(selection)
    return "", [path + components.url_search(replace(selection, **{narrowing: frozenset([key])}))
                for key in keys], ""


def with_links(figure, selection, dimension, keys, labels=None, points_of=None):
    """`figure` with layout.meta naming where each bar or point leads; assets/links.js
    follows it on a click. Every address is meta.link_prefix + its middle +
    meta.link_search.

    Bars: meta.links maps each shown label (as the chart shows it, escaped) to its middle.
    `points_of`, a trace's index: the middles in the order of that trace's points, in
    meta.point_links; a point is found by its number, so a chart of 2,000 creators does not
    send every name a second time.
    """
    # A Series' own iteration is slower than a list's, over 2,000 points.
    keys = list(map(str, keys.tolist() if hasattr(keys, "tolist") else keys))
    if dimension not in TARGETS:
        return figure
    prefix, middles, search = link_parts(selection, dimension, keys)
    meta = {"link_prefix": prefix, "link_search": search}
    if points_of is None:
        labels = keys if labels is None else [str(label) for label in labels]
        meta["links"] = dict(zip(figures.plain_text(labels), middles))
    else:
        meta["point_links"] = {"trace": points_of, "middles": middles}
    return figures.update_layout(figure, meta=meta)


def grid_link(selection, dimension, column, key_column):
    """`grid(link=...)` for a table whose `column` opens each row's group."""
    if dimension not in TARGETS:
        return None
    path, narrowing = TARGETS[dimension]
    if narrowing is None:
        return (column, path, key_column, components.url_search(selection))
    rest = components.url_search(replace(selection, **{narrowing: frozenset()}))
    return (column, path, key_column, rest, PARAMETERS[narrowing])
