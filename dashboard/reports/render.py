"""A subscribed view as a PDF (KPIs, charts, tables as text) and its CSVs, drawn on the server.

The numbers come from the same dashboard.analytics calls the page makes, within the scope
handed in (the recipient's, read at send time); the CSVs are the page's own exports."""
import io
import logging
import os
import tempfile
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs

import pandas as pd
from flask import current_app
import plotly.graph_objects as go
from fpdf import FPDF
from plotly.subplots import make_subplots

from dashboard import analytics
from dashboard.analytics.metrics import kpis as kpis_of
from dashboard.reports import REPORT_VIEWS
from dashboard.web import exports

log = logging.getLogger(__name__)
# fpdf2 subsets the font through fontTools, which logs every table it touches at INFO.
# kaleido and choreographer log each tab and temporary folder of every chart at INFO.
for _chatty in ("fontTools", "kaleido", "choreographer"):
    logging.getLogger(_chatty).setLevel(logging.WARNING)

FONT_DIR = os.path.join(os.path.dirname(__file__), "fonts")
# DejaVu Sans has the rupee sign (U+20B9), so money reads as on the page.
FONT = "DejaVu"
VIEW_TITLES = {"overview": "Overview", "roi": "Return on spend", "brands": "Brands"}
assert tuple(VIEW_TITLES) == REPORT_VIEWS
ROI_DIMENSION_WORDS = {"influencer": "creator", "campaign": "campaign",
                       "platform": "platform", "tier": "creator tier"}
# A PDF page holds this many table rows readably; the CSV beside it holds every row.
MAX_PDF_ROWS = 40
CHART_SIZE = (1000, 420)
NO_VALUE = "–"
KPIS = [("revenue", "Revenue", "money"), ("spend", "Spend", "money"),
        ("roas", "ROAS", "ratio"), ("incremental_roas", "Incremental ROAS", "ratio"),
        ("orders", "Orders", "count"), ("cpo", "Cost per order", "money"),
        ("aov", "Average order value", "money"),
        ("engagement_rate", "Engagement rate", "percent")]
TABLE_COLUMNS = [("revenue", "Revenue", "money"), ("spend", "Spend", "money"),
                 ("roas", "ROAS", "ratio"), ("incremental_roas", "Incr. ROAS", "ratio"),
                 ("orders", "Orders", "count"), ("cpo", "Cost/order", "money")]


class RenderError(ValueError):
    """The subscribed address names no view a report can be made of."""


@dataclass
class Report:
    title: str
    summary: str
    pdf: bytes
    csvs: list = field(default_factory=list)   # (file name, CSV text)
    chart_note: str | None = None


# ---- numbers in words (the page's formats) ------------------------------------------------

def _missing(value):
    return value is None or (isinstance(value, float) and pd.isna(value))


def formatted(value, kind):
    if _missing(value):
        return NO_VALUE
    return {"money": f"₹{value:,.0f}", "ratio": f"{value:,.2f}×",
            "percent": f"{value * 100:,.1f}%", "count": f"{value:,.0f}"}[kind]


def view_of_path(path):
    """The view a subscribed address names: "/roi" -> "roi"; None for any other address."""
    name = (path or "").strip("/")
    return name if name in VIEW_TITLES else None


def selection_summary(selection):
    if selection.start and selection.end:
        days = (selection.end - selection.start).days + 1
        parts = [f"{selection.start:%d %b %Y} to {selection.end:%d %b %Y} ({days} days)"]
    elif selection.start or selection.end:
        parts = [f"from {selection.start:%d %b %Y}" if selection.start
                 else f"up to {selection.end:%d %b %Y}"]
    else:
        parts = ["all dates"]
    for values, noun in ((selection.brands, "brand"), (selection.platforms, "platform"),
                         (selection.categories, "category"), (selection.tiers, "tier")):
        if values:
            parts.append(f"{noun}: {', '.join(sorted(values))}")
    parts.append(f"baseline share {selection.baseline * 100:.0f}%")
    return "Showing " + "; ".join(parts) + "."


# ---- the report ----------------------------------------------------------------------------

