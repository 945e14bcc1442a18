"""Shared pieces of the views: filter bar, KPI cards, grids, empty and error states."""
from datetime import date
from urllib.parse import quote, urlencode

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard import analytics

EMPTY_SELECTION = "No orders in this selection. Widen the dates or clear a filter."
NO_VALUE = "–"

# (metric, label, format, True when a rise is good news)
KPIS = [
    ("revenue", "Revenue", "money", True),
    ("spend", "Spend", "money", False),
    ("roas", "ROAS", "ratio", True),
    ("incremental_roas", "Incremental ROAS", "ratio", True),
    ("orders", "Orders", "count", True),
    ("cpo", "Cost per order", "money", False),
    ("aov", "Average order value", "money", True),
    ("engagement_rate", "Engagement rate", "percent", True),
]


# ---- numbers in words -------------------------------------------------------------------

def _missing(value):
    return value is None or (isinstance(value, float) and pd.isna(value))


def money(value):
    return NO_VALUE if _missing(value) else f"₹{value:,.0f}"


def ratio(value):
    return NO_VALUE if _missing(value) else f"{value:,.2f}×"


def percent(value):
    return NO_VALUE if _missing(value) else f"{value * 100:,.1f}%"


def count(value):
    return NO_VALUE if _missing(value) else f"{value:,.0f}"


FORMATS = {"money": money, "ratio": ratio, "percent": percent, "count": count}


def formatted(value, kind):
    return FORMATS[kind](value)


# ---- filter bar --------------------------------------------------------------------------

FILTER_CONTROLS = [("start", "date"), ("end", "date"), ("brands", "value"),
                   ("platforms", "value"), ("categories", "value"), ("tiers", "value"),
                   ("baseline", "value")]


def filter_ids(view):
    """(component id, property) of each filter control, in FILTER_CONTROLS order."""
    return [(f"{view}-filter-{name}", prop) for name, prop in FILTER_CONTROLS]


def filter_bar(view, options, selection):
    """The shared filter bar; every id carries the view prefix (the server authorises by it)."""
    min_date, max_date = options.get("min_date"), options.get("max_date")

    def date_picker(name, value, label):
        return dbc.Col([
            dbc.Label(label, html_for=f"{view}-filter-{name}", className="small mb-1"),
            dcc.DatePickerSingle(
                id=f"{view}-filter-{name}", date=value.isoformat() if value else None,
                min_date_allowed=min_date, max_date_allowed=max_date,
                initial_visible_month=value or min_date, display_format="YYYY-MM-DD",
                placeholder="Any day", clearable=True),
        ], xs=6, lg=2)

    def choice(name, label, values, selected, placeholder):
        values = list(values or ())
        return dbc.Col([
            dbc.Label(label, html_for=f"{view}-filter-{name}", className="small mb-1"),
            dcc.Dropdown(id=f"{view}-filter-{name}", options=values,
                         value=sorted(v for v in selected if v in values), multi=True,
                         placeholder=placeholder),
        ], xs=6, lg=2)

    return dbc.Card(dbc.CardBody(dbc.Row([
        date_picker("start", selection.start, "From"),
        date_picker("end", selection.end, "To"),
        choice("brands", "Brands", options.get("brands"), selection.brands, "All brands"),
        choice("platforms", "Platforms", options.get("platforms"), selection.platforms,
               "All platforms"),
        choice("categories", "Categories", options.get("categories"), selection.categories,
               "All categories"),
        choice("tiers", "Creator tiers", options.get("tiers"), selection.tiers, "All tiers"),
        dbc.Col([
            dbc.Label("Baseline share: orders that would have happened anyway",
                      html_for=f"{view}-filter-baseline", className="small mb-1"),
            dcc.Slider(id=f"{view}-filter-baseline", min=analytics.BASELINE_MIN,
                       max=analytics.BASELINE_MAX, step=analytics.BASELINE_STEP,
                       value=selection.baseline,
                       marks={v / 100: f"{v}%" for v in range(
                           round(analytics.BASELINE_MIN * 100),
                           round(analytics.BASELINE_MAX * 100) + 1, 10)},
                       tooltip={"placement": "bottom", "always_visible": False}),
        ], xs=12, lg=6, className="mt-2"),
        dbc.Col(html.A("Clear all filters", href=f"/{view}", className="small"),
                xs=12, lg=6, className="mt-2 text-lg-end align-self-center"),
        # What the link asked for that could not be used, so nothing is dropped silently.
        *([dbc.Col(dbc.Alert([html.Div(note) for note in selection.notes], color="warning",
                             className="small mb-0 py-2", id=f"{view}-filter-notes"), xs=12)]
          if selection.notes else []),
    ], className="g-2")), className="mb-3 filter-bar", id=f"{view}-filter-bar")


