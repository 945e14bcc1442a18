"""ROI analysis: ROAS and incremental ROAS by influencer, campaign, platform and tier."""
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from dashboard.analytics import ROI_DIMENSIONS
from layouts import components, figures

# The words for the dimensions the ROI view groups by (analytics.ROI_DIMENSIONS).
DIMENSION_LABELS = {"influencer": "Creator", "campaign": "Campaign", "platform": "Platform",
                    "tier": "Creator tier"}
DIMENSIONS = [(dimension, DIMENSION_LABELS[dimension]) for dimension in ROI_DIMENSIONS]
# Bars beyond this many groups are unreadable at 1280 px; the table holds the rest.
MAX_BARS = 25
# Points beyond this many in the spend-against-revenue chart cost page weight, not insight.
MAX_POINTS = 2000


def layout(options, selection, dimension="influencer"):
    picker = html.Div([
        dbc.Label("Compare by", html_for="roi-dimension", className="me-2 fw-semibold"),
        dbc.RadioItems(id="roi-dimension", value=dimension, inline=True,
                       options=[{"label": label, "value": value} for value, label in DIMENSIONS]),
    ], className="d-flex align-items-center mb-3")
    return components.view_page(
        "roi", "Return on spend",
        "Which creators, campaigns, platforms and tiers earn back what they cost. "
        "Move the baseline slider to see incremental ROAS under another assumption.",
        options, selection, extra_controls=picker)


def key_column(dimension):
    return "influencer_id" if dimension == "influencer" else dimension


def group_names(frame, dimension):
    if dimension == "influencer" and "name" in frame.columns:
        return frame["name"].fillna(frame["influencer_id"]).astype(str)
    return frame[key_column(dimension)].astype(str)


def body(selection, dimension, groups, overall, baseline, may_export):
    if groups is None or groups.empty:
        return html.Div([html.P(components.selection_summary(selection), className="small"),
                         components.empty_state(component_id="roi-empty")])
    label = DIMENSION_LABELS[dimension]
    totals = overall.iloc[0].to_dict() if not overall.empty else {}

    def export(table):
        return components.export_link("roi", table, selection) if may_export else None

    columns, link = table_columns(dimension), table_link(dimension)
    return html.Div([
        html.P(components.selection_summary(selection), className="small text-muted"),
        dbc.Row([
            dbc.Col(components.kpi_card("roi", "roas", "ROAS", components.ratio(
                totals.get("roas"))), xs=6, md=3),
            dbc.Col(components.kpi_card(
                "roi", "incremental_roas",
                f"Incremental ROAS (baseline {selection.baseline * 100:.0f}%)",
                components.ratio(totals.get("incremental_roas")),
                "Revenue that would not have come without the creators, per ₹1 spent"),
                xs=6, md=3),
            dbc.Col(components.kpi_card("roi", "cpo", "Cost per order", components.money(
                totals.get("cpo"))), xs=6, md=3),
            dbc.Col(components.kpi_card("roi", "paying-back", f"{label}s paying back",
                                        paying_back_text(groups)), xs=6, md=3),
        ], className="g-3 mb-3"),
        dbc.Row([
            dbc.Col(components.section(
                f"ROAS and incremental ROAS by {label.lower()}",
                figures.chart("roi-by-group", roas_figure(groups, dimension, selection),
                              f"roas-by-{dimension}"),
                help_text="Above the dashed line at 1× a group earns back more than it costs."),
                lg=7),
            dbc.Col(components.section(
                "Spend against revenue",
                figures.chart("roi-scatter", scatter_figure(groups, dimension),
                              f"spend-vs-revenue-by-{dimension}"),
                help_text="Points above the break-even line (revenue = spend) pay back."),
                lg=5),
        ], className="g-3"),
        components.section(
            f"Cost per order by {label.lower()}",
            figures.chart("roi-cpo", cpo_figure(groups, dimension), f"cpo-by-{dimension}")),
        components.section(
            f"Every {label.lower()}",
            components.grid("roi-table", table_rows(groups), columns, link=link,
                            page_size=20, rows_from=rows_source(dimension, selection)),
            export=export(f"by_{dimension}")),
        components.section(
            "Assumed against measured baseline",
            *baseline_content(baseline, dimension, selection),
            help_text=(f"The assumed baseline says {selection.baseline * 100:.0f}% of orders "
                       "would have happened anyway. The measured baseline estimates that "
                       "share from the data: sales on days outside every post's 7-day window."),
            export=export(f"baseline_by_{dimension}")),
    ])


def table_columns(dimension):
    """The columns of the table of every group."""
    columns = ([key_column(dimension)] if dimension != "influencer" else ["name"]) + [
        "revenue", "spend", "roas", "incremental_roas", "orders", "cpo", "aov"]
    if dimension == "influencer":
        columns.append("performance_score")
    return columns


def table_link(dimension):
    return ("name", "/influencers/", "influencer_id") if dimension == "influencer" else None