def render(path, query, scope, recipient):
    """The Report of the view at `path` with `query`, within brand `scope`."""
    view = view_of_path(path)
    if view is None:
        raise RenderError(f"{path!r} is not a view that can be sent by e-mail; "
                          f"these can: {', '.join('/' + v for v in VIEW_TITLES)}.")
    selection = _selection(query, scope)
    args = {key: values[0] for key, values in parse_qs(query or "").items()}
    sections, tables = _SECTIONS[view](selection, scope, args)
    title = VIEW_TITLES[view]
    if view == "roi":
        title += f" by {ROI_DIMENSION_WORDS[_dimension(args)]}"
    summary = selection_summary(selection)
    if scope is not None:
        summary += f" Brands you can see: {', '.join(sorted(scope)) or 'none'}."
    images, chart_note = _chart_images([figure for kind, *rest in sections
                                        if kind == "chart" for figure in rest[1:]])
    pdf = _pdf(title, summary, recipient, sections, images, chart_note, selection.notes)
    csvs = [(f"{view}-{table}.csv", exports.safe_csv(
        exports.TABLES[view][table](selection, scope, args))) for table in tables]
    return Report(title, summary, pdf, csvs, chart_note)


def _selection(query, scope):
    """The subscribed selection as it stands at send time: a named period ("last 30 days")
    counted back from the last day of data the recipient can see, dates as given, no dates
    all time (as `dashboard metrics` reads them), and without brands the recipient may no
    longer see."""
    selection = analytics.Selection.from_query(query or "")
    options = analytics.filter_options(scope=scope)
    selection = selection.resolved(options.get("min_date"), options.get("max_date"))
    if scope is not None and selection.brands - scope:
        selection = replace(selection, brands=selection.brands & scope,
                            notes=selection.notes + (
                                "Brands you can no longer see were left out.",))
    return selection


def _dimension(args):
    # "by" as the ROI page writes it in its link; "dimension" as older subscriptions did.
    dimension = args.get("by") or args.get("dimension") or "influencer"
    return dimension if dimension in analytics.ROI_DIMENSIONS else "influencer"


def _overview(selection, scope, _args):
    overview = analytics.overview(selection, scope=scope)
    return [
        ("kpis", overview["kpis"], overview["previous_kpis"], selection),
        ("chart", "Revenue, spend and ROAS over time",
         _money_and_roas(overview["timeseries"], "period")),
        ("chart", "By platform", _money_and_roas(overview["by_platform"], "platform")),
        ("table", "By platform: the numbers", overview["by_platform"], "platform",
         "Platform"),
        ("chart", "By brand", _money_and_roas(overview["by_brand"], "brand")),
        ("table", "By brand: the numbers", overview["by_brand"], "brand", "Brand"),
        ("table", "Top campaigns by revenue", overview["top_campaigns"], "campaign",
         "Campaign"),
    ], ["kpis", "timeseries", "by_platform", "by_brand", "top_campaigns"]


def _roi(selection, scope, args):
    dimension = _dimension(args)
    groups = analytics.metrics(selection, dimension, scope=scope)
    # Creators are shown by name, as on the page; the CSV keeps their ids.
    key = ("name" if "name" in groups else "influencer_id") if dimension == "influencer" \
        else dimension
    overall = analytics.metrics(selection, "overall", scope=scope)
    top = groups.sort_values("roas", ascending=False, na_position="last").head(25)
    words = ROI_DIMENSION_WORDS[dimension]
    return [
        ("kpis", kpis_of(overall), None, selection),
        ("chart", f"ROAS by {words} (top {len(top)})", _roas_bars(top, key)),
        ("table", f"Every {words}, by revenue", groups.sort_values(
            "revenue", ascending=False), key, words.capitalize()),
    ], [f"by_{dimension}", f"baseline_by_{dimension}"]


def _brands(selection, scope, _args):
    brands = analytics.metrics(selection, "brand", scope=scope)
    return [
        ("kpis", kpis_of(analytics.metrics(selection, "overall", scope=scope)), None,
         selection),
        ("chart", "Revenue, spend and ROAS by brand", _money_and_roas(brands, "brand")),
        ("table", "Brands", brands, "brand", "Brand"),
    ], ["brands"]


_SECTIONS = {"overview": _overview, "roi": _roi, "brands": _brands}


# ---- charts (Plotly figures, drawn to PNG by kaleido with the system's Chromium) -----------

def _money_and_roas(frame, key):
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    if frame is not None and not frame.empty:
        names = frame[key].astype(str)
        figure.add_bar(x=names, y=frame["revenue"], name="Revenue", marker_color="#2c7fb8")
        figure.add_bar(x=names, y=frame["spend"], name="Spend", marker_color="#fdae61")
        figure.add_trace(go.Scatter(x=names, y=frame["roas"], name="ROAS",
                                    mode="lines+markers", line={"color": "#1a9641"}),
                         secondary_y=True)
    figure.update_yaxes(title_text="₹", tickformat=",.0f", secondary_y=False)
    figure.update_yaxes(title_text="ROAS", secondary_y=True)
    return _styled(figure)