# ---- page frame --------------------------------------------------------------------------

def view_page(view, title, subtitle, options, selection, extra_controls=None, stores=()):
    """Heading, filter bar, the view's own controls and the body its callback fills."""
    return html.Div([
        dcc.Location(id=f"{view}-url", refresh=False),
        *stores,
        html.Div([html.H3(title, className="mb-0"),
                  html.P(subtitle, className="text-muted mb-2")], className="mb-2"),
        filter_bar(view, options, selection),
        extra_controls or html.Div(),
        dcc.Loading(html.Div(id=f"{view}-body", className="view-body"), type="default",
                    delay_show=150),
    ], id=f"{view}-page")


def empty_state(message=EMPTY_SELECTION, component_id=None):
    kwargs = {"id": component_id} if component_id else {}
    return html.Div([html.P(message, className="mb-0")], className="empty-state", **kwargs)


def error_state(reference):
    return dbc.Alert(
        ["This view could not be loaded. Nothing was changed. ",
         f"Try again in a moment; if it keeps happening, give an admin error number {reference}."],
        color="danger", className="view-error")


def section(title, *children, help_text=None, export=None):
    """A titled card; `export` is (href, label) of the CSV behind the card."""
    header = [html.Span(title, className="fw-semibold")]
    if export:
        header.append(html.A(export[1], href=export[0], className="small float-end",
                             download=""))
    body = ([html.P(help_text, className="small text-muted")] if help_text else []) + list(
        children)
    return dbc.Card([dbc.CardHeader(header), dbc.CardBody(body)], className="mb-3 h-100")


def kpi_card(view, metric, label, value_text, change_text=None, change_class=""):
    return dbc.Card(dbc.CardBody([
        html.Div(label, className="small text-muted"),
        html.Div(value_text, className="kpi-value", id=f"{view}-kpi-{metric}"),
        html.Div(change_text or "", className=f"kpi-delta small {change_class}",
                 id=f"{view}-kpi-{metric}-change"),
    ]), className="kpi-card h-100")


def kpi_change(metric, current, previous_kpis, days, higher_is_better):
    """(text, css class) for the change against the previous period of equal length."""
    if previous_kpis is None:
        return "no earlier period to compare", ""
    before = previous_kpis.get(metric)
    if _missing(current) or _missing(before):
        return f"nothing to compare in the previous {days} days", ""
    if before == 0:
        return f"was 0 in the previous {days} days", ""
    change = (current - before) / abs(before)
    if abs(change) < 0.0005:
        return f"no change on the previous {days} days", ""
    rising = change > 0
    good = rising == higher_is_better
    arrow = "▲" if rising else "▼"
    return (f"{arrow} {abs(change) * 100:,.1f}% on the previous {days} days",
            "up" if good else "down")


# ---- tables ------------------------------------------------------------------------------

