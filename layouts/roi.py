"""ROI analysis: ROAS and incremental ROAS by influencer, campaign, platform and tier."""
import dash_bootstrap_components as dbc
from dash import html

from dashboard import tables
from dashboard.analytics import ROI_DIMENSIONS
from layouts import components, drill, figures, numbers

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


# Names read across, one bar per row, for these; a platform or tier fits under its bar.
LONG_NAMES = ("influencer", "campaign")


def group_names(frame, dimension):
    """What a chart calls each group; a creator is "Name (id)", as names can repeat."""
    if dimension == "influencer":
        ids = frame["influencer_id"].astype(str)
        if "name" not in frame.columns:
            return ids
        return frame["name"].astype(str).where(frame["name"].notna(), "").str.cat(
            ids, sep=" (") + ")"
    return frame[key_column(dimension)].astype(str)


def table_columns(dimension):
    """The ROI table's columns, on screen and in its CSV (dashboard/tables.py)."""
    return tables.roi_columns(dimension)


def body(selection, dimension, groups, overall, baseline, may_export):
    if groups is None or groups.empty:
        return html.Div([html.P(components.selection_summary(selection), className="small"),
                         components.empty_state(component_id="roi-empty")])
    label = DIMENSION_LABELS[dimension]
    totals = overall.iloc[0].to_dict() if not overall.empty else {}

    def export(table):
        return components.export_link("roi", table, selection) if may_export else None

    columns, link = table_columns(dimension), table_link(dimension, selection)
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
                figures.chart("roi-scatter", scatter_figure(groups, dimension, selection),
                              f"spend-vs-revenue-by-{dimension}"),
                help_text="Points above the break-even line (revenue = spend) pay back."),
                lg=5),
        ], className="g-3"),
        components.section(
            f"Cost per order by {label.lower()}",
            figures.chart("roi-cpo", cpo_figure(groups, dimension, selection),
                          f"cpo-by-{dimension}")),
        components.section(
            f"Every {label.lower()}",
            components.grid("roi-table", first_rows(groups), columns, link=link,
                            page_size=20, rows_from=rows_source(dimension, selection)),
            components.unattributed_note(groups, key_column(dimension), "roi-table"),
            export=export(f"by_{dimension}")),
        components.section(
            "Assumed against measured baseline",
            *baseline_content(baseline, dimension, selection, groups),
            help_text=(f"The assumed baseline says {selection.baseline * 100:.0f}% of orders "
                       "would have happened anyway. The measured baseline estimates that "
                       "share from the data: sales on days outside every post's 7-day window."),
            export=export(f"baseline_by_{dimension}")),
    ])


def table_link(dimension, selection):
    """Each row opens its creator, campaign, platform or tier with the same filters."""
    return drill.grid_link(selection, dimension, table_columns(dimension)[0],
                           key_column(dimension))


def table_rows(groups):
    """The table's rows in the order it lists them: most revenue first."""
    return groups.sort_values("revenue", ascending=False)


def first_rows(groups):
    """table_rows for a table drawn whole; a server-paged one (the rows callback sorts its
    pages) reads only the columns and the count, so 10,000 creators are not sorted."""
    return groups if len(groups) > components.SERVER_PAGE_ROWS else table_rows(groups)


def baseline_columns(baseline):
    """The baseline table's columns: creators by name (with their id), other groups by key."""
    return tables.baseline_columns("name" if "name" in baseline.columns
                                   else baseline.columns[0])


def named_baseline(baseline, dimension, groups):
    """The measured baseline with each creator's name, so the chart and table name creators
    as every other list does, not by id alone."""
    if (baseline is None or baseline.empty or dimension != "influencer" or groups is None
            or "name" not in groups.columns):
        return baseline
    return baseline.merge(groups[["influencer_id", "name"]].drop_duplicates("influencer_id"),
                          on="influencer_id", how="left")


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
    # Stable: groups tied on the value (many creators at 0) keep the order they came in, the
    # same on every run, whatever the column's type.
    return groups.sort_values(column, ascending=False, na_position="last",
                              kind="stable").head(count)


def chart_columns(groups, dimension, *columns):
    """Only what a chart reads of `groups`: filtering and sorting the whole frame copies
    every metric column of thousands of creators, most of a chart's drawing time."""
    names = [name for name in (key_column(dimension), "name") if name in groups.columns]
    frame = groups[list(dict.fromkeys([*names, *columns]))]
    # Ratios arrive as objects (None where undefined); sorting objects is ten times slower.
    return frame.astype({column: float for column in columns
                         if column not in names and frame[column].dtype == object})


