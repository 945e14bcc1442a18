"""Brand summaries: a card per brand in the user's scope (the manager's home)."""
import re

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from layouts import components, figures

# A brand card shows these of the overview's KPIs, with the same words and formats.
BRAND_METRICS = ("revenue", "spend", "roas", "incremental_roas", "orders", "cpo")
BRAND_KPIS = [(metric, label, kind) for metric, label, kind, _rise_is_good in components.KPIS
              if metric in BRAND_METRICS]
TOP_CREATORS = 3


def layout(options, selection):
    return components.view_page(
        "brands", "Brands", "Each brand you look after: its numbers, its trend, its best "
        "creators.", options, selection)


def trend_freq(selection):
    """A brand card's trend step: the one chosen, else weeks (a card is narrow)."""
    return "week" if selection.freq == "auto" else selection.freq


def body(selection, summaries, may_export):
    cards = [brand_card(summary["brand"], summary["timeseries"], summary["creators"],
                        selection) for summary in summaries]
    if not cards:
        return html.Div([html.P(components.selection_summary(selection), className="small"),
                         components.empty_state(component_id="brands-empty")])
    export = components.export_link("brands", "brands", selection) if may_export else None
    return html.Div([
        html.P([components.selection_summary(selection)] + (
            [" ", html.A(export[1], href=export[0], download="")] if export else []),
            className="small text-muted"),
        dbc.Row([dbc.Col(card, lg=6, className="mb-3") for card in cards], className="g-3"),
    ])


def brand_slug(brand):
    return re.sub(r"[^a-z0-9]+", "-", brand.lower()).strip("-") or "brand"


def brand_card(brand, trend, creators, selection):
    slug = brand_slug(brand["brand"])
    kpis = dbc.Row([
        dbc.Col([html.Div(label, className="small text-muted"),
                 html.Div(components.formatted(brand.get(metric), kind),
                          className="fw-semibold", id=f"brands-{slug}-{metric}")], xs=4,
                className="mb-2")
        for metric, label, kind in BRAND_KPIS])
    top = creators.sort_values("revenue", ascending=False).head(TOP_CREATORS)
    top_list = html.Ol([
        html.Li([html.A(f"{row.get('name')} ({row.get('influencer_id')})" if row.get("name")
                        else row.get("influencer_id"),
                        href=components.creator_href(row.get("influencer_id"))
                        + components.url_search(selection)),
                 f" · {components.money(row.get('revenue'))} revenue, ROAS "
                 f"{components.ratio(row.get('roas'))}"])
        for row in top.to_dict("records") if (row.get("revenue") or 0) > 0
    ], className="mb-0 small") if not top.empty else html.P("No creators yet.",
                                                            className="small text-muted")
    return dbc.Card([
        dbc.CardHeader(html.Span(brand["brand"], className="fw-semibold")),
        dbc.CardBody([
            kpis,
            figures.chart(f"brands-{slug}-trend", sparkline(trend), f"{slug}-trend",
                          hover_only=True),
            html.Div("Top creators by revenue", className="small text-muted mt-2"),
            top_list,
            components.unattributed_note(pd.DataFrame([brand]), "brand", f"brands-{slug}"),
        ]),
    ], className="h-100 brand-card", id=f"brands-card-{slug}")


def sparkline(trend):
    if trend is None or trend.empty:
        return figures.empty_figure("No dated activity.", height=140)
    period = figures.texts(trend["period"])
    figure = figures.figure([
        {"type": "scatter", "x": period, "y": figures.numeric(trend["revenue"]),
         "name": "Revenue", "mode": "lines", "fill": "tozeroy",
         "line": {"color": figures.REVENUE_COLOUR},
         "customdata": figures.money_text(trend["revenue"]),
         "hovertemplate": "Revenue %{customdata}<extra></extra>"},
        {"type": "scatter", "x": period, "y": figures.numeric(trend["spend"]),
         "name": "Spend", "mode": "lines", "line": {"color": figures.SPEND_COLOUR},
         "customdata": figures.money_text(trend["spend"]),
         "hovertemplate": "Spend %{customdata}<extra></extra>"},
    ])
    figures.style_figure(figure, height=140)
    figures.update_layout(figure, margin={"l": 40, "r": 10, "t": 5, "b": 25},
                          showlegend=False)
    figures.money_axis(figure, float(max(trend["revenue"].max(), trend["spend"].max())),
                       intervals=2)
    figures.period_axis(figure, "week", len(trend))
    figures.update_layout(figure, hovermode="x unified")
    return figure
