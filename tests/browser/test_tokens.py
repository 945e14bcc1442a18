"""The API tokens page in a real browser: a token is shown once, works, and is revoked."""
import json
import urllib.error
import urllib.request

import pytest

from tests.browser.helpers import open_from_menu, sign_in

pytestmark = pytest.mark.browser


def api_status(server_url, secret):
    request = urllib.request.Request(server_url + "/api/v1/metrics?by=brand",
                                     headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_make_a_token_shown_once_then_revoke_it(browser):
    sign_in(browser, "manager")
    open_from_menu(browser, "user", "account")
    browser.wait_for_element("#tokens-create")
    browser.find_element("#tokens-name").send_keys("browser test")
    browser.find_element("#tokens-create").click()
    secret = browser.wait_for_element("#tokens-new-secret").text
    assert secret.startswith("roi_")

    status, rows = api_status(browser.server.url, secret)
    assert status == 200 and [row["brand"] for row in rows] == ["MuscleBlaze"]

    browser.driver.get(browser.server.url + "/account/tokens")
    browser.wait_for_element("#tokens-own")
    assert secret not in browser.driver.page_source
    assert not browser.driver.find_elements("css selector", "#tokens-new-secret")
    revoke = browser.driver.find_element("css selector", "#tokens-own button[id^=tokens-revoke-]")
    revoke.click()
    assert "is revoked" in browser.wait_for_element("#tokens-message").text
    assert browser.find_element("#tokens-own .tokens-status").text == "revoked"
    status, body = api_status(browser.server.url, secret)
    assert status == 401 and "revoked" in body["error"]
