#!/usr/bin/env python3
"""Browser test of the pages (issue 6), headless Chromium driven by Selenium, against a real
`minping serve` on loopback: print slips, open a slip URL, vote on a 360 px phone window, see
the tracker, try the same slip again and see the refusal, close and publish, check the board
shows the right stars, check the receipt in the browser. A screenshot of every page goes to
the output folder (default .build/browser-screenshots).

Usage: tools/test_browser.py path/to/minping [--out DIR]
Needs: chromium, chromium-driver (Debian), selenium (PyPI); tools/test installs them.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

EVALUATION = "fuyuan-2018"
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(server, base):
    """The slips line comes before the port is bound: wait for /healthz."""
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


def api(port, method, path, body=None, key=None):
    req = urllib.request.Request("http://127.0.0.1:%d/api/v1/evaluations/%s%s" % (port, EVALUATION, path),
                                 data=json.dumps(body).encode() if body is not None else None, method=method)
    req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Authorization", "Bearer " + key)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read().decode())


def pdf(driver, name, pages, what):
    """Prints the page to A4 PDF as the browser would, saves it, and checks the page count."""
    from selenium.webdriver.common.print_page_options import PrintOptions
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7
    data = __import__("base64").b64decode(driver.print_page(options))
    with open(os.path.join(OUT, name + ".pdf"), "wb") as f:
        f.write(data)
    count = len(__import__("re").findall(rb"/Type\s*/Page[^s]", data))
    check(count >= 1 and (pages is None or count == pages), "%s (%d page%s)" % (what, count, "" if count == 1 else "s"))


OUT = ".build/browser-screenshots"


def main():
    global OUT
    minping = os.path.abspath(sys.argv[1])
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else ".build/browser-screenshots"
    os.makedirs(out, exist_ok=True)
    OUT = out
    work = tempfile.mkdtemp(prefix="minping-browser-")
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    server = subprocess.Popen([minping, "serve", "--db", os.path.join(work, "b.sqlite"), "--port", str(port),
                               "--load", "Ballots/fuyuan-2018.yaml", "--slips", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    admin = None
    for line in server.stdout:
        if line.startswith("admin key:"):
            admin = line.split()[-1]
        if line.startswith("slips"):
            break
    wait_until_serving(server, base)

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=zh-CN"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    wait = WebDriverWait(driver, 20)

    def shot(name, width, height=None):
        driver.set_window_size(width, height or 900)
        if height is None:  # the whole page
            total = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(width, min(max(total + 120, 600), 8000))
        driver.save_screenshot(os.path.join(out, name + ".png"))

    def tap(element):
        # A real thumb scrolls first: keep the target clear of the sticky submit bar.
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def no_overflow(what):
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        check(overflow <= 0, "%s: no horizontal overflow (%d px)" % (what, overflow))

    try:
        # 1. Print slips through the admin page.
        driver.set_window_size(1280, 900)
        driver.get(base + "/admin/slips/" + EVALUATION)
        driver.find_element(By.ID, "key").send_keys(admin)
        count = driver.find_element(By.ID, "count")
        count.clear()
        count.send_keys("8")
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".slip")))
        slips = driver.find_elements(By.CSS_SELECTOR, ".slip")
        check(len(slips) == 8 and all(s.find_elements(By.TAG_NAME, "svg") for s in slips), "8 slips printed, each with a QR code")
        urls = [s.get_attribute("data-url") for s in slips]
        check(all("/vote/%s#t=" % EVALUATION in u for u in urls), "slip QR codes carry /vote/<id>#t=<token>")
        shot("1-slips", 1280)
        pdf(driver, "1-slips", 1, "8 slips print on one A4 page")

        # 2. Vote on a phone-sized window.
        driver.set_window_size(360, 740)
        driver.get(urls[0])
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "fieldset.subject")))
        check("#t=" not in driver.current_url, "the token is dropped from the address bar")
        no_overflow("ballot at 360 px")
        shot("2-ballot-phone", 360)
        driver.set_window_size(360, 740)
        labels = driver.find_elements(By.CSS_SELECTOR, "fieldset.subject .options label")
        tap(labels[2])  # the first member: 不满意 (third option)
        inputs = driver.find_elements(By.CSS_SELECTOR, "fieldset.subject input")
        check(inputs[2].is_selected(), "tapping an option selects it (label tied to its input)")
        # keyboard only: focus the second member's first option and press space
        second = driver.find_elements(By.CSS_SELECTOR, "fieldset.subject")[1].find_element(By.CSS_SELECTOR, "input")
        driver.execute_script("arguments[0].focus()", second)
        second.send_keys(" ")
        check(second.is_selected(), "an option can be chosen with the keyboard")
        tap(driver.find_element(By.XPATH, "//div[@class='bulk']/button[1]"))  # rate all remaining as 满意
        tap(driver.find_element(By.CSS_SELECTOR, ".progress button.primary"))
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "ul.review")))
        check(len(driver.find_elements(By.CSS_SELECTOR, "ul.review li.unrated")) == 0, "review lists every subject rated")
        shot("3-review-phone", 360)
        driver.set_window_size(360, 740)
        tap(driver.find_element(By.CSS_SELECTOR, "button.primary"))
        tracker = wait.until(EC.presence_of_element_located((By.ID, "tracker"))).text.strip()
        check(len(tracker) == 64, "the tracker is shown after voting")
        verified = WebDriverWait(driver, 40).until(
            lambda d: d.find_element(By.ID, "verification").text if "已核验" in d.find_element(By.ID, "verification").text
            or "失败" in d.find_element(By.ID, "verification").text else False)
        check("已核验" in verified, "the page checks the ballot is in the log exactly as sent: " + verified[:40])
        signature = wait.until(EC.presence_of_element_located((By.ID, "signature"))).text
        check("签名有效" in signature, "and checks the checkpoint's Ed25519 signature: " + signature[:40])
        stored = driver.execute_script("return [localStorage.length, sessionStorage.length, document.cookie]")
        check(stored == [0, 0, ""], "nothing about the ballot is stored in the browser")
        shot("4-voted-phone", 360)

        # 3. The same slip again is refused in plain Chinese.
        driver.set_window_size(360, 740)
        driver.get("about:blank")  # scanning the slip again opens a fresh page
        driver.get(urls[0])
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "fieldset.subject")))
        tap(driver.find_element(By.XPATH, "//div[@class='bulk']/button[1]"))
        tap(driver.find_element(By.CSS_SELECTOR, ".progress button.primary"))
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "ul.review")))
        tap(driver.find_element(By.CSS_SELECTOR, "button.primary"))
        refusal = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".message.error"))).text
        check("已经使用过" in refusal, "a used slip gets a clear Chinese message: " + refusal[:30])
        shot("5-used-slip-phone", 360)

        # A slip whose token is not a token (mistyped, torn) is refused at once, before any voting.
        driver.get("about:blank")
        driver.get(base + "/vote/" + EVALUATION + "#t=AAIxyz")
        invalid = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".message.error"))).text
        check("无效" in invalid and not driver.find_elements(By.CSS_SELECTOR, "fieldset.subject"),
              "an invalid slip gets a clear Chinese message before the ballot: " + invalid[:20])

        # More ballots through the API, so the board has something to show.
        for i, url in enumerate(urls[1:]):
            token = url.split("#t=")[1]
            definition = api(port, "GET", "")
            option = "dissatisfied" if i % 3 == 0 else "satisfied"
            api(port, "POST", "/ballots", {"token": token, "ratings": {s["id"]: option for s in definition["subjects"]}})

        # 4. The board before and after publication.
        driver.set_window_size(1920, 1080)
        driver.get(base + "/board/" + EVALUATION)
        check("已投票" in driver.page_source and "8" in driver.find_element(By.CSS_SELECTOR, ".turnout").text,
              "before publication the board shows turnout only")
        check(not driver.find_elements(By.CSS_SELECTOR, "table.results"), "no results table before publication")
        api(port, "POST", "/close", key=admin)
        driver.set_window_size(360, 740)
        driver.get("about:blank")
        driver.get(urls[1])
        closed = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".message.error"))).text
        check("投票已经结束" in closed, "a slip opened after voting closed gets a clear Chinese message: " + closed[:20])
        results = api(port, "POST", "/publish", {"stage": "preliminary"}, key=admin)
        driver.get(base + "/board/" + EVALUATION)
        stars_expected = sum(len(s["stars"]) for s in results["subjects"])
        stars_shown = len(driver.find_elements(By.CSS_SELECTOR, ".star"))
        check(stars_shown == stars_expected, "the board shows the published stars (%d of %d)" % (stars_shown, stars_expected))
        check("初步结果·公示中" in driver.page_source and "公示期至" in driver.page_source, "the stage and the publicity end date are shown")
        first = next(s for s in results["subjects"] if s["kind"] == "member")
        row = driver.find_element(By.XPATH, "//tr[th[text()='%s']]" % first["name"]).text
        check((first["rate"] or "—") in row, "a member's row shows the published rate (%s)" % first["rate"])
        shot("6-board-1920", 1920)
        pdf(driver, "6-board", None, "the board prints on A4")
        no_overflow("board at 1920 px")
        driver.set_window_size(1920, 1080)  # a community's screen, before the page measures itself
        driver.get(base + "/board/" + EVALUATION + "?display=1")
        shot("7-board-display-1920", 1920, 1080)
        # The large screen scrolls through the tables by itself (after a rest), then reloads.
        time.sleep(9)
        check(driver.execute_script("return window.scrollY") > 0, "display mode scrolls through the board by itself")
        check(any("refresh" in (m.get_attribute("innerHTML") or "") for m in driver.find_elements(By.TAG_NAME, "noscript"))
              and driver.find_elements(By.CSS_SELECTOR, "script[src='/static/board-display.js']"),
              "display mode reloads by itself (script, and a refresh without JavaScript)")
        driver.get(base + "/board/" + EVALUATION)
        driver.set_window_size(360, 740)
        no_overflow("board at 360 px")
        shot("8-board-phone", 360)
        driver.get(base + "/board/" + EVALUATION + "?lang=en")
        check("Public board" in driver.page_source and "Preliminary results" in driver.page_source, "the English switch works")

        # 5. The receipt check verifies the proof in the browser.
        driver.set_window_size(360, 740)
        driver.get(base + "/receipt/" + EVALUATION)
        driver.find_element(By.ID, "tracker").send_keys(tracker)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        verdict = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#result .message"))).text
        check("已经计入" in verdict, "the receipt page verifies the ballot: " + verdict)
        detail = driver.find_element(By.CSS_SELECTOR, "#result .tracker").text
        check("签名有效" in detail, "the receipt page checks the checkpoint signature")
        shot("9-receipt-phone", 360)
        driver.get(base + "/receipt/" + EVALUATION)
        driver.find_element(By.ID, "tracker").send_keys("0" * 64)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        verdict = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#result .message"))).text
        check("没有找到" in verdict, "an unknown tracker is reported plainly")
    finally:
        driver.quit()
        server.terminate()
        server.wait(timeout=30)
    print("browser: %d failed; screenshots in %s" % (len(failures), out))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
