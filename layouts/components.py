"""Shared pieces of the views: filter bar, KPI cards, grids, empty and error states."""
from datetime import date
from urllib.parse import quote, urlencode

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard import analytics
from dashboard.reports import REPORT_VIEWS
from layouts import glossary, numbers

EMPTY_SELECTION = "No orders in this selection. Widen the dates or clear a filter."
NO_VALUE = numbers.NO_VALUE

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


# ---- numbers in words (layouts/numbers.py holds the rules) -------------------------------

_missing = numbers.missing
money, ratio, percent, count = numbers.money, numbers.ratio, numbers.percent, numbers.count
FORMATS, formatted = numbers.FORMATS, numbers.formatted


# ---- filter bar --------------------------------------------------------------------------

# The filter bar's controls in the order callbacks receive them (callbacks/common.py).
FILTER_CONTROLS = [("start", "date"), ("end", "date"), ("brands", "value"),
                   ("platforms", "value"), ("categories", "value"), ("tiers", "value"),
                   ("baseline", "value"), ("period", "value"), ("compare", "value"),
                   ("freq", "value")]
# The period menu's entry for dates picked by hand.
CUSTOM_PERIOD = "custom"


def filter_ids(view):
    """(component id, property) of each filter control, in FILTER_CONTROLS order."""
    return [(f"{view}-filter-{name}", prop) for name, prop in FILTER_CONTROLS]


def data_span_text(first, last):
    """Where the viewer's data starts and ends, for the filter bar and empty pages."""
    if last is None:
        return "No dated data yet."
    return f"Data from {first:%d %b %Y} up to {last:%d %b %Y}."


def filter_bar(view, options, selection):
    """The shared filter bar; every id carries the view prefix (the server authorises by it).

    On a phone it folds behind a "Filters" button (assets/theme.css opens it on wide screens).
    """
    min_date, max_date = options.get("min_date"), options.get("max_date")

    def label(text, name):
        return dbc.Label(text, html_for=f"{view}-filter-{name}", className="small mb-1",
                         id=f"{view}-filter-{name}-label")

    def date_picker(name, value, text):
        # The placeholder is what a screen reader announces for the input: its label.
        return dbc.Col([
            label(text, name),
            dcc.DatePickerSingle(
                id=f"{view}-filter-{name}", date=value.isoformat() if value else None,
                min_date_allowed=min_date, max_date_allowed=max_date,
                initial_visible_month=value or max_date, display_format="YYYY-MM-DD",
                placeholder=text, clearable=True),
        ], xs=6, lg=2)

    def choice(name, text, values, selected, placeholder):
        values = list(values or ())
        return dbc.Col([
            label(text, name),
            dcc.Dropdown(id=f"{view}-filter-{name}", options=values,
                         value=sorted(v for v in selected if v in values), multi=True,
                         placeholder=placeholder),
        ], xs=6, lg=3)

    def radios(name, text, choices, value, width):
        return dbc.Col([
            label(text, name),
            dbc.RadioItems(id=f"{view}-filter-{name}", value=value, inline=True,
                           options=[{"label": words, "value": key}
                                    for key, words in choices.items()],
                           className="small"),
        ], xs=12, lg=width)

    periods = [{"label": words, "value": key} for key, words in analytics.PERIODS.items()]
    periods.append({"label": "Dates picked by hand", "value": CUSTOM_PERIOD})
    low, high = round(analytics.BASELINE_MIN * 100), round(analytics.BASELINE_MAX * 100)
    filters = dbc.Row([
        dbc.Col([label("Period", "period"), dcc.Dropdown(
            id=f"{view}-filter-period", options=periods, clearable=False, searchable=False,
            value=selection.period or CUSTOM_PERIOD)], xs=12, lg=2),
        date_picker("start", selection.start, "From"),
        date_picker("end", selection.end, "To"),
        radios("compare", "Compare with", analytics.COMPARISONS, selection.compare, 3),
        dbc.Col(html.Div(data_span_text(min_date, max_date), className="small text-muted",
                         id=f"{view}-filter-data-span"),
                xs=12, lg=3, className="align-self-end"),
        choice("brands", "Brands", options.get("brands"), selection.brands, "All brands"),
        choice("platforms", "Platforms", options.get("platforms"), selection.platforms,
               "All platforms"),
        choice("categories", "Categories", options.get("categories"), selection.categories,
               "All categories"),
        choice("tiers", "Creator tiers", options.get("tiers"), selection.tiers, "All tiers"),
        radios("freq", "Trend by", analytics.FREQUENCIES, selection.freq, 4),
        dbc.Col([
            label("Baseline share (%): orders that would have happened anyway", "baseline"),
            # In percent, as its marks say; callbacks/common.py turns it into a share.
            dcc.Slider(id=f"{view}-filter-baseline", min=low, max=high,
                       step=round(analytics.BASELINE_STEP * 100),
                       value=round(selection.baseline * 100, 2),
                       marks={v: f"{v}%" for v in range(low, high + 1, 10)},
                       tooltip={"placement": "bottom", "always_visible": False}),
        ], xs=12, lg=5, className="mt-2"),
        dbc.Col(html.A("Clear all filters", href=f"/{view}", className="small"),
                xs=12, lg=3, className="mt-2 text-lg-end align-self-center"),
        save_view_control(view),
    ], className="g-2")
    notes = [dbc.Alert([html.Div(note) for note in selection.notes], color="warning",
                       className="small mb-0 mt-2 py-2", id=f"{view}-filter-notes")
             ] if selection.notes else []
    return dbc.Card(dbc.CardBody([
        html.Button("Filters", id=f"{view}-filter-toggle", n_clicks=0, type="button",
                    className="btn btn-outline-secondary btn-sm d-lg-none mb-2",
                    **{"aria-controls": f"{view}-filter-collapse"}),
        dbc.Collapse(filters, id=f"{view}-filter-collapse", is_open=False,
                     className="filter-collapse"),
        # What the link asked for that could not be used, so nothing is dropped silently.
        *notes,
    ]), className="mb-3 filter-bar", id=f"{view}-filter-bar")


