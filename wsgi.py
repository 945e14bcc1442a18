"""The only global app, for gunicorn and other WSGI servers: `wsgi:application`."""
from dashboard import create_app
from dashboard.analytics.warmup import warm_in_background

application = create_app()
# Each worker maps this data version's snapshot and fills the shared cache with what every
# brand scope opens by default, off the request path (docs/deployment.md).
if application.config["WARM_ON_START"]:
    warm_in_background(application)
