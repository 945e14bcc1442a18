"""What the browser test modules share: signing in and out, opening a page, reading texts."""
from selenium.webdriver.common.by import By

from tests.helpers import PASSWORDS


def sign_in(dash_duo, username):
    """Sign in through the /login form and wait for the role's home page."""
    dash_duo.driver.get(dash_duo.server.url + "/login")
    dash_duo.wait_for_element("#username").send_keys(username)
    dash_duo.find_element("#password").send_keys(PASSWORDS[username])
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#app-page .view-body, #page-forbidden", timeout=15)


def wait_for_filters(dash_duo, view, timeout=15):
    """Wait for the filter bar's dropdowns and slider: Dash loads their code after the page
    frame, and on a slow machine the frame (and even the numbers) come seconds before."""
    for control in ("period", "brands", "baseline"):
        dash_duo.wait_for_element(f"#{view}-filter-{control}", timeout=timeout)


def sign_out(dash_duo):
    dash_duo.driver.get(dash_duo.server.url + "/logout")
    dash_duo.wait_for_element("#login-submit")


def open_page(dash_duo, path):
    dash_duo.driver.get(dash_duo.server.url + path)
    dash_duo.wait_for_element("#app-page > *", timeout=15)


def texts(dash_duo, selector):
    return [element.text for element in dash_duo.driver.find_elements(By.CSS_SELECTOR,
                                                                       selector)]


def open_from_menu(dash_duo, menu, link):
    """Open the top bar's `menu` ("user" or "admin") and click its link `link` (a view)."""
    dash_duo.wait_for_element(f"#nav-{menu}-menu .dropdown-toggle").click()
    dash_duo.wait_for_element(f"#nav-{link}").click()
