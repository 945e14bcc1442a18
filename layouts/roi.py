"""ROI analysis: ROAS and incremental ROAS by influencer, campaign, platform and tier."""
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
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
        # Python's strings: a tenth of the time pandas' string methods take on 2,000 names.
        return pd.Series([f"{name if isinstance(name, str) else ''} ({key})" for name, key in
                          zip(frame["name"].tolist(), ids.tolist())], index=frame.index,
                         dtype=str)
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
    names = groups[["influencer_id", "name"]]
    ids = pd.Index(names["influencer_id"])
    if not ids.is_unique:
        names = names.drop_duplicates("influencer_id")
        ids = pd.Index(names["influencer_id"])
    # A lookup by position, a third of a join's time over 10,000 creators.
    positions = ids.get_indexer(baseline["influencer_id"])
    return baseline.assign(name=names["name"].array.take(positions, allow_fill=True))


def rows_source(dimension, selection):
    """What a server-paged table's rows callback needs: the dimension and the selection."""
    return f"{dimension}?{selection.to_query()}"


def paying_back_text(groups):
    roas = float_values(groups, "roas")
    priced = roas[~np.isnan(roas)]
    if not len(priced):
        return "no spend to compare"
    return f"{int((priced >= 1).sum())} of {len(priced)}"


def float_values(frame, column):
    """A metric column as floats, NaN where undefined: ratios arrive as objects (None where
    undefined), and a chart over thousands of creators picks its groups faster from arrays
    than from the frame (each filter or sort of the frame copies every column)."""
    values = frame[column].to_numpy()
    try:
        # numpy reads None as NaN: a third of the time of pandas' own NA handling.
        return values.astype(float)
    except (TypeError, ValueError):  # pandas' NA in a nullable column
        return frame[column].to_numpy(dtype=float, na_value=np.nan)


def top_positions(values, count, where=None, ascending=False):
    """Positions of the `count` largest values (smallest when `ascending`), NaN last, among
    those `where` holds. Stable: groups tied on the value (many creators at 0) keep the
    order they came in, the same on every run."""
    candidates = np.arange(len(values)) if where is None else np.flatnonzero(where)
    keys = values[candidates] if ascending else -values[candidates]
    if 0 < count < len(keys):
        # Only those up to the count-th key (ties included, in their order) are sorted.
        threshold = np.partition(keys, count - 1)[count - 1]
        if not np.isnan(threshold):
            kept = np.flatnonzero(keys <= threshold)
            candidates, keys = candidates[kept], keys[kept]
    return candidates[np.argsort(keys, kind="stable")[:count]]


def shown_groups(groups, dimension, positions):
    """The key and name of the groups at `positions`, and what a chart calls each."""
    names = [name for name in (key_column(dimension), "name") if name in groups.columns]
    shown = groups[names].take(positions)
    return shown[key_column(dimension)], group_names(shown, dimension)


def roas_figure(groups, dimension, selection):
    roas = float_values(groups, "roas")
    positions = top_positions(roas, MAX_BARS, where=float_values(groups, "spend") > 0)
    if not len(positions):
        return figures.empty_figure("No spend in this selection, so no ROAS to show.")
    keys, names = shown_groups(groups, dimension, positions)
    return drill.with_links(figures.roas_bars(
        names, roas[positions],
        float_values(groups, "incremental_roas")[positions],
        f"Incremental ROAS (baseline {selection.baseline * 100:.0f}%)", height=360,
        horizontal=dimension in LONG_NAMES),
        selection, dimension, keys, names)


