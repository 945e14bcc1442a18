"""Callbacks of the data view (component ids start with "data-")."""
import time

from dash import Input, Output, State, no_update
from flask import current_app
from flask_login import current_user

from callbacks import common
from dashboard import auth, importing
from dashboard.web import background, uploads
from layouts import data as view


def page(**_kwargs):
    return view.layout(importing.DATASETS,
                       uploads.limit_text(current_app.config["MAX_CONTENT_LENGTH"]))


def register(app):
    @app.callback(Output("data-report-view", "children"), Output("data-commit", "hidden"),
                  Input("data-report", "data"))
    @common.guarded
    def show_report(report):
        # The button stays in the layout: a button inserted by a callback would start the
        # background job once, and stay disabled meanwhile, every time it appeared.
        return view.report_view(report), not view.can_commit(report)

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
    @common.guarded
    def show_history(_commit_result):
        return view.history_view(uploads.import_history())
