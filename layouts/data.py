"""Data (admins): upload the four CSVs, dry-run report, commit, import history."""
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard import importing
from layouts import components
# The page lists this many problems; the CSV download has them all.
LISTED_PROBLEMS = 200
DATASET_NOTES = {
    "influencers": "one row per creator; tier comes from follower_count",
    "posts": "one row per post; url must be unique",
    "tracking_data": "attributed orders; dates as YYYY-MM-DD",
    "payouts": "what each creator was paid, per post or per order",
}


def layout(datasets, upload_limit):
    """The upload page; `upload_limit` is the largest upload in words ("50 MB")."""
    def columns_text(dataset):
        schema = importing.SCHEMAS[dataset]
        required = [column.name for column in schema if column.required]
        optional = [column.name for column in schema if not column.required]
        return (f"Required: {', '.join(required)}."
                + (f" Optional: {', '.join(optional)}." if optional else ""))

    templates = html.Ul([
        html.Li([html.A(f"{dataset}.csv", href=f"/data/templates/{dataset}.csv", download=""),
                 html.Span(f": {DATASET_NOTES[dataset]} (", className="text-muted"),
                 html.A("example", href=f"/data/templates/{dataset}-example.csv", download="",
                        **{"aria-label": f"Example of {dataset}.csv"}),
                 html.Span(")", className="text-muted"),
                 html.Div(columns_text(dataset), className="text-muted",
                          id=f"data-columns-{dataset.replace('_', '-')}")],
                className="mb-2")
        for dataset in datasets], className="small mb-0")
    dropzone = html.Div([
        html.Div("Drag the CSV files here, or click to choose them", className="fw-semibold"),
        html.Div(", ".join(f"{dataset}.csv" for dataset in datasets) + ". Up to "
                 f"{upload_limit} per upload. Nothing is saved until you press Commit import.",
                 className="small text-muted", id="data-limit"),
    ], id="data-dropzone", className="dropzone", tabIndex="0", role="button")
    return html.Div([
        html.H1("Data", className="h3 mb-0"),
        html.P("Upload new data, check it, then import it. Every view shows the new numbers "
               "as soon as an import is committed.", className="text-muted"),
        dcc.Store(id="data-report"),
        dcc.Store(id="data-commit-result"),
        dbc.Row([
            dbc.Col(dbc.Card(dbc.CardBody([
                dropzone,
                dbc.Progress(id="data-progress", value=0, className="mt-3", style={
                    "height": "1.2rem"}),
                html.Div(id="data-status", className="small mt-2", role="status"),
                html.Button("Commit import", id="data-commit", className="btn btn-primary mt-2",
                            hidden=True),
                html.Div(id="data-commit-running", className="small mt-2", role="status"),
            ]), className="mb-3"), lg=8),
            dbc.Col(dbc.Card([dbc.CardHeader("Templates"), dbc.CardBody([
                html.P("Start from a template: its header row, then your rows. Columns may come "
                       "in any order; a required column must be there and filled on every "
                       "row. The example files show one made-up row and which columns are "
                       "required; they are for reading and are never imported.",
                       className="small"), templates])], className="mb-3"), lg=4),
        ]),
        dcc.Loading(html.Div(id="data-report-view"), type="default", delay_show=150),
        dbc.Card([dbc.CardHeader("Import history"),
                  dbc.CardBody(dcc.Loading(html.Div(id="data-history")))], className="mb-3"),
    ], id="data-page")


def report_view(report):
    if not report:
        return html.Div()
    if report.get("error"):
        return dbc.Alert(report["error"], color="danger", id="data-upload-error")
    errors = report.get("errors") or []
    files = report.get("files") or []
    colour = "danger" if errors else ("success" if not report.get("dry_run") else "info")
    parts = [dbc.Alert(report.get("message", ""), color=colour, id="data-report-message")]
    if files:
        parts.append(components.grid("data-files", pd.DataFrame(files),
                                     ["file", "dataset", "rows", "new", "updated", "unchanged"]))
        warnings = [f"{item['file']}: {warning}" for item in files
                    for warning in item.get("warnings") or []]
        if warnings:
            parts.append(dbc.Alert(html.Ul([html.Li(text) for text in warnings],
                                           className="mb-0"), color="warning", className="mt-2"))
    if errors:
        listed = errors[:LISTED_PROBLEMS]
        more = (f" The first {LISTED_PROBLEMS} are listed; the CSV holds all {len(errors):,}."
                if len(errors) > LISTED_PROBLEMS else "")
        parts.append(html.Div([
            html.H5(f"{len(errors):,} problem{'s' if len(errors) != 1 else ''} to fix",
                    className="mt-3"),
            html.P(["Each line number counts the header as line 1." + more + " ",
                    html.A("Download the problems as CSV",
                           href=f"/data/problems/{report['token']}.csv", download="")
                    if report.get("token") else ""], className="small"),
            html.Ul([html.Li(problem_text(problem), className="data-problem")
                     for problem in listed], id="data-problems", className="small"),
        ]))
    return dbc.Card(dbc.CardBody(parts), className="mb-3")


def can_commit(report):
    return bool(report and report.get("dry_run") and report.get("ok") and report.get("token"))


def problem_text(problem):
    where = [problem.get("file") or "upload"]
    if problem.get("line") is not None:
        where.append(f"line {problem['line']}")
    if problem.get("column"):
        where.append(f"column {problem['column']}")
    return f"{', '.join(where)}: {problem.get('message', '')}"


def history_view(batches):
    if not batches:
        return components.empty_state("No imports yet. Upload the four CSV files above.")
    frame = pd.DataFrame([{
        "when": batch.created_at.strftime("%Y-%m-%d %H:%M") if batch.created_at else "",
        "by": batch.username or "", "file": batch.file_name, "dataset": batch.dataset,
        "status": batch.status, "rows": batch.rows_total, "new": batch.rows_new,
        "updated": batch.rows_updated, "unchanged": batch.rows_unchanged,
        "problems": batch.error_count} for batch in batches])
    return components.grid("data-history-grid", frame, list(frame.columns), page_size=20)