def save_view_control(view):
    """Name the page as it is now (its address) and keep it under Saved views."""
    return dbc.Col(html.Div([
        dbc.Label("Save this view as", html_for=f"{view}-save-name",
                  className="small mb-0 me-2"),
        dbc.Input(id=f"{view}-save-name", type="text", size="sm", maxLength=80,
                  placeholder="e.g. Gritzo, last 30 days", className="save-view-name"),
        html.Button("Save", id=f"{view}-save", n_clicks=0, type="button",
                    className="btn btn-outline-primary btn-sm ms-2"),
        html.A("Saved views", href="/views", className="small ms-2",
               **{"data-keep-filters": ""}),
        html.Span(id=f"{view}-save-result", className="small ms-2", role="status"),
    ], className="d-flex flex-wrap align-items-center gap-1"), xs=12, className="mt-2")


# ---- page frame --------------------------------------------------------------------------

# The browser tab's title per view: "ROI · Influencer ROI" (assets/links.js sets it).
TAB_TITLES = {"overview": "Overview", "roi": "ROI", "influencers": "Creators",
              "insights": "Insights", "brands": "Brands", "campaigns": "Campaigns",
              "plan": "Planner", "data": "Data", "users": "Users", "audit": "Audit log",
              "views": "Saved views", "glossary": "Glossary", "alerts": "Alerts",
              "reports": "My reports", "deliveries": "Report deliveries",
              "webhooks": "Alert webhooks"}


def view_page(view, title, subtitle, options, selection, extra_controls=None, stores=(),
              tab_title=None):
    """Heading, filter bar, the view's own controls and the body its callback fills."""
    return html.Div([
        dcc.Location(id=f"{view}-url", refresh=False),
        *stores,
        # The page's one h1 (styled as before); card titles below it are not headings.
        html.Div([html.H1(title, className="h3 mb-0"),
                  html.P(subtitle, className="text-muted mb-2")], className="mb-2"),
        filter_bar(view, options, selection),
        extra_controls or html.Div(),
        subscribe_control(view) if view in REPORT_VIEWS else html.Div(),
        dcc.Loading(html.Div(id=f"{view}-body", className="view-body"), type="default",
                    delay_show=150),
    ], id=f"{view}-page", **{"data-page-title": tab_title or TAB_TITLES.get(view, title)})


def subscribe_control(view):
    """"Subscribe to this view by e-mail": the view as it stands (its filters), daily, weekly
    or monthly, at a time of day in the user's time zone (callbacks/reports.py)."""
    return html.Div([
        dbc.Button("Subscribe to this view by e-mail", id=f"{view}-subscribe-open",
                   color="link", size="sm", className="px-0"),
        dbc.Collapse(dbc.Card(dbc.CardBody(dbc.Row([
            dbc.Col([dbc.Label("How often", html_for=f"{view}-subscribe-every",
                               className="small mb-1"),
                     dbc.RadioItems(id=f"{view}-subscribe-every", value="weekly", inline=True,
                                    options=[{"label": "Every day", "value": "daily"},
                                             {"label": "Mondays", "value": "weekly"},
                                             {"label": "The 1st of each month",
                                              "value": "monthly"}])], xs=12, lg=6),
            dbc.Col([dbc.Label("At (your time zone)", html_for=f"{view}-subscribe-at",
                               className="small mb-1"),
                     dbc.Input(id=f"{view}-subscribe-at", value="08:00", size="sm",
                               maxLength=5, placeholder="08:00")], xs=6, lg=2),
            dbc.Col(dbc.Button("Subscribe", id=f"{view}-subscribe-button", color="primary",
                               size="sm"), xs=6, lg=2, className="align-self-end"),
            dbc.Col(html.Div(id=f"{view}-subscribe-message", className="small mt-2"), xs=12),
        ], className="g-2"))), id=f"{view}-subscribe-form", is_open=False),
    ], className="mb-2 subscribe-control")


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


