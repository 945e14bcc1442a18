"""Admin CSV uploads: stream to the instance folder (kept for good), dry-run report, commit."""
import hashlib
import json
import logging
import os
import re
import secrets
import shutil

import pandas as pd
from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, same_origin, validate_csrf
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.utils import secure_filename
from wtforms import ValidationError

from dashboard import importing
from dashboard.analytics import planner
from dashboard.reports import alerts
from dashboard.analytics.warmup import start_warm_process, warm_default_views
from dashboard.web import exports, guard
from dashboard.extensions import csrf, db
from models import ImportBatch

log = logging.getLogger(__name__)
blueprint = Blueprint("uploads", __name__)

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
HISTORY_ROWS = 50
# A file whose name holds this is an example to read, never data to import.
EXAMPLE_MARK = "example"


def limit_text(max_bytes):
    megabytes = max_bytes / (1024 * 1024)
    return f"{megabytes:,.0f} MB" if megabytes >= 1 else f"{max_bytes:,} bytes"


def pending_root():
    return os.path.join(current_app.instance_path, "uploads", "pending")


def dataset_for(name):
    """The dataset a file name points to, also for names like "tracking_data (2).csv".

    An example file (influencers-example.csv) points to none: its row is made up.
    """
    base = os.path.basename(name).lower()
    if EXAMPLE_MARK in base:
        return None
    if base in importing.FILE_NAMES:
        return importing.FILE_NAMES[base]
    for dataset in importing.DATASETS:
        if dataset in base or (dataset == "tracking_data" and "tracking" in base):
            return dataset
    return None


class _ReceivedFile:
    """One file of a multipart upload, written straight to its place and hashed as it comes.

    Werkzeug's form parser writes each part into the object a stream factory returns; by
    default that is a temporary file, which the upload would then copy once more.
    """

    def __init__(self, path, name):
        self.path, self.name = path, name
        self.file = open(path, "w+b")
        self.hasher = hashlib.sha256()
        self.size = 0

    def write(self, data):
        self.hasher.update(data)
        self.size += len(data)
        return self.file.write(data)

    def __getattr__(self, name):  # seek, read, close, ... as the file has them
        return getattr(self.file, name)

    def record(self):
        return {"name": self.name, "path": self.path, "sha256": self.hasher.hexdigest(),
                "bytes": self.size, "dataset": dataset_for(self.name)}


def receive_uploads(root, max_bytes):
    """Parse this request's multipart body, writing each file into a new folder under `root`
    in one pass. Returns (token, [{"name", "path", "sha256", "bytes", "dataset"}])."""
    token = secrets.token_urlsafe(24)
    folder = os.path.join(root, token)
    os.makedirs(folder)
    received = []

    def stream_factory(total_content_length, content_type, filename, content_length=None):
        original = os.path.basename(filename or f"file-{len(received) + 1}.csv")
        path = os.path.join(folder, f"{len(received):02d}-"
                                    f"{secure_filename(original) or 'upload.csv'}")
        received.append(_ReceivedFile(path, original))
        return received[-1]

    parser = FormDataParser(stream_factory=stream_factory, max_content_length=max_bytes)
    try:
        _stream, _form, files = parser.parse_from_environ(request.environ)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # a refused upload leaves no parts behind
        raise
    finally:
        for item in received:
            item.file.close()
    chosen = {id(storage.stream) for storage in files.getlist("files") if storage.filename}
    for item in received:
        if id(item) not in chosen:
            os.remove(item.path)
    if not chosen:
        os.rmdir(folder)
    return token, [item.record() for item in received if id(item) in chosen]


def unknown_name_message(name):
    """What a web user does about a file whose name names no dataset (on this page)."""
    if EXAMPLE_MARK in os.path.basename(name).lower():
        return (f"{name} is an example file: its row is made up, so it is never imported. "
                "Download the template of that data set, fill it in, and drop it here.")
    return (f"Cannot tell which data set {name} holds from its name. Rename the file to "
            f"{', '.join(importing.FILE_NAMES)} (a name that contains one of these words, "
            "such as \"posts (2).csv\", works too) and drop it here again.")


