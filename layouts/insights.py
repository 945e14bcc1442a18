"""Insights: top performers, underperformers, platforms, recommendations."""
import dash_bootstrap_components as dbc
import plotly.colors
from dash import html

from dashboard import tables
from layouts import components, drill, figures
from layouts.numbers import JS_FORMATS

PERFORMER_COLUMNS = tables.PERFORMER_COLUMNS
# The planner's lists: its estimate first, the raw score kept beside it.
SHRUNK_COLUMNS = tables.SHRUNK_COLUMNS
COLUMN_LABELS = {"shrunk_return": "Extra sales per ₹1 (planner's estimate)",
                 "performance_score": "Performance score (raw, 0–100)",
                 "posts_in_history": "Posts so far"}
SHRUNK_HELP = ("Ranked by the extra sales a creator's next post should bring per ₹1 spent. "
               "Creators with little history are pulled toward similar creators, so a few "
               "lucky posts do not put anyone on top.")
RECOMMENDATION_STYLE = {
    "scale": ("Scale up", "success"),
    "renegotiate": ("Renegotiate", "warning"),
    "fix_conversion": ("Fix conversion", "info"),
    "move_budget": ("Move budget", "primary"),
}


def layout(options, selection):
    return components.view_page(
        "insights", "Insights",
        "Who to back, who to renegotiate with, and where the budget works hardest.",
        options, selection)


def body(selection, performers, raw, platforms, heatmap, recommendations, may_export):
    """`performers` ranked by the planner's estimate, `raw` by the performance score."""
    top, under = performers["top"], performers["under"]
    if (top.empty and under.empty and raw["top"].empty and raw["under"].empty
            and (platforms is None or platforms.empty)):
        return html.Div([html.P(components.selection_summary(selection), className="small"),
                         components.empty_state(component_id="insights-empty")])

    def export(table):
        return components.export_link("insights", table, selection) if may_export else None

    return html.Div([
        html.P(components.selection_summary(selection), className="small text-muted"),
        components.section("What to do next",
                           recommendation_list(recommendations, selection),
                           export=export("recommendations")),
        dbc.Row([
            dbc.Col(components.section(
                f"Top performers, by the planner's estimate of extra sales per ₹1 ({len(top)})",
                performer_grid("insights-top", top, selection, SHRUNK_COLUMNS),
                help_text=SHRUNK_HELP + " The top quarter.", export=export("top_performers")),
                lg=6),
            dbc.Col(components.section(
                f"Underperformers, by the planner's estimate of extra sales per ₹1 "
                f"({len(under)})",
                performer_grid("insights-under", under, selection, SHRUNK_COLUMNS),
                help_text=SHRUNK_HELP + " The bottom quarter.",
                export=export("underperformers")), lg=6),
        ], className="g-3"),
        raw_section(raw, export, selection),
        dbc.Row([
            dbc.Col(components.section(
                "Platforms side by side",
                figures.chart("insights-platforms", platform_figure(platforms),
                              "platform-comparison"),
                export=export("platforms")), lg=6),
            dbc.Col(components.section(
                "ROAS by creator category and gender",
                figures.chart("insights-heatmap", heatmap_figure(heatmap),
                              "category-gender-roas"),
                help_text="Darker cells earn more per ₹1 spent; empty cells had no spend.",
                export=export("category_gender")), lg=6),
        ], className="g-3"),
    ])


def recommendation_list(recommendations, selection=None):
    if not recommendations:
        return html.P("No recommendations for this selection: there is not enough spend "
                      "to compare creators.", className="text-muted mb-0",
                      id="insights-recommendations")
    items = []
    for recommendation in recommendations:
        label, colour = RECOMMENDATION_STYLE.get(recommendation.get("kind"),
                                                 ("Note", "secondary"))
        caution = recommendation.get("caution")
        items.append(dbc.ListGroupItem([
            components.badge(label, colour, className="me-2"),
            html.Span(recommendation.get("text", "")),
            *recommendation_links(recommendation, selection),
            *([html.Div([components.badge("Small sample", "warning", className="me-1"),
                         caution], className="small text-body-secondary mt-1 insights-caution")]
              if caution else []),
        ]))
    return dbc.ListGroup(items, id="insights-recommendations", flush=True)