def help_link(term, label):
    """A small "?" beside a label: hover for the help text, click for the glossary entry."""
    text = glossary.help_for(term)
    if not text:
        return None
    return html.A("?", href=f"/glossary#glossary-{term.replace('_', '-')}", title=text,
                  className="help-link", **{"aria-label": f"What is {label}? {text}"})


def kpi_card(view, metric, label, value_text, change_text=None, change_class="",
             help_term=None, exact=None):
    """A headline number; `exact` (e.g. ₹15,23,400 behind ₹15.2 L) shows on hover."""
    help_term = help_term or metric
    question = help_link(help_term, label)
    return dbc.Card(dbc.CardBody([
        html.Div([label, " ", question] if question else label,
                 className="small text-muted kpi-label"),
        html.Div(value_text, className="kpi-value", id=f"{view}-kpi-{metric}",
                 **({"title": exact} if exact and exact != value_text else {})),
        html.Div(change_text or "", className=f"kpi-delta small {change_class}",
                 id=f"{view}-kpi-{metric}-change"),
    ]), className="kpi-card h-100")


def unattributed_note(frame, key_column, component_id):
    """Plain words on the "Unattributed" row of a brand or campaign list, with its numbers;
    None when the list has no such row."""
    if frame is None or frame.empty or key_column not in frame.columns:
        return None
    rows = frame[frame[key_column] == analytics.UNATTRIBUTED]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return html.P([
        html.Strong(f"\"{analytics.UNATTRIBUTED}\" {key_column}: "),
        f"{money(row.get('spend'))} paid to creators who have no sales at all, so there are no "
        f"sales to split it across {key_column}s by. It counts in the total spend (lowering "
        f"ROAS) and earned {money(row.get('revenue'))}.",
    ], className="small text-muted mt-2 mb-0 unattributed-note", id=f"{component_id}-unattributed")


def badge(text, colour, className=""):
    """A Bootstrap badge whose text keeps WCAG AA contrast: dark on the light fills."""
    light = colour in ("warning", "info", "light")
    return dbc.Badge(text, color=colour, text_color="dark" if light else None,
                     className=className)


def kpi_change(metric, current, previous_kpis, against, higher_is_better):
    """(text, css class) for the change against the period `against` names ("the previous
    30 days", "the same days last year": Selection.comparison_words)."""
    if previous_kpis is None:
        return "no earlier period to compare", ""
    before = previous_kpis.get(metric)
    if _missing(current) or _missing(before):
        return f"nothing to compare in {against}", ""
    if before == 0:
        return f"was 0 in {against}", ""
    change = (current - before) / abs(before)
    if abs(change) < 0.0005:
        return f"no change on {against}", ""
    rising = change > 0
    good = rising == higher_is_better
    arrow = "▲" if rising else "▼"
    return (f"{arrow} {abs(change) * 100:,.1f}% on {against}",
            "up" if good else "down")


# ---- tables ------------------------------------------------------------------------------

# ag-grid value formatters: the browser twins of layouts/numbers.py.
_JS_FORMATS = numbers.JS_FORMATS

# A server-paged grid draws rows before their data arrives (params.data undefined).
_JS_NAME_WITH_ID = ("params.data == null ? null : params.data.name == null ? "
                    "params.data.influencer_id : "
                    "params.data.name + ' (' + params.data.influencer_id + ')'")
