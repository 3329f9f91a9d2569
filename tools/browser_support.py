"""What the browser tests (tools/test_browser.py, tools/test_console.py) share: ok/FAIL lines,
a free port, waiting for `minping serve`, headless Chromium, and axe-core on a page."""
import socket
import subprocess
import sys
import time
import urllib.request

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

failures = []


def check(condition, what):
    """Prints ok or FAIL; a failure is remembered for the exit status."""
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)
    return condition


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(server, base):
    """`minping serve` prints before the port is bound: wait for /healthz."""
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):
                return
        except OSError:
            if server.poll() is not None:
                sys.exit("minping serve exited with %s" % server.returncode)
            time.sleep(0.1)
    server.kill()
    sys.exit("minping serve did not start within 60 s")


def stop_server(server, log=None):
    """Stops a `minping serve` started by a test (killed if it does not stop in 30 s)."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    if log is not None:
        log.close()


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
