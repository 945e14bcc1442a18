"""Callbacks of the brands view (component ids start with "brands-")."""
import re

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Output, dcc, html
from flask_login import current_user

from callbacks import common
from dashboard import analytics, auth
from layouts import components

BRAND_KPIS = [("revenue", "Revenue", "money"), ("spend", "Spend", "money"),
              ("roas", "ROAS", "ratio"), ("incremental_roas", "Incremental ROAS", "ratio"),
              ("orders", "Orders", "count"), ("cpo", "Cost per order", "money")]
TOP_CREATORS = 3


def register(app):
    @app.callback(Output("brands-body", "children"), Output("brands-url", "search"),
                  *common.filter_inputs("brands"))
    @common.guarded
    def update_brands(*filters):
        selection = components.selection_from_controls(*filters)
        scope = common.scope()

        def build():
            cards = [brand_card(summary["brand"], summary["timeseries"], summary["creators"])
                     for summary in analytics.brand_summaries(selection, scope=scope)]
            return brands_body(selection, cards)

        return common.rendered("brands", selection, build), common.url_search(selection)


def brands_body(selection, cards):
    if not cards:
        return html.Div([html.P(components.selection_summary(selection), className="small"),
                         components.empty_state(component_id="brands-empty")])
    export = (components.export_link("brands", "brands", selection)
              if auth.can_export(current_user, "brands") else None)
    return html.Div([
        html.P([components.selection_summary(selection)] + (
            [" ", html.A(export[1], href=export[0], download="")] if export else []),
            className="small text-muted"),
        dbc.Row([dbc.Col(card, lg=6, className="mb-3") for card in cards], className="g-3"),
    ])


def brand_slug(brand):
    return re.sub(r"[^a-z0-9]+", "-", brand.lower()).strip("-") or "brand"


def brand_card(brand, trend, creators):
    slug = brand_slug(brand["brand"])
    kpis = dbc.Row([
        dbc.Col([html.Div(label, className="small text-muted"),
                 html.Div(components.formatted(brand.get(metric), kind),
                          className="fw-semibold", id=f"brands-{slug}-{metric}")], xs=4,
                className="mb-2")
        for metric, label, kind in BRAND_KPIS])
    top = creators.sort_values("revenue", ascending=False).head(TOP_CREATORS)
    top_list = html.Ol([
        html.Li([html.A(row.get("name") or row.get("influencer_id"),
                        href=f"/influencers/{row.get('influencer_id')}"),
                 f" · {components.money(row.get('revenue'))} revenue, ROAS "
                 f"{components.ratio(row.get('roas'))}"])
        for row in top.to_dict("records") if (row.get("revenue") or 0) > 0
    ], className="mb-0 small") if not top.empty else html.P("No creators yet.",
                                                            className="small text-muted")
    return dbc.Card([
        dbc.CardHeader(html.Span(brand["brand"], className="fw-semibold")),
        dbc.CardBody([
            kpis,
            dcc.Graph(id=f"brands-{slug}-trend",
                      figure=components.plain_figure(sparkline(trend)),
                      config={"displaylogo": False, "displayModeBar": "hover",
                              "toImageButtonOptions": {"format": "png",
                                                       "filename": f"{slug}-trend"}},
                      responsive=True, style={"height": "140px"}),
            html.Div("Top creators by revenue", className="small text-muted mt-2"),
            top_list,
        ]),
    ], className="h-100 brand-card", id=f"brands-card-{slug}")


def sparkline(trend):
    if trend is None or trend.empty:
        return components.empty_figure("No dated activity.", height=140)
    figure = go.Figure([
        go.Scatter(x=trend["period"], y=trend["revenue"], name="Revenue", mode="lines",
                   fill="tozeroy", line={"color": components.REVENUE_COLOUR},
                   hovertemplate="Week of %{x}<br>Revenue ₹%{y:,.0f}<extra></extra>"),
        go.Scatter(x=trend["period"], y=trend["spend"], name="Spend", mode="lines",
                   line={"color": components.SPEND_COLOUR},
                   hovertemplate="Week of %{x}<br>Spend ₹%{y:,.0f}<extra></extra>"),
    ])
    components.style_figure(figure, height=140)
    figure.update_layout(margin={"l": 40, "r": 10, "t": 5, "b": 25}, showlegend=False)
    figure.update_yaxes(tickformat="~s")
    return figure
