"""What the browser tests (test_browser.py, test_console.py, test_count.py, test_street.py,
test_slip_qr.py) share besides support.py: headless Chromium, axe-core on a page, signing in
with a key, and a test's clean-up and last lines."""
import os
import shutil
import time

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from support import check, failures, stop_server


def chrome(flags=(), downloads=None):
    """Headless Chromium (Debian's chromium and chromium-driver), Chinese first."""
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=zh-CN") + tuple(flags):
        options.add_argument(flag)
    if downloads:
        options.add_experimental_option("prefs", {"download.default_directory": downloads, "download.prompt_for_download": False})
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    if downloads:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    return driver


def axe(driver, view):
    """axe-core on the page as it is now: any violation fails (issue 12), each printed."""
    runner = Axe(driver)
    runner.inject()
    violations = runner.run()["violations"]
    for v in violations:
        print("     axe %s (%s): %s" % (v["id"], v["impact"], v["help"]))
        for node in v["nodes"][:5]:
            print("       %s: %s" % (node["target"], (node.get("failureSummary") or "").replace("\n", " ")[:200]))
    return check(not violations, "axe-core: no violations on %s" % view)


def key_sign_in(driver, wait, base, key):
    """The console's folded-away key sign-in (after 签退 of whoever is signed in)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    driver.get("about:blank")
    driver.get(base + "/admin")
    wait.until(lambda d: d.find_elements(By.ID, "key-details") or d.find_elements(By.CSS_SELECTOR, ".console-nav button"))
    if driver.find_elements(By.CSS_SELECTOR, ".console-nav button"):
        driver.find_element(By.CSS_SELECTOR, ".console-nav button").click()
    details = wait.until(EC.presence_of_element_located((By.ID, "key-details")))
    if not details.get_attribute("open"):
        details.find_element(By.TAG_NAME, "summary").click()
    field = wait.until(EC.visibility_of_element_located((By.ID, "key")))
    field.send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#key-sign-in button[type=submit]").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".console-nav")))


def close_browsers(browsers, server, log=None):
    """A browser test's `finally`: quits every browser opened (None where none was), then stops
    the server, even if quitting one failed."""
    try:
        for browser in browsers:
            if browser:
                browser.quit()
    finally:
        stop_server(server, log)


def browser_test_result(name, work, screenshots, started=None):
    """A browser test's last lines: its tally (with its seconds, if `started`), then the server
    log's path on failure, or its work directory removed. The exit status."""
    took = "" if started is None else " in %.0f s" % (time.monotonic() - started)
    print("%s: %d failed%s; screenshots in %s" % (name, len(failures), took, screenshots))
    if failures:
        print("server log: " + os.path.join(work, "server.log"))
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0