# ag-grid value formatters (JavaScript, run in the browser; d3 is provided by dash-ag-grid).
_JS_FORMATS = {
    "money": "params.value == null ? '–' : '₹' + d3.format(',.0f')(params.value)",
    "ratio": "params.value == null ? '–' : d3.format(',.2f')(params.value) + '×'",
    "percent": "params.value == null ? '–' : d3.format('.1%')(params.value)",
    "count": "params.value == null ? '–' : d3.format(',.0f')(params.value)",
    "score": "params.value == null ? '–' : d3.format('.0f')(params.value)",
}

METRIC_FORMATS = {"revenue": "money", "spend": "money", "cpo": "money", "aov": "money",
                  "roas": "ratio", "incremental_roas": "ratio", "engagement_rate": "percent",
                  "orders": "count", "posts": "count", "reach": "count", "likes": "count",
                  "comments": "count", "performance_score": "score",
                  "measured_incremental_roas": "ratio", "assumed_incremental_roas": "ratio",
                  "measured_baseline_share": "percent", "expected": "money",
                  "total_payout": "money", "difference": "money", "rate": "money",
                  "follower_count": "count", "units": "count"}

LABELS = {"revenue": "Revenue", "spend": "Spend", "cpo": "Cost per order",
          "aov": "Average order value", "roas": "ROAS", "incremental_roas": "Incremental ROAS",
          "engagement_rate": "Engagement rate", "orders": "Orders", "posts": "Posts",
          "reach": "Reach", "likes": "Likes", "comments": "Comments",
          "performance_score": "Score (0–100)", "name": "Creator", "influencer_id": "Creator id",
          "campaign": "Campaign", "platform": "Platform", "brand": "Brand", "tier": "Tier",
          "category": "Category", "month": "Month", "period": "Period", "gender": "Gender",
          "measured_baseline_share": "Measured baseline share",
          "measured_incremental_roas": "Measured incremental ROAS",
          "assumed_incremental_roas": "Assumed incremental ROAS", "basis": "Paid per",
          "rate": "Rate", "units": "Posts or orders", "expected": "Rate × units",
          "total_payout": "Paid", "difference": "Paid minus expected", "date": "Date",
          "url": "Link", "caption": "Caption", "follower_count": "Followers", "key": "Group",
          "rows": "Rows", "file": "File", "line": "Line", "column": "Column",
          "message": "Problem"}


def label_for(column):
    return LABELS.get(column, column.replace("_", " ").capitalize())


def records(frame):
    """DataFrame rows as JSON-safe dicts (NaN -> None, dates -> ISO text)."""
    if frame is None or frame.empty:
        return []
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    frame = frame.astype(object).where(frame.notna(), None)
    rows = frame.to_dict("records")
    for row in rows:
        for key, value in row.items():
            if isinstance(value, date):
                row[key] = value.isoformat()
    return rows


# Above this many rows a table that can (grid's rows_from) pages on the server.
SERVER_PAGE_ROWS = 200
# A server-paged grid's height: its rows, the header and the pager.
GRID_ROW_PX = 42
GRID_FRAME_PX = 110


def grid(component_id, frame, columns, height=None, link=None, page_size=None,
         rows_from=None):
    """A sortable, filterable ag-grid of `columns` of `frame`.

    `link` = (column, url prefix, key column) turns that column into links to url prefix + key.
    Cells show their text as text: a link cell is drawn by RowLink (assets/grid_links.js),
    never by the markdown renderer, so imported text cannot plant a link of its own.
    `rows_from` (what the rows callback needs to rebuild `frame`) lets a table of more than
    SERVER_PAGE_ROWS rows page on the server: see server_paged_grid.
    """
    if rows_from is not None and page_size and len(frame) > SERVER_PAGE_ROWS:
        return server_paged_grid(component_id, rows_from, columns, len(frame), link,
                                 page_size)
    column_defs = _column_defs(columns, link)
    rows = records(frame)
    rows_count = len(rows)
    options = {"animateRows": False, "enableCellTextSelection": True}
    if page_size and rows_count > page_size:
        options.update(pagination=True, paginationPageSize=page_size)
    if height is None:
        options["domLayout"] = "autoHeight"
    return dag.AgGrid(
        id=component_id, rowData=rows, columnDefs=column_defs,
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "flex": 1,
                       "minWidth": 110},
        dashGridOptions=options, columnSize="responsiveSizeToFit",
        style={"height": f"{height}px"} if height else {"height": None},
        className="ag-theme-quartz roi-grid")