def roas_figure(groups, dimension, selection):
    groups = chart_columns(groups, dimension, "spend", "roas", "incremental_roas")
    shown = _top(groups[groups["spend"] > 0], "roas")
    if shown.empty:
        return figures.empty_figure("No spend in this selection, so no ROAS to show.")
    names = group_names(shown, dimension)
    return drill.with_links(figures.roas_bars(
        names, shown["roas"], shown["incremental_roas"],
        f"Incremental ROAS (baseline {selection.baseline * 100:.0f}%)", height=360,
        horizontal=dimension in LONG_NAMES),
        selection, dimension, shown[key_column(dimension)], names)


def scatter_figure(groups, dimension, selection):
    groups = chart_columns(groups, dimension, "spend", "revenue", "orders")
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
    # One scale on both axes, so the break-even line runs corner to corner at 45°.
    step, intervals = numbers.ticks(float(max(shown["spend"].max(), shown["revenue"].max())),
                                    5)
    top = step * intervals * 1.02
    orders = shown["orders"].fillna(0)
    sizes = 8 + 22 * (orders / orders.max()) if orders.max() > 0 else 10
    figure = figures.figure([
        {"type": "scatter", "x": [0, top], "y": [0, top], "mode": "lines",
         "name": "Break-even (revenue = spend)", "line": {"dash": "dash", "color": "#888"},
         "hoverinfo": "skip"},
        # Single precision: 7 digits, far finer than a pixel (the hover writes the amounts),
        # in half the bytes.
        {"type": "scatter", "x": figures.numeric(shown["spend"], "f4"),
         "y": figures.numeric(shown["revenue"], "f4"), "mode": "markers",
         "text": names.tolist(), "name": series_name,
         "marker": {"size": figures.numeric(sizes, "f4") if hasattr(sizes, "shape") else sizes,
                    "color": figures.REVENUE_COLOUR, "opacity": 0.8,
                    "line": {"width": 1, "color": "white"}},
         "customdata": [[spend, revenue] for spend, revenue in zip(
             figures.money_text(shown["spend"]), figures.money_text(shown["revenue"]))],
         "hovertemplate": "%{text}<br>Spend %{customdata[0]}<br>Revenue "
                          "%{customdata[1]}<extra></extra>"},
    ])
    figures.money_axis(figure, None, "xaxis", step, step * intervals, title="Spend")
    figures.money_axis(figure, None, "yaxis", step, step * intervals, title="Revenue")
    drill.with_links(figure, selection, dimension, shown[key_column(dimension)], points_of=1)
    return figures.style_figure(figure, height=360)


def cpo_figure(groups, dimension, selection):
    groups = chart_columns(groups, dimension, "cpo")
    shown = groups[groups["cpo"].notna()].sort_values("cpo", kind="stable").head(MAX_BARS)
    if shown.empty:
        return figures.empty_figure("No orders with spend in this selection, so no cost "
                                    "per order.", height=280)
    names, horizontal = group_names(shown, dimension).tolist(), dimension in LONG_NAMES
    cpo = figures.numeric(shown["cpo"])
    position = ({"y": names, "x": cpo, "orientation": "h"} if horizontal
                else {"x": names, "y": cpo})
    figure = figures.figure([{
        "type": "bar", "marker": {"color": figures.SPEND_COLOUR}, "name": "Cost per order",
        "customdata": figures.money_text(shown["cpo"]),
        "hovertemplate": "%{customdata} per order<extra></extra>", **position}])
    figures.money_axis(figure, float(shown["cpo"].max()), "xaxis" if horizontal else "yaxis",
                       title="₹ per order")
    if horizontal:
        figures.update_layout(figure, yaxis={"autorange": "reversed", "automargin": True},
                              hovermode="y unified")
    drill.with_links(figure, selection, dimension, shown[key_column(dimension)], names)
    return figures.style_figure(figure, height=max(280, 26 * len(shown) + 100)
                                if horizontal else 280)


def baseline_content(baseline, dimension, selection, groups=None):
    if baseline is None or baseline.empty:
        return [components.empty_state("Not enough data to measure a baseline for this "
                                       "selection.")]
    baseline = named_baseline(baseline, dimension, groups)
    shown = _top(baseline[baseline["spend"] > 0], "revenue")
    figure = figures.roas_bars(
        group_names(shown, dimension), shown["assumed_incremental_roas"],
        shown["measured_incremental_roas"], "Measured", height=300,
        horizontal=dimension in LONG_NAMES, first_name=(
            f"Assumed ({selection.baseline * 100:.0f}% baseline)"),
        colours=(figures.INCREMENTAL_COLOUR, figures.ROAS_COLOUR))
    return [figures.chart("roi-baseline", figure, f"baseline-by-{dimension}"),
            components.grid("roi-baseline-table", baseline, baseline_columns(baseline),
                            page_size=10, rows_from=rows_source(dimension, selection))]
