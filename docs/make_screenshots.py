"""Screenshots for the README: the demo sample in a throwaway instance, seen by headless Chromium.

Usage: .venv/bin/python docs/make_screenshots.py [--out docs/screenshots]
"""
import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
WIDTH = 1280
# (file name, path, role that signs in, CSS selector that shows the page is drawn)
PAGES = [
    ("overview", "/overview", "admin", "#overview-kpi-revenue"),
    ("roi", "/roi", "admin", "#roi-by-group .main-svg"),
    ("creators", "/influencers", "admin", "#influencers-grid .ag-row"),
    ("insights", "/insights", "admin", "#insights-heatmap .main-svg"),
    ("plan", "/plan", "admin", "#plan-chart .main-svg"),
    ("brands", "/brands", "manager", ".brand-card"),
    ("data", "/data", "admin", "#data-history-grid .ag-row"),
]
# Plotly animates its first draw; wait this long after the page is there.
SETTLE_SECONDS = 1.5
MAX_HEIGHT = 2400


def build_app(instance):
    from dashboard import create_app, demo, schema, users

    database_url = f"sqlite:///{instance}/dashboard.sqlite3"
    app = create_app({"SECRET_KEY": "screenshots-only", "DATABASE_URL": database_url,
                      "INSTANCE_PATH": str(instance), "CACHE_TYPE": "SimpleCache",
                      "RATELIMIT_STORAGE_URI": "memory://", "LOG_LEVEL": "WARNING"})
    schema.upgrade(database_url)
    passwords = {"admin": "screenshot-admin-1", "manager": "screenshot-manager-1"}
    with app.app_context():
        result = demo.load_sample()
        if result.errors:
            raise SystemExit(f"The sample data did not import: {result.errors[0]}")
        users.create_user("admin", passwords["admin"], "admin")
        users.create_user("manager", passwords["manager"], "manager", ["MuscleBlaze", "Gritzo"])
    return app, passwords


def browser():
    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--hide-scrollbars",
                     f"--window-size={WIDTH},900", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    return webdriver.Chrome(options=options)


def sign_in(driver, base_url, username, password):
    driver.delete_all_cookies()
    driver.get(base_url + "/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()
    WebDriverWait(driver, 30).until(expected_conditions.presence_of_element_located(
        (By.CSS_SELECTOR, "#app-page > *")))


def capture(driver, base_url, path, ready_selector, target):
    driver.set_window_size(WIDTH, 900)
    driver.get(base_url + path)
    WebDriverWait(driver, 60).until(expected_conditions.presence_of_element_located(
        (By.CSS_SELECTOR, ready_selector)))
    time.sleep(SETTLE_SECONDS)
    # Growing the window can reflow the page (responsive charts), so measure twice.
    for _ in range(2):
        height = driver.execute_script(
            "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)")
        inner = driver.execute_script("return window.innerHeight")
        outer = driver.get_window_size()["height"]
        driver.set_window_size(WIDTH, min(int(height) + (outer - inner), MAX_HEIGHT))
        time.sleep(0.7)
    driver.save_screenshot(str(target))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    out_dir = Path(parser.parse_args().out)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as instance:
        app, passwords = build_app(Path(instance))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        base_url = f"http://127.0.0.1:{server.server_port}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        driver = browser()
        try:
            signed_in_as = None
            for name, path, role, ready_selector in PAGES:
                if role != signed_in_as:
                    sign_in(driver, base_url, role, passwords[role])
                    signed_in_as = role
                target = out_dir / f"{name}.png"
                capture(driver, base_url, path, ready_selector, target)
                print(f"Saved {os.path.relpath(target, ROOT)}")
        finally:
            driver.quit()
            server.shutdown()
            app.extensions["database_engine"].dispose()


if __name__ == "__main__":
    main()
