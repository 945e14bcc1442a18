import time
from tests.browser.conftest import open_page, sign_in
from tests.browser.test_dashboard import BAD_TRACKING, hand_over_file

def test_debug(browser, tmp_path):
    sign_in(browser, "admin")
    open_page(browser, "/data")
    browser.wait_for_element("#data-dropzone", timeout=15)
    bad = tmp_path / "tracking_data.csv"; bad.write_text(BAD_TRACKING)
    hand_over_file(browser, bad)
    time.sleep(3)
    print("LOGS", browser.driver.get_log("browser"))
    print("HTML", browser.driver.find_element("css selector", "#data-page").get_attribute("innerHTML")[:3000])
    print("SETPROPS", browser.driver.execute_script("return typeof (window.dash_clientside && window.dash_clientside.set_props)"))
