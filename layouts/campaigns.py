"""Campaigns: every campaign in the selection, and one campaign's page."""
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import components, drill, figures, overview

LIST_COLUMNS = ["campaign", "revenue", "spend", "roas", "incremental_roas", "orders", "cpo",
                "posts", "reach"]
CREATOR_COLUMNS = ["name", "influencer_id", "revenue", "spend", "roas", "orders", "cpo",
                   "posts", "reach"]
# Bars beyond this many campaigns are unreadable; the table holds the rest.
MAX_BARS = 20


def layout(options, selection, campaign_key=None):
    campaign = dcc.Store(id="campaigns-key", data=campaign_key)
    if campaign_key:
        return components.view_page(
            "campaigns", "Campaign", "One campaign's numbers, its creators and its trend.",
            options, selection, stores=[campaign], tab_title=f"Campaign {campaign_key}")
    return components.view_page(
        "campaigns", "Campaigns", "Every campaign with orders, spend or posts in the "
        "selection. Click a bar or a name for the campaign's page.", options, selection,
        stores=[campaign])


def list_body(selection, campaigns):
    if campaigns is None or campaigns.empty:
        return html.Div([html.P(components.selection_summary(selection), className="small"),
                         components.empty_state(component_id="campaigns-empty")])
    earning = campaigns[campaigns["revenue"] > 0].head(MAX_BARS)
    return html.Div([
        html.P(components.selection_summary(selection), className="small text-muted"),
        components.section(
            "Revenue by campaign",
            figures.chart("campaigns-chart", revenue_bars(earning, selection),
                          "revenue-by-campaign"),
            help_text=f"The {len(earning)} campaigns with the most revenue; click a bar "
                      "to open it." if len(earning) else None),
        components.section(
            f"{len(campaigns):,} campaigns",
            components.grid("campaigns-grid", campaigns, LIST_COLUMNS, page_size=25,
                            link=drill.grid_link(selection, "campaign", "campaign",
                                                 "campaign"))),
    ])


def revenue_bars(campaigns, selection):
    if campaigns.empty:
        return figures.empty_figure("No campaign earned revenue in this selection.")
    shown = campaigns.iloc[::-1]
    figure = figures.figure([{
        "type": "bar", "y": figures.texts(shown["campaign"]),
        "x": figures.numeric(shown["revenue"]), "orientation": "h", "name": "Revenue",
        "marker": {"color": figures.REVENUE_COLOUR},
        "hovertemplate": "%{y}<br>Revenue ₹%{x:,.0f}<extra></extra>"}],
        xaxis={"title": {"text": "Revenue (₹)"}, "tickformat": ",.0f", "rangemode": "tozero"},
        yaxis={"automargin": True})
    drill.with_links(figure, selection, "campaign", shown["campaign"])
    return figures.style_figure(figure, height=max(260, 28 * len(shown) + 80))


def campaign_body(selection, campaign_key, profile):
    back = html.A("← All campaigns", href="/campaigns" + components.url_search(selection),
                  className="small d-inline-block mb-2", id="campaigns-back")
    if profile is None:
        return html.Div([back, components.empty_state(
            "There is no campaign with this name in the brands you can see.",
            component_id="campaigns-missing")])
    brands = ", ".join(profile["brands"]) or "no brand in this selection"
    return html.Div([
        back,
        html.H4(profile["campaign"], id="campaigns-name"),
        html.P(f"Brands: {brands}", className="text-muted"),
        html.P(components.selection_summary(selection), className="small text-muted"),
        kpi_row(selection, profile["kpis"], profile["previous_kpis"]),
        components.section(
            "Revenue, spend and ROAS over time",
            figures.chart("campaigns-trend", overview.trend_figure(profile["timeseries"]),
                          f"campaign-{campaign_key}-trend")),
        components.section(
            "Creators in this campaign",
            components.grid("campaigns-creators", profile["creators"].sort_values(
                "revenue", ascending=False), CREATOR_COLUMNS, page_size=25,
                link=drill.grid_link(selection, "influencer", "name", "influencer_id"))
            if not profile["creators"].empty else components.empty_state(
                "No creator worked on this campaign in this selection.")),
    ])


def kpi_row(selection, kpis, previous_kpis):
    against = selection.comparison_words()
    cards = []
    for metric, label, kind, higher_is_better in components.KPIS:
        change, css = components.kpi_change(metric, kpis.get(metric), previous_kpis,
                                            against, higher_is_better)
        cards.append(dbc.Col(components.kpi_card(
            "campaigns", metric, label, components.formatted(kpis.get(metric), kind),
            change, css), xs=6, md=3, className="mb-3"))
    return dbc.Row(cards, className="g-3", id="campaigns-kpis")