def run_import(stored, *, dry_run, username):
    """import_files on stored uploads; an unusable request becomes one problem, not a 500."""
    files = [importing.ImportFile(item["path"], name=item["name"], dataset=item["dataset"])
             for item in stored]
    refusal = None
    unknown = [item["name"] for item in stored if item["dataset"] is None]
    if unknown:
        refusal = " ".join(unknown_name_message(name) for name in unknown)
    try:
        if refusal is not None:
            raise importing.UsageError(refusal)
        result = importing.import_files(
            files, limits=importing.ImportLimits.from_app(current_app), dry_run=dry_run,
            username=username)
    except importing.UsageError as error:
        refusal = str(error)
    except Exception:  # the admin sees a reference number; the log has the trace
        # The import's transaction has rolled back by the time the error reaches here.
        reference = secrets.token_hex(3).upper()
        current_app.logger.exception("import by %s failed (error number %s)", username,
                                     reference)
        refusal = ("The import failed unexpectedly; nothing was changed. Give an admin "
                   f"error number {reference}.")
    if refusal is not None:
        return {"files": [], "errors": [{"file": "", "line": None, "column": None,
                                         "message": refusal, "text": refusal}],
                "dry_run": dry_run}
    return {
        "dry_run": result.dry_run,
        "files": [{"file": report.file, "dataset": report.dataset, "rows": report.rows,
                   "new": report.new, "updated": report.updated,
                   "unchanged": report.unchanged, "warnings": list(report.warnings),
                   "sha256": report.sha256, "batch_id": report.batch_id,
                   "summary": report.summary()} for report in result.files],
        "errors": [{"file": problem.file, "line": problem.line, "column": problem.column,
                    "message": problem.message, "text": str(problem)}
                   for problem in result.errors],
    }


def _count(number, noun):
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def report_message(report):
    errors = len(report["errors"])
    rows = sum(item["rows"] for item in report["files"])
    if errors:
        return (f"Found {_count(errors, 'problem')}; nothing was imported. "
                "Fix them and upload the files again.")
    if report["dry_run"]:
        new = sum(item["new"] for item in report["files"])
        updated = sum(item["updated"] for item in report["files"])
        return (f"Checked {_count(rows, 'row')}: {new:,} new, {updated:,} updated. Nothing is "
                "saved until you press Commit import.")
    return f"Imported {_count(rows, 'row')}. Every view now shows the new numbers."


def _save_json(folder, name, value):
    with open(os.path.join(folder, name), "w", encoding="utf-8") as handle:
        json.dump(value, handle)


def _load_json(folder, name):
    with open(os.path.join(folder, name), encoding="utf-8") as handle:
        return json.load(handle)


def _pending_folder(token):
    if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        return None
    folder = os.path.join(pending_root(), token)
    return folder if os.path.isfile(os.path.join(folder, "manifest.json")) else None


def _too_large(max_bytes, size=None):
    sent = f"This upload is {limit_text(size)}; " if size else "This upload is too large; "
    return jsonify(ok=False, error=f"{sent}the limit is {limit_text(max_bytes)} per upload. "
                                   "Split the files or upload them one at a time."), 413


def _check_csrf_header():
    """Flask-WTF's CSRF check with the token from the X-CSRFToken header only: its own
    check looks in the form first, which reads the whole body before it can refuse."""
    try:
        validate_csrf(request.headers.get("X-CSRFToken"))
    except ValidationError as error:
        raise CSRFError(error.args[0]) from None
    if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
        if not request.referrer or not same_origin(request.referrer,
                                                   f"https://{request.host}/"):
            raise CSRFError("The referrer does not match the host.")


@blueprint.post("/data/upload")
@csrf.exempt  # checked below from the header, before a byte of the body is read
@guard.require_view("data", "upload")
def upload():
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        _check_csrf_header()
    max_bytes = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length and max_bytes and request.content_length > max_bytes:
        return _too_large(max_bytes, request.content_length)
    root = pending_root()
    os.makedirs(root, exist_ok=True)
    try:
        token, stored = receive_uploads(root, max_bytes)
    except RequestEntityTooLarge:
        return _too_large(max_bytes)
    if not stored:
        return jsonify(ok=False, error="No file arrived. Choose one or more CSV files."), 400
    report = run_import(stored, dry_run=True, username=current_user.username)
    report.update(token=token, ok=not report["errors"], message=report_message(report))
    folder = os.path.join(root, token)
    _save_json(folder, "manifest.json", {"username": current_user.username, "files": stored,
                                         "committed": False})
    _save_json(folder, "report.json", report)
    return jsonify(report), 200


