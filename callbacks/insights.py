"""Callbacks of the insights view (component ids start with "insights-")."""
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Output, html
from flask_login import current_user

from callbacks import common
from dashboard import analytics, auth
from dashboard.analytics import insights
from layouts import components

PERFORMER_COLUMNS = ["name", "tier", "platform", "performance_score", "roas", "revenue",
                     "spend", "orders", "cpo", "engagement_rate"]
RECOMMENDATION_STYLE = {
    "scale": ("Scale up", "success"),
    "renegotiate": ("Renegotiate", "warning"),
    "fix_conversion": ("Fix conversion", "info"),
    "move_budget": ("Move budget", "primary"),
}


def register(app):
    @app.callback(Output("insights-body", "children"), Output("insights-url", "search"),
                  *common.filter_inputs("insights"))
    @common.guarded(extra_outputs=1)
    def update_insights(*filters):
        selection = components.selection_from_controls(*filters)
        scope = common.scope()

        def build():
            performers = insights.performers(selection, scope=scope)
            for part in ("top", "under"):
                performers[part] = analytics.with_creator_attributes(performers[part])
            platforms = insights.platform_comparison(selection, scope=scope)
            heatmap = analytics.category_gender_roas(selection, scope=scope)
            recommendations = insights.recommendations(selection, scope=scope)
            return insights_body(selection, performers, platforms, heatmap, recommendations)

        return common.rendered("insights", selection, build), common.url_search(selection)


def insights_body(selection, performers, platforms, heatmap, recommendations):
    top, under = performers["top"], performers["under"]
    if top.empty and under.empty and (platforms is None or platforms.empty):
        return html.Div([html.P(components.selection_summary(selection), className="small"),
                         components.empty_state(component_id="insights-empty")])
    may_export = auth.can_export(current_user, "insights")

    def export(table):
        return components.export_link("insights", table, selection) if may_export else None

    p25, p75 = performers.get("p25"), performers.get("p75")
    return html.Div([
        html.P(components.selection_summary(selection), className="small text-muted"),
        components.section("What to do next", recommendation_list(recommendations),
                           export=export("recommendations")),
        dbc.Row([
            dbc.Col(components.section(
                f"Top performers ({len(top)})",
                performer_grid("insights-top", top),
                help_text=(f"Score of {p75:.0f} or more (the top quarter)." if p75 is not None
                           else "No scored creators in this selection."),
                export=export("top_performers")), lg=6),
            dbc.Col(components.section(
                f"Underperformers ({len(under)})",
                performer_grid("insights-under", under),
                help_text=(f"Score of {p25:.0f} or less (the bottom quarter)."
                           if p25 is not None else "No scored creators in this selection."),
                export=export("underperformers")), lg=6),
        ], className="g-3"),
        dbc.Row([
            dbc.Col(components.section(
                "Platforms side by side",
                components.chart("insights-platforms", platform_figure(platforms),
                                 "platform-comparison"),
                export=export("platforms")), lg=6),
            dbc.Col(components.section(
                "ROAS by creator category and gender",
                components.chart("insights-heatmap", heatmap_figure(heatmap),
                                 "category-gender-roas"),
                help_text="Darker cells earn more per ₹1 spent; empty cells had no spend.",
                export=export("category_gender")), lg=6),
        ], className="g-3"),
    ])


def recommendation_list(recommendations):
    if not recommendations:
        return html.P("No recommendations for this selection: there is not enough spend "
                      "to compare creators.", className="text-muted mb-0",
                      id="insights-recommendations")
    items = []
    for recommendation in recommendations:
        label, colour = RECOMMENDATION_STYLE.get(recommendation.get("kind"),
                                                 ("Note", "secondary"))
        items.append(dbc.ListGroupItem([
            dbc.Badge(label, color=colour, className="me-2"),
            html.Span(recommendation.get("text", "")),
        ]))
    return dbc.ListGroup(items, id="insights-recommendations", flush=True)


def performer_grid(component_id, performers):
    if performers is None or performers.empty:
        return components.empty_state("No creators in this group.")
    columns = [column for column in PERFORMER_COLUMNS if column in performers.columns]
    return components.grid(component_id, performers, columns,
                           link=("name", "/influencers/", "influencer_id")
                           if "influencer_id" in performers.columns else None, page_size=10)


def platform_figure(platforms):
    if platforms is None or platforms.empty:
        return components.empty_figure()
    figure = go.Figure([
        go.Bar(x=platforms["platform"], y=platforms["roas"], name="ROAS",
               marker_color=components.ROAS_COLOUR,
               hovertemplate="%{x}<br>ROAS %{y:.2f}×<extra></extra>"),
        go.Bar(x=platforms["platform"], y=platforms["incremental_roas"],
               name="Incremental ROAS", marker_color=components.INCREMENTAL_COLOUR,
               hovertemplate="%{x}<br>Incremental ROAS %{y:.2f}×<extra></extra>"),
    ])
    figure.add_hline(y=1, line_dash="dash", line_color="#888",
                     annotation_text="break-even", annotation_position="top left")
    figure.update_layout(barmode="group")
    figure.update_yaxes(title_text="× spend")
    return components.style_figure(figure)


def heatmap_figure(heatmap):
    if heatmap is None or heatmap.empty:
        return components.empty_figure()
    frame = heatmap.assign(gender=heatmap["gender"].fillna("not given"))
    table = frame.pivot_table(index="category", columns="gender", values="roas",
                              aggfunc="first")
    text = [[components.ratio(value) if value == value else "" for value in row]
            for row in table.to_numpy(dtype=float, na_value=float("nan"))]
    figure = go.Figure(go.Heatmap(
        z=table.to_numpy(dtype=float, na_value=float("nan")), x=list(table.columns),
        y=list(table.index), text=text, texttemplate="%{text}", colorscale="Blues",
        colorbar={"title": "ROAS"}, hovertemplate="%{y}, %{x}<br>ROAS %{z:.2f}×<extra></extra>"))
    return components.style_figure(figure)
