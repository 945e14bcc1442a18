"""Application factory: Flask server, extensions, routes, commands and the mounted Dash app."""
import os

from flask import Flask

from dashboard.config import load_config


def create_app(config=None):
    """Build the Flask server with the Dash app mounted on it.

    `config` is a mapping applied last (tests pass their database and cache here).
    """
    # The plain pages Flask renders (sign-in, database down) belong to the web side.
    app = Flask(__name__, instance_path=_instance_path(config), template_folder="web/templates")
    load_config(app, config)
    if app.config["PROXY_FIX_X_FOR"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"],
                                x_proto=1, x_host=1)
    os.makedirs(app.instance_path, exist_ok=True)
    configure_logging(app)
    register_extensions(app)
    register_error_handlers(app)
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
    """Log lines on stderr (plain in a terminal, JSON elsewhere), one per request with its id.

    Registered before the login check, so refused requests are logged and timed too.
    """
    from dashboard.web import logs

    logs.configure(level=app.config["LOG_LEVEL"], log_format=app.config["LOG_FORMAT"])
    logs.init_app(app)


def register_extensions(app):
    from dashboard.extensions import cache, csrf, db, limiter
    from dashboard.web import guard, login, security

    db.init_app(app)
    cache.init_app(app)
    login.init_app(app)
    # The sign-in guard runs first: an anonymous Dash POST gets 401, not a CSRF 400.
    guard.init_app(app)
    limiter.init_app(app)
    csrf.init_app(app)
    security.init_app(app)


def register_error_handlers(app):
    from dashboard.web import errors

    errors.init_app(app)


def register_blueprints(app):
    from dashboard.web import account_tokens, api, exports, health, uploads

    app.register_blueprint(health.blueprint)
    app.register_blueprint(exports.blueprint)
    app.register_blueprint(uploads.blueprint)
    api.init_app(app)
    app.register_blueprint(account_tokens.blueprint)


def register_commands(app):
    from dashboard import cli

    cli.init_app(app)


def register_dash(app):
    # The single place the core imports the Dash side (layouts/, callbacks/).
    from dashboard.web import dash_app

    dash_app.init_app(app)