def raw_section(raw, export, selection):
    """The same lists ranked by METRICS.md's raw performance score, folded away."""
    p25, p75 = raw.get("p25"), raw.get("p75")
    return html.Details([
        html.Summary("By performance score (raw)", id="insights-raw-toggle",
                     className="h6 my-3"),
        html.P("The raw score (0–100) mixes return on spend, engagement, orders and cost per "
               "order from this selection alone, so a creator with a few lucky posts can top "
               "it.", className="small text-muted"),
        dbc.Row([
            dbc.Col(components.section(
                f"Top performers by raw score ({len(raw['top'])})",
                performer_grid("insights-top-raw", raw["top"], selection),
                help_text=(f"Score of {p75:.0f} or more (the top quarter)." if p75 is not None
                           else "No scored creators in this selection."),
                export=export("top_performers_raw")), lg=6),
            dbc.Col(components.section(
                f"Underperformers by raw score ({len(raw['under'])})",
                performer_grid("insights-under-raw", raw["under"], selection),
                help_text=(f"Score of {p25:.0f} or less (the bottom quarter)."
                           if p25 is not None else "No scored creators in this selection."),
                export=export("underperformers_raw")), lg=6),
        ], className="g-3"),
    ], id="insights-raw")


def recommendation_links(recommendation, selection):
    """Links to the creators or platforms a recommendation names, with the filters kept."""
    if selection is None:
        return []
    name = recommendation.get("name")
    targets = [("influencer", recommendation.get(field), f"{name} ({{}})" if name and
                field == "influencer_id" else "creator {}")
               for field in ("influencer_id", "from_id", "to_id")]
    targets += [("platform", recommendation.get(field), "{}")
                for field in ("from_platform", "to_platform")]
    links = []
    for dimension, key, shown in targets:
        if key in (None, ""):
            continue
        words = shown.format(key)
        links.append(html.A(f"Open {words}", href=drill.href(selection, dimension, key),
                            className="small ms-2 insights-recommendation-link",
                            **{"data-keep-filters": ""}))
    return links


def performer_grid(component_id, performers, selection, columns=PERFORMER_COLUMNS):
    if performers is None or performers.empty:
        return components.empty_state("No creators in this group.")
    grid = components.grid(component_id, performers,
                           [column for column in columns if column in performers.columns],
                           link=drill.grid_link(selection, "influencer", "name",
                                                "influencer_id")
                           if "influencer_id" in performers.columns else None, page_size=10)
    for definition in grid.columnDefs:
        definition["headerName"] = COLUMN_LABELS.get(definition["field"],
                                                     definition["headerName"])
        if definition["field"] == "shrunk_return":
            definition.update(valueFormatter={"function": JS_FORMATS["rupees"]},
                              type="rightAligned")
    return grid


def platform_figure(platforms):
    if platforms is None or platforms.empty:
        return figures.empty_figure()
    return figures.roas_bars(platforms["platform"], platforms["roas"],
                             platforms["incremental_roas"])


# Plotly's Python "Blues" (ColorBrewer), written out: plotly.js has a "Blues" of its own.
HEATMAP_COLOURS = plotly.colors.make_colorscale(plotly.colors.sequential.Blues)


def heatmap_figure(heatmap):
    if heatmap is None or heatmap.empty:
        return figures.empty_figure()
    frame = heatmap.assign(gender=heatmap["gender"].fillna("not given"))
    table = frame.pivot_table(index="category", columns="gender", values="roas",
                              aggfunc="first")
    text = [[components.ratio(value) if value == value else "" for value in row]
            for row in table.to_numpy(dtype=float, na_value=float("nan"))]
    figure = figures.figure([{
        "type": "heatmap", "z": table.to_numpy(dtype=float, na_value=float("nan")),
        "x": list(table.columns), "y": list(table.index), "text": text,
        "texttemplate": "%{text}", "colorscale": HEATMAP_COLOURS,
        "colorbar": {"title": {"text": "ROAS"}},
        "hovertemplate": "%{y}, %{x}<br>ROAS %{z:.2f}×<extra></extra>"}])
    return figures.style_figure(figure)