# The columns that name a row, with the width a name needs to be read whole.
KEY_COLUMNS = {"name": 200, "campaign": 170, "influencer_id": 120, "platform": 120,
               "brand": 140, "tier": 110, "month": 110, "period": 110, "date": 110}

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
    columns = []
    # Column by column: converting the whole frame to objects and back cost a few ms per
    # table, however few its rows.
    for _name, values in frame.items():
        if pd.api.types.is_datetime64_any_dtype(values):
            values = values.dt.strftime("%Y-%m-%d")
        columns.append(values.to_numpy(dtype=object, na_value=None))
    names = list(frame.columns)
    rows = [dict(zip(names, row)) for row in zip(*columns)]
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

    `link` = (column, url prefix, key column[, query[, parameter]]) turns that column into
    links to url prefix + key + query, or prefix + query with the key as `parameter`.
    Cells show their text as text: a link cell is drawn by RowLink (assets/grid_links.js),
    never by the markdown renderer, so imported text cannot plant a link of its own.
    `rows_from` (what the rows callback needs to rebuild `frame`) lets a table of more than
    SERVER_PAGE_ROWS rows page on the server: see server_paged_grid.
    """
    if rows_from is not None and page_size and len(frame) > SERVER_PAGE_ROWS:
        return server_paged_grid(component_id, rows_from, columns, len(frame), link,
                                 page_size, frame)
    column_defs = _column_defs(columns, link, frame)
    rows = records(frame)
    rows_count = len(rows)
    options = {"animateRows": False, "enableCellTextSelection": True}
    if page_size and rows_count > page_size:
        # The size box shows a choice only when the size is one of the choices.
        options.update(pagination=True, paginationPageSize=page_size,
                       paginationPageSizeSelector=sorted({page_size, 50, 100}))
    if height is None:
        options["domLayout"] = "autoHeight"
    return dag.AgGrid(
        id=component_id, rowData=rows, columnDefs=column_defs,
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "flex": 1,
                       "minWidth": 110, "wrapHeaderText": True, "autoHeaderHeight": True},
        dashGridOptions=options, columnSize="responsiveSizeToFit",
        style={"height": f"{height}px"} if height else {"height": None},
        className="ag-theme-quartz roi-grid")


def _column_defs(columns, link, frame=None):
    column_defs = []
    # A creator's name carries the id when the id has no column of its own: two creators
    # can share a name (Saanvi Joshi (INF0042) and Saanvi Joshi (INF0107)).
    named_ids = ("name" in columns and "influencer_id" not in columns and frame is not None
                 and "influencer_id" in frame.columns)
    for index, column in enumerate(columns):
        definition = {"field": column, "headerName": label_for(column)}
        help_text = glossary.help_for(column)
        definition["headerTooltip"] = help_text or label_for(column)
        kind = METRIC_FORMATS.get(column)
        if kind:
            definition.update(valueFormatter={"function": _JS_FORMATS[kind]},
                              type="rightAligned", filter="agNumberColumnFilter")
        if link and column == link[0]:
            # Optional: the address query to keep (the filters), and a query parameter
            # the key goes in instead of the path (layouts/drill.py).
            search = link[3] if len(link) > 3 else ""
            parameter = link[4] if len(link) > 4 else None
            definition.update(cellRenderer="RowLink",
                              cellRendererParams={"prefix": link[1], "keyField": link[2],
                                                  "search": search, "param": parameter})
        if column == "name" and named_ids:
            definition["valueGetter"] = {"function": _JS_NAME_WITH_ID}
        if index == 0 and column in KEY_COLUMNS:
            # The row's name stays in view when a narrow screen scrolls the numbers.
            definition.update(pinned="left", minWidth=KEY_COLUMNS[column], lockPinned=True)
        column_defs.append(definition)
    return column_defs


def server_paged_grid(component_id, rows_from, columns, total_rows, link, page_size,
                      frame=None):
    """A grid that asks the server for one page at a time (AG Grid's infinite row model).

    Its id is {"type": component_id, "rows": rows_from}: a new selection gives a new id, so
    the page draws a fresh grid that asks for its first page again. The rows callback reads
    rows_from, checks the user and scope like every callback, sorts and filters on the
    server (dashboard.web.grid_rows) and answers with rows_response.
    """
    return dag.AgGrid(
        id={"type": component_id, "rows": rows_from},
        columnDefs=_column_defs(columns, link, frame),
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
    # The creator id too where a name is shown: the grid writes "Name (id)".
    keys = [link[2]] if link else []
    if "name" in columns:
        keys.append("influencer_id")
    wanted = [column for column in [*columns, *keys] if column in page.columns]
    return {"rowData": records(page[list(dict.fromkeys(wanted))]), "rowCount": total_rows}


def creator_href(influencer_id):
    """The address of a creator's page; the id is percent-encoded, so it stays one path part."""
    return "/influencers/" + quote(str(influencer_id), safe="")


def url_search(selection, extra=None):
    """The address query that names `selection` and the view's own controls (`extra`, a
    dict) ("" for none of them)."""
    query = "&".join(part for part in (selection.to_query(), urlencode(extra or {})) if part)
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
    if selection.period is not None and selection.period != "all":
        parts[0] = f"{analytics.PERIODS[selection.period].lower()}, {parts[0]}"
    for values, noun in ((selection.brands, "brand"), (selection.platforms, "platform"),
                         (selection.categories, "category"), (selection.tiers, "tier")):
        if values:
            parts.append(f"{noun}: {', '.join(sorted(values))}")
    parts.append(f"baseline share {selection.baseline * 100:.0f}%")
    sentence = "Showing " + "; ".join(parts) + "."
    # Said on every page, so an empty one tells where the data ends.
    if selection.data_end is not None:
        sentence += " " + data_span_text(selection.data_start, selection.data_end)
    return sentence
