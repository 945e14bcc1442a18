"""Application factory: Flask server, extensions, routes, commands and the mounted Dash app."""
import logging
import os

from flask import Flask

from dashboard.config import load_config


def create_app(config=None):
    """Build the Flask server with the Dash app mounted on it.

    `config` is a mapping applied last (tests pass their database and cache here).
    """
    app = Flask(__name__, instance_path=_instance_path(config))
    load_config(app, config)
    os.makedirs(app.instance_path, exist_ok=True)
    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_dash(app)
    return app


def _instance_path(config):
    if config and config.get("INSTANCE_PATH"):
        return config["INSTANCE_PATH"]
    if os.environ.get("INSTANCE_PATH"):
        return os.environ["INSTANCE_PATH"]
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "instance")


def configure_logging(app):
    logging.basicConfig(
        level=app.config["LOG_LEVEL"],
        format="%(asctime)s %(levelname)s %(name)s %(message)s")


def register_extensions(app):
    from dashboard.extensions import cache, db

    db.init_app(app)
    cache.init_app(app)
    from dashboard import auth

    auth.init_app(app)


def register_blueprints(app):
    from dashboard import health

    app.register_blueprint(health.blueprint)


def register_commands(app):
    from dashboard import cli

    cli.init_app(app)


def register_dash(app):
    # The single place the core imports the Dash side (layouts/, callbacks/).
    from dashboard import dash_app

    dash_app.init_app(app)