def _roas_bars(frame, key):
    figure = go.Figure(go.Bar(x=frame[key].astype(str), y=frame["roas"],
                              marker_color="#1a9641", name="ROAS"))
    figure.add_hline(y=1, line_dash="dot", annotation_text="pays back")
    return _styled(figure)


def _styled(figure):
    figure.update_layout(template="plotly_white", barmode="group", width=CHART_SIZE[0],
                         height=CHART_SIZE[1], margin={"l": 60, "r": 60, "t": 20, "b": 80},
                         legend={"orientation": "h", "y": 1.08})
    return figure


def _chart_images(figures):
    """PNG bytes per figure, drawn in one Chromium session; ([], reason) when they cannot be
    (no Chromium on this server): the report still carries every number as text."""
    if not figures:
        return [], None
    if not current_app.config.get("REPORT_CHARTS", True):
        return [], "Charts are turned off on this server; every number is in the tables below."
    try:
        import kaleido

        with tempfile.TemporaryDirectory() as folder:
            paths = [os.path.join(folder, f"chart-{number}.png")
                     for number in range(len(figures))]
            kaleido.write_fig_from_object_sync([
                {"fig": figure, "path": path, "opts": {"format": "png", "scale": 1}}
                for figure, path in zip(figures, paths)])
            images = []
            for path in paths:
                with open(path, "rb") as file:
                    images.append(file.read())
        return images, None
    except Exception as error:  # Chromium missing or crashed: send the numbers anyway
        log.warning("report charts could not be drawn: %s", error)
        return [], ("The charts could not be drawn on the server this time "
                    f"({type(error).__name__}); every number is in the tables below.")


# ---- the PDF -------------------------------------------------------------------------------

def _pdf(title, summary, recipient, sections, images, chart_note, notes):
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(f"Influencer ROI: {title}")
    pdf.set_creator("Influencer ROI dashboard")
    pdf.add_font(FONT, "", os.path.join(FONT_DIR, "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, f"Influencer ROI: {title}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, f"For {recipient}. {summary}", new_x="LMARGIN", new_y="NEXT")
    for note in list(notes) + ([chart_note] if chart_note else []):
        pdf.multi_cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")
    images = iter(images)
    for kind, *content in sections:
        if kind == "kpis":
            _kpi_table(pdf, *content)
        elif kind == "chart":
            image = next(images, None)
            if image is not None:
                _heading(pdf, content[0])
                pdf.image(io.BytesIO(image), w=pdf.epw)
        else:
            _group_table(pdf, *content)
    return bytes(pdf.output())


def _heading(pdf, text):
    pdf.ln(3)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8)


def _kpi_table(pdf, kpis, previous_kpis, selection):
    _heading(pdf, "Key numbers")
    days = ((selection.end - selection.start).days + 1
            if selection.start and selection.end else None)
    header = ["", "This period"] + (["Previous period"] if previous_kpis else [])
    with pdf.table(col_widths=(2, 1.5, 1.5)[:len(header)], text_align="RIGHT",
                   first_row_as_headings=True) as table:
        table.row(header)
        for metric, label, kind in KPIS:
            row = [label, formatted(kpis.get(metric), kind)]
            if previous_kpis:
                row.append(formatted(previous_kpis.get(metric), kind))
            table.row(row)
    if previous_kpis and days:
        pdf.cell(0, 5, f"The previous period is the {days} days just before.",
                 new_x="LMARGIN", new_y="NEXT")


def _group_table(pdf, title, frame, key, key_label):
    rows = 0 if frame is None else len(frame)
    _heading(pdf, title)
    if rows == 0:
        pdf.cell(0, 5, "No orders in this selection.", new_x="LMARGIN", new_y="NEXT")
        return
    shown = frame.head(MAX_PDF_ROWS)
    alignment = ("LEFT",) + ("RIGHT",) * len(TABLE_COLUMNS)
    with pdf.table(col_widths=(3,) + (1.2,) * len(TABLE_COLUMNS), text_align=alignment,
                   first_row_as_headings=True) as table:
        table.row([key_label] + [label for _name, label, _kind in TABLE_COLUMNS])
        for record in shown.to_dict("records"):
            table.row([str(record[key])] + [formatted(record.get(name), kind)
                                             for name, _label, kind in TABLE_COLUMNS])
    if rows > MAX_PDF_ROWS:
        pdf.cell(0, 5, f"The first {MAX_PDF_ROWS} of {rows} rows; the attached CSV has all.",
                 new_x="LMARGIN", new_y="NEXT")