def scatter_figure(groups, dimension, selection):
    spend, revenue = float_values(groups, "spend"), float_values(groups, "revenue")
    positions = np.flatnonzero((spend > 0) | (revenue > 0))
    if not len(positions):
        return figures.empty_figure()
    series_name = DIMENSION_LABELS[dimension]
    if len(positions) > MAX_POINTS:
        # Thousands of points would make the page several megabytes; the table has them all.
        series_name += f" ({MAX_POINTS:,} with the most spend, of {len(positions):,})"
        # Most spend first, then most revenue; lexsort is stable, so ties keep their order.
        order = np.lexsort((-revenue[positions], -spend[positions]))
        positions = positions[order[:MAX_POINTS]]
    keys, names = shown_groups(groups, dimension, positions)
    spend, revenue = spend[positions], revenue[positions]
    # One scale on both axes, so the break-even line runs corner to corner at 45°.
    step, intervals = numbers.ticks(float(max(spend.max(), revenue.max())), 5)
    top = step * intervals * 1.02
    orders = np.nan_to_num(float_values(groups, "orders")[positions])
    sizes = 8 + 22 * (orders / orders.max()) if orders.max() > 0 else 10
    figure = figures.figure([
        {"type": "scatter", "x": [0, top], "y": [0, top], "mode": "lines",
         "name": "Break-even (revenue = spend)", "line": {"dash": "dash", "color": "#888"},
         "hoverinfo": "skip"},
        # Single precision: 7 digits, far finer than a pixel (the hover writes the amounts),
        # in half the bytes.
        {"type": "scatter", "x": figures.numeric(spend, "f4"),
         "y": figures.numeric(revenue, "f4"), "mode": "markers",
         "text": names.tolist(), "name": series_name,
         "marker": {"size": figures.numeric(sizes, "f4") if hasattr(sizes, "shape") else sizes,
                    "color": figures.REVENUE_COLOUR, "opacity": 0.8,
                    "line": {"width": 1, "color": "white"}},
         "customdata": [[spend_text, revenue_text] for spend_text, revenue_text in zip(
             figures.money_text(spend), figures.money_text(revenue))],
         "hovertemplate": "%{text}<br>Spend %{customdata[0]}<br>Revenue "
                          "%{customdata[1]}<extra></extra>"},
    ])
    figures.money_axis(figure, None, "xaxis", step, step * intervals, title="Spend")
    figures.money_axis(figure, None, "yaxis", step, step * intervals, title="Revenue")
    drill.with_links(figure, selection, dimension, keys, points_of=1)
    return figures.style_figure(figure, height=360)


def cpo_figure(groups, dimension, selection):
    cpo = float_values(groups, "cpo")
    positions = top_positions(cpo, MAX_BARS, where=~np.isnan(cpo), ascending=True)
    if not len(positions):
        return figures.empty_figure("No orders with spend in this selection, so no cost "
                                    "per order.", height=280)
    keys, names = shown_groups(groups, dimension, positions)
    names, horizontal, cpo = names.tolist(), dimension in LONG_NAMES, cpo[positions]
    values = figures.numeric(cpo)
    position = ({"y": names, "x": values, "orientation": "h"} if horizontal
                else {"x": names, "y": values})
    figure = figures.figure([{
        "type": "bar", "marker": {"color": figures.SPEND_COLOUR}, "name": "Cost per order",
        "customdata": figures.money_text(cpo),
        "hovertemplate": "%{customdata} per order<extra></extra>", **position}])
    figures.money_axis(figure, float(cpo.max()), "xaxis" if horizontal else "yaxis",
                       title="₹ per order")
    if horizontal:
        figures.update_layout(figure, yaxis={"autorange": "reversed", "automargin": True},
                              hovermode="y unified")
    drill.with_links(figure, selection, dimension, keys, names)
    return figures.style_figure(figure, height=max(280, 26 * len(positions) + 100)
                                if horizontal else 280)


def baseline_content(baseline, dimension, selection, groups=None):
    if baseline is None or baseline.empty:
        return [components.empty_state("Not enough data to measure a baseline for this "
                                       "selection.")]
    baseline = named_baseline(baseline, dimension, groups)
    spend, revenue = float_values(baseline, "spend"), float_values(baseline, "revenue")
    shown = baseline.take(top_positions(revenue, MAX_BARS, where=spend > 0))
    figure = figures.roas_bars(
        group_names(shown, dimension), shown["assumed_incremental_roas"],
        shown["measured_incremental_roas"], "Measured", height=300,
        horizontal=dimension in LONG_NAMES, first_name=(
            f"Assumed ({selection.baseline * 100:.0f}% baseline)"),
        colours=(figures.INCREMENTAL_COLOUR, figures.ROAS_COLOUR))
    return [figures.chart("roi-baseline", figure, f"baseline-by-{dimension}"),
            components.grid("roi-baseline-table", baseline, baseline_columns(baseline),
                            page_size=10, rows_from=rows_source(dimension, selection))]
