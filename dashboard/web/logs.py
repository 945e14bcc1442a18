"""Logs: plain lines in a terminal, JSON lines elsewhere, one line per request with its id."""
import json
import logging
import re
import time
import uuid
from datetime import datetime, timezone

from flask import current_app, g, has_request_context, request
from werkzeug.serving import WSGIRequestHandler

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_LOGGER = "dashboard.request"
# A proxy's id is reused only when it is short and plain, so it cannot forge log lines.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Fields of a LogRecord that every record has; anything else came in through `extra=`.
_STANDARD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
# Marks the handler create_app installs, so building a second app (tests) adds no duplicate.
_HANDLER_MARK = "_dashboard_handler"
# Terminal colour codes (werkzeug colours its lines); a log file or a JSON field is no
# place for them.
_COLOUR_CODES = re.compile(r"\x1b\[[0-9;]*m")
TEXT_LINE = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Loggers that say nothing an operator acts on at INFO: Alembic lists its seven
# autogenerate plugins at every schema upgrade, so every `make run` too.
QUIET_LOGGERS = {"alembic.runtime.plugins": logging.WARNING}


def _without_colour(text):
    return _COLOUR_CODES.sub("", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any `extra` fields."""

    def format(self, record):
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _without_colour(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_FIELDS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """One plain line per record: time, level, logger and message, without colour codes."""

    def __init__(self):
        super().__init__(TEXT_LINE)

    def format(self, record):
        return _without_colour(super().format(record))


class RequestIdFilter(logging.Filter):
    """Stamps the current request id on every record logged while a request is served."""

    def filter(self, record):
        if not hasattr(record, "request_id") and has_request_context():
            record.request_id = g.get("request_id")
        return True


def configure(level="INFO", log_format=None, stream=None):
    """Send every log record to stderr (or `stream`): plain text or JSON lines.

    `log_format` None picks by where the lines go: plain text for a person at a terminal,
    JSON for anything else (a file, a pipe, a log collector).
    """
    root = logging.getLogger()
    # "warning" as well as "WARNING": gunicorn's own setting (the same LOG_LEVEL in
    # gunicorn_conf.py) is written in lower case.
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name, quiet_level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet_level)
    handler = next((h for h in root.handlers if getattr(h, _HANDLER_MARK, False)), None)
    if handler is None:
        handler = logging.StreamHandler(stream)
        setattr(handler, _HANDLER_MARK, True)
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    elif stream is not None:
        handler.setStream(stream)
    if choose_format(log_format, handler.stream) == "text":
        handler.setFormatter(TextFormatter())
    else:
        handler.setFormatter(JsonFormatter())
    return handler


def choose_format(log_format, stream):
    """"json" or "text": the one asked for, else text only when `stream` is a terminal."""
    if log_format:
        return log_format
    try:
        return "text" if stream.isatty() else "json"
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return "json"


class DevServerRequestHandler(WSGIRequestHandler):
    """The development server's handler without werkzeug's own line per request.

    The app logs each request itself (when LOG_REQUESTS allows), with its request id;
    werkzeug's line would say the same thing a second time, in colour.
    """

    def log_request(self, code="-", size="-"):
        pass


def init_app(app):
    """Give each request an id (the proxy's X-Request-ID or a new one) and log it once.

    The line is logged unless LOG_REQUESTS is off (`dashboard run` turns it off unless asked).
    """
    app.before_request(_start_request)
    app.after_request(_log_request)


def _start_request():
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _log_request(response):
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    fields = {
        "request_id": request_id,
        "user": _username(),
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": duration_ms,
    }
    if current_app.config.get("LOG_REQUESTS") is False:
        return response
    callback_output = _dash_callback_output()
    if callback_output:
        # Every Dash callback shares one path; the output names which one ran.
        fields["callback"] = callback_output
    logging.getLogger(REQUEST_LOGGER).info(
        "%s %s %s %sms", request.method, request.path, response.status_code, duration_ms,
        extra=fields)
    return response


def _username():
    from flask_login import current_user

    try:
        if current_user.is_authenticated:
            return current_user.username
    except Exception:  # a broken database must not stop the request from being logged
        return None
    return None


def _dash_callback_output():
    if request.path != "/_dash-update-component" or request.method != "POST":
        return None
    body = request.get_json(silent=True, cache=True)
    if isinstance(body, dict) and isinstance(body.get("output"), str):
        return body["output"][:300]
    return None