def _column_defs(columns, link):
    column_defs = []
    for column in columns:
        definition = {"field": column, "headerName": label_for(column)}
        kind = METRIC_FORMATS.get(column)
        if kind:
            definition.update(valueFormatter={"function": _JS_FORMATS[kind]},
                              type="rightAligned", filter="agNumberColumnFilter")
        if link and column == link[0]:
            definition.update(cellRenderer="RowLink",
                              cellRendererParams={"prefix": link[1], "keyField": link[2]})
        column_defs.append(definition)
    return column_defs


def server_paged_grid(component_id, rows_from, columns, total_rows, link, page_size):
    """A grid that asks the server for one page at a time (AG Grid's infinite row model).

    Its id is {"type": component_id, "rows": rows_from}: a new selection gives a new id, so
    the page draws a fresh grid that asks for its first page again. The rows callback reads
    rows_from, checks the user and scope like every callback, sorts and filters on the
    server (dashboard.web.grid_rows) and answers with rows_response.
    """
    return dag.AgGrid(
        id={"type": component_id, "rows": rows_from}, columnDefs=_column_defs(columns, link),
        rowModelType="infinite",
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "flex": 1,
                       "minWidth": 110},
        dashGridOptions={"animateRows": False, "enableCellTextSelection": True,
                         "pagination": True, "paginationPageSize": page_size,
                         "cacheBlockSize": page_size, "maxBlocksInCache": 20,
                         "infiniteInitialRowCount": total_rows},
        # A fixed height: the infinite row model does not grow the grid to its rows.
        columnSize="responsiveSizeToFit",
        style={"height": f"{page_size * GRID_ROW_PX + GRID_FRAME_PX}px"},
        className="ag-theme-quartz roi-grid")


def rows_response(page, total_rows, columns, link=None):
    """What a server-paged grid gets back: only the columns it shows (and the link's key)."""
    wanted = [column for column in [*columns, *([link[2]] if link else [])]
              if column in page.columns]
    return {"rowData": records(page[list(dict.fromkeys(wanted))]), "rowCount": total_rows}


def creator_href(influencer_id):
    """The address of a creator's page; the id is percent-encoded, so it stays one path part."""
    return "/influencers/" + quote(str(influencer_id), safe="")


def url_search(selection):
    """The address query that names `selection` ("" for no filters)."""
    query = selection.to_query()
    return f"?{query}" if query else ""


def export_link(view, table, selection, label="Download CSV", extra=None):
    query = selection.to_query()
    if extra:
        query = "&".join(part for part in (query, urlencode(extra)) if part)
    return (f"/export/{view}/{table}.csv" + (f"?{query}" if query else ""), label)


def selection_summary(selection):
    """The selection in one plain sentence, shown above the numbers."""
    parts = []
    if selection.start and selection.end:
        days = (selection.end - selection.start).days + 1
        parts.append(f"{selection.start:%d %b %Y} to {selection.end:%d %b %Y} ({days} days)")
    elif selection.start:
        parts.append(f"from {selection.start:%d %b %Y}")
    elif selection.end:
        parts.append(f"up to {selection.end:%d %b %Y}")
    else:
        parts.append("all dates")
    for values, noun in ((selection.brands, "brand"), (selection.platforms, "platform"),
                         (selection.categories, "category"), (selection.tiers, "tier")):
        if values:
            parts.append(f"{noun}: {', '.join(sorted(values))}")
    parts.append(f"baseline share {selection.baseline * 100:.0f}%")
    return "Showing " + "; ".join(parts) + "."
