"""Liveness and readiness: does the process answer, does the database answer."""
from flask import Blueprint, jsonify
from sqlalchemy import text

from dashboard.extensions import db

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means "not healthy"
        return jsonify(status="error", database=f"not answering: {type(error).__name__}"), 503
    return jsonify(status="ok", database="ok")
