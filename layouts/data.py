"""Data (admins): upload the four CSVs, dry-run report, commit, import history."""
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import current_app

from dashboard import importer
from dashboard.web import uploads

DATASET_NOTES = {
    "influencers": "one row per creator; tier comes from follower_count",
    "posts": "one row per post; url must be unique",
    "tracking_data": "attributed orders; dates as YYYY-MM-DD",
    "payouts": "what each creator was paid, per post or per order",
}


def layout(search="", **_kwargs):
    limit = uploads.limit_text(current_app.config["MAX_CONTENT_LENGTH"])
    templates = html.Ul([
        html.Li([html.A(f"{dataset}.csv", href=f"/data/templates/{dataset}.csv", download=""),
                 html.Span(f": {DATASET_NOTES[dataset]}", className="text-muted")])
        for dataset in importer.DATASETS], className="small mb-0")
    dropzone = html.Div([
        html.Div("Drag the CSV files here, or click to choose them", className="fw-semibold"),
        html.Div(f"influencers.csv, posts.csv, tracking_data.csv, payouts.csv. Up to {limit} "
                 "per upload. Nothing is saved until you press Commit import.",
                 className="small text-muted", id="data-limit"),
    ], id="data-dropzone", className="dropzone", tabIndex="0", role="button",
        **{"aria-label": "Upload CSV files"})
    return html.Div([
        html.H3("Data", className="mb-0"),
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
                html.P("Start from these headers. Columns may come in any order.",
                       className="small"), templates])], className="mb-3"), lg=4),
        ]),
        dcc.Loading(html.Div(id="data-report-view"), type="default", delay_show=150),
        dbc.Card([dbc.CardHeader("Import history"),
                  dbc.CardBody(dcc.Loading(html.Div(id="data-history")))], className="mb-3"),
    ], id="data-page")
