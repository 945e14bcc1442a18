"""Browser tests: a live app on SQLite with the tiny fixture, driven by headless Chromium."""
import os

import pytest
from selenium.webdriver.chrome.options import Options

from tests.helpers import create_users, import_tiny, make_test_app

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_ARGUMENTS = ("--headless=new", "--no-sandbox", "--disable-gpu",
                      "--disable-dev-shm-usage", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run",
                      "--window-size=1280,900")


def pytest_setup_options():
    """dash_duo's hook: Debian's Chromium, headless, without background chatter."""
    options = Options()
    options.binary_location = CHROMIUM
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    return options


@pytest.fixture(autouse=True)
def _chromium_installed():
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(path)]
    if missing:
        pytest.skip(f"Browser tests skipped: {', '.join(missing)} not installed "
                    "(apt-get install chromium chromium-driver)")


@pytest.fixture
def live_app(sqlite_url, tmp_path):
    """The Flask app with users and the tiny data set, ready for dash_duo.start_server.

    CSRF protection is on, as in production: the browser sends the token with every
    callback and upload."""
    app = make_test_app(sqlite_url, tmp_path, WTF_CSRF_ENABLED=True)
    create_users(app)
    import_tiny(app)
    yield app
    app.extensions["database_engine"].dispose()


@pytest.fixture
def browser(dash_duo, live_app):
    """dash_duo with the live app started (not yet signed in)."""
    dash_duo.start_server(live_app.extensions["dash_app"], navigate=False)
    return dash_duo
