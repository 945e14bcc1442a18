"""Callbacks of the data view (component ids start with "data-")."""
import time

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, html, no_update
from flask_login import current_user

from callbacks import common
from dashboard import auth
from dashboard.web import background, uploads
from layouts import components

# The page lists this many problems; the CSV download has them all.
LISTED_PROBLEMS = 200


def register(app):
    @app.callback(Output("data-report-view", "children"), Output("data-commit", "hidden"),
                  Input("data-report", "data"))
    @common.guarded()
    def show_report(report):
        # The button stays in the layout: a button inserted by a callback would start the
        # background job once, and stay disabled meanwhile, every time it appeared.
        return report_view(report), not can_commit(report)

    @app.callback(Output("data-report", "data", allow_duplicate=True),
                  Output("data-commit-result", "data"),
                  Output("data-status", "children", allow_duplicate=True),
                  Input("data-commit", "n_clicks"), State("data-report", "data"),
                  background=True, prevent_initial_call=True,
                  running=[(Output("data-commit", "disabled"), True, False),
                           (Output("data-commit-running", "children"),
                            "Importing. Large files take a few minutes; you can stay on this "
                            "page or come back later.", "")])
    @background.run_as_requesting_user
    def commit_import(n_clicks, report):
        # A background job: a long import never meets the web worker's timeout.
        if not n_clicks or not report or not report.get("token"):
            return no_update, no_update, no_update
        if not auth.can(current_user, "upload"):  # the job checks again, on its own
            refused = "Your role cannot import data. Ask an admin."
            return {"ok": False, "error": refused}, no_update, refused
        result, _status = uploads.commit_upload(report["token"], current_user.username)
        if "message" not in result:
            result["message"] = result.get("error", "")
        return result, {"at": time.time(), "ok": bool(result.get("ok"))}, result["message"]

    @app.callback(Output("data-history", "children"), Input("data-commit-result", "data"))
    @common.guarded()
    def show_history(_commit_result):
        return history_view(uploads.import_history())


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
