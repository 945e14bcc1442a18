"""Drill-down addresses: each key a path part of its own, percent-encoded where it must be."""
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import analytics
from layouts import drill


@settings(max_examples=300, deadline=None)
@given(keys=st.lists(st.one_of(st.text(), st.from_regex(r"[A-Za-z0-9_.~-]*", fullmatch=True),
                               st.integers())))
def test_a_key_is_quoted_exactly_as_quote_would(keys):
    selection = analytics.Selection(platforms=frozenset({"YouTube"}))
    prefix, middles, search = drill.link_parts(selection, "influencer", keys)
    assert prefix == "/influencers/" and search.startswith("?")
    assert middles == [quote(str(key), safe="") for key in keys]


def test_a_creator_link_keeps_the_filters():
    selection = analytics.Selection(platforms=frozenset({"YouTube"}))
    assert drill.href(selection, "influencer", "INF 7/a") == (
        "/influencers/INF%207%2Fa" + drill.components.url_search(selection))