@blueprint.post("/data/commit")
@guard.require_view("data", "upload")
def commit():
    body = request.get_json(silent=True) or {}
    report, status = commit_upload(body.get("token") or request.form.get("token"),
                                   current_user.username)
    return jsonify(report), status


def commit_upload(token, username):
    """Import the files of a checked upload for real: (report, HTTP status).

    The data page runs this as a background job, so a large import never meets the web
    worker's timeout; this route serves scripts.
    """
    folder = _pending_folder(token)
    if folder is None:
        return {"ok": False, "error": "This upload is unknown. Upload the files again."}, 404
    manifest = _load_json(folder, "manifest.json")
    if manifest.get("committed"):
        return {"ok": False, "error": "These files were already imported."}, 409
    report = run_import(manifest["files"], dry_run=False, username=username)
    report.update(ok=not report["errors"], message=report_message(report))
    if report["ok"]:
        manifest["committed"] = True
        _save_json(folder, "manifest.json", manifest)
        warm = current_app.config["WARM_AFTER_IMPORT"]
        if warm == "wait":
            _warm_planner()
        elif warm == "background":
            # Off the request and at lower priority: the people using the dashboard now
            # come first, and meanwhile their views are computed on demand.
            start_warm_process(current_app.instance_path)
        alerts.evaluate_after_import()
    _save_json(folder, "report.json", report)
    return report, 200 if report["ok"] else 422


@blueprint.get("/data/problems/<token>.csv")
@guard.require_view("data", "upload")
def problems_csv(token):
    folder = _pending_folder(token)
    if folder is None:
        return jsonify(error="This upload is unknown or has expired."), 404
    errors = _load_json(folder, "report.json")["errors"]
    frame = pd.DataFrame(errors, columns=["file", "line", "column", "message"])
    frame["line"] = frame["line"].astype("Int64")
    return exports.csv_response(frame, "import-problems.csv")


@blueprint.get("/data/templates/<dataset>.csv")
@guard.require_view("data")
def template_csv(dataset):
    columns = importing.SCHEMAS.get(dataset)
    if columns is None:
        return jsonify(error=f"There is no dataset called {dataset!r}; the four are "
                             f"{', '.join(importing.DATASETS)}."), 404
    header = ",".join(column.name for column in columns) + "\r\n"
    return Response(header, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{dataset}.csv"'})


@blueprint.get(f"/data/templates/<dataset>-{EXAMPLE_MARK}.csv")
@guard.require_view("data")
def example_csv(dataset):
    """The template's columns, a row saying which are required, and one made-up row.

    The file is for reading: its name keeps it out of an import (dataset_for), and its
    "required"/"optional" row would fail the checks if it were renamed and uploaded.
    """
    columns = importing.SCHEMAS.get(dataset)
    if columns is None:
        return jsonify(error=f"There is no dataset called {dataset!r}; the four are "
                             f"{', '.join(importing.DATASETS)}."), 404
    frame = pd.DataFrame(
        [["required" if column.required else "optional" for column in columns],
         [importing.EXAMPLE_ROWS[dataset].get(column.name, "") for column in columns]],
        columns=[column.name for column in columns])
    return exports.csv_response(frame, f"{dataset}-{EXAMPLE_MARK}.csv")


def _warm_planner():
    # The import is done and committed; a failed warm-up only means a slower first plan.
    try:
        # The snapshot and the views every scope opens first, ready before the first visit.
        warm_default_views()
        planner.warm_after_import()
    except Exception:
        log.exception("warming the budget planner after an import failed")


def import_history(limit=HISTORY_ROWS):
    """The latest import batches, newest first."""
    return db.session.execute(select(ImportBatch).order_by(
        ImportBatch.created_at.desc(), ImportBatch.id.desc()).limit(limit)).scalars().all()


@blueprint.app_errorhandler(RequestEntityTooLarge)
def _request_too_large(error):
    if request.path.startswith("/data/"):
        return _too_large(current_app.config["MAX_CONTENT_LENGTH"], request.content_length)
    return error