def table_rows(groups):
    """The table's rows in the order it lists them: most revenue first."""
    return groups.sort_values("revenue", ascending=False)


def baseline_columns(baseline):
    return [baseline.columns[0], "revenue", "spend", "measured_baseline_share",
            "measured_incremental_roas", "assumed_incremental_roas"]


def rows_source(dimension, selection):
    """What a server-paged table's rows callback needs: the dimension and the selection."""
    return f"{dimension}?{selection.to_query()}"


def paying_back_text(groups):
    priced = groups[groups["roas"].notna()]
    if priced.empty:
        return "no spend to compare"
    paying = int((priced["roas"] >= 1).sum())
    return f"{paying} of {len(priced)}"


def _top(groups, column, count=MAX_BARS):
    return groups.sort_values(column, ascending=False, na_position="last").head(count)


def roas_figure(groups, dimension, selection):
    shown = _top(groups[groups["spend"] > 0], "roas")
    if shown.empty:
        return figures.empty_figure("No spend in this selection, so no ROAS to show.")
    return figures.roas_bars(
        group_names(shown, dimension), shown["roas"], shown["incremental_roas"],
        f"Incremental ROAS (baseline {selection.baseline * 100:.0f}%)", height=360)


def scatter_figure(groups, dimension):
    shown = groups[(groups["spend"] > 0) | (groups["revenue"] > 0)]
    if shown.empty:
        return figures.empty_figure()
    series_name = DIMENSION_LABELS[dimension]
    if len(shown) > MAX_POINTS:
        # Thousands of points would make the page several megabytes; the table has them all.
        series_name += f" ({MAX_POINTS:,} with the most spend, of {len(shown):,})"
        shown = shown.sort_values(["spend", "revenue"], ascending=False,
                                  kind="stable").head(MAX_POINTS)
    names = group_names(shown, dimension)
    top = float(max(shown["spend"].max(), shown["revenue"].max()) * 1.08)
    orders = shown["orders"].fillna(0)
    sizes = 8 + 22 * (orders / orders.max()) if orders.max() > 0 else 10
    figure = go.Figure([
        go.Scatter(x=[0, top], y=[0, top], mode="lines", name="Break-even (revenue = spend)",
                   line={"dash": "dash", "color": "#888"}, hoverinfo="skip"),
        go.Scatter(x=shown["spend"], y=shown["revenue"], mode="markers", text=names,
                   name=series_name,
                   marker={"size": sizes, "color": figures.REVENUE_COLOUR, "opacity": 0.8,
                           "line": {"width": 1, "color": "white"}},
                   hovertemplate="%{text}<br>Spend ₹%{x:,.0f}<br>Revenue ₹%{y:,.0f}"
                                 "<extra></extra>"),
    ])
    figure.update_xaxes(title_text="Spend (₹)", tickformat=",.0f", rangemode="tozero")
    figure.update_yaxes(title_text="Revenue (₹)", tickformat=",.0f", rangemode="tozero")
    return figures.style_figure(figure, height=360)


def cpo_figure(groups, dimension):
    shown = groups[groups["cpo"].notna()].sort_values("cpo").head(MAX_BARS)
    if shown.empty:
        return figures.empty_figure("No orders with spend in this selection, so no cost "
                                    "per order.", height=280)
    figure = go.Figure(go.Bar(
        x=group_names(shown, dimension), y=shown["cpo"], marker_color=figures.SPEND_COLOUR,
        name="Cost per order", hovertemplate="%{x}<br>₹%{y:,.0f} per order<extra></extra>"))
    figure.update_yaxes(title_text="₹ per order", tickformat=",.0f")
    return figures.style_figure(figure, height=280)


def baseline_content(baseline, dimension, selection):
    if baseline is None or baseline.empty:
        return [components.empty_state("Not enough data to measure a baseline for this "
                                       "selection.")]
    key = baseline.columns[0]
    shown = _top(baseline[baseline["spend"] > 0], "revenue")
    figure = go.Figure([
        go.Bar(x=shown[key].astype(str), y=shown["assumed_incremental_roas"],
               name=f"Assumed ({selection.baseline * 100:.0f}% baseline)",
               marker_color=figures.INCREMENTAL_COLOUR,
               hovertemplate="%{x}<br>Assumed %{y:.2f}×<extra></extra>"),
        go.Bar(x=shown[key].astype(str), y=shown["measured_incremental_roas"],
               name="Measured", marker_color=figures.ROAS_COLOUR,
               hovertemplate="%{x}<br>Measured %{y:.2f}×<extra></extra>"),
    ])
    figure.update_layout(barmode="group")
    figure.update_yaxes(title_text="Incremental ROAS (×)")
    return [figures.chart("roi-baseline", figures.style_figure(figure, height=300),
                          f"baseline-by-{dimension}"),
            components.grid("roi-baseline-table", baseline, baseline_columns(baseline),
                            page_size=10, rows_from=rows_source(dimension, selection))]
