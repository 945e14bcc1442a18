"""The only global app, for gunicorn and other WSGI servers: `wsgi:application`."""
from dashboard import create_app

application = create_app()
