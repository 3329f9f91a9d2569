#!/usr/bin/env python3
"""Browser test of the pages (issue 6), headless Chromium driven by Selenium, against a real
`minping serve` on loopback: print slips, open a slip URL, vote on a 360 px phone window, see
the tracker, try the same slip again and see the refusal, close and publish, check the board
shows the right stars, check the receipt in the browser. The server submits its checkpoints to a
witness (`minping witness serve`): the board lists it under 见证方联署, and the voting and receipt
pages verify its cosignature in the browser. Then an evaluation whose members are
"__proto__" and "constructor" (names on Object.prototype): rated one by one and with "rate all",
reviewed, sent and counted. A screenshot of every page goes to
the output folder (default .build/browser-screenshots).

Usage: tools/tests/test_browser.py path/to/minping [--out DIR]
Needs: chromium, chromium-driver (Debian), selenium (PyPI); tools/test installs them.
"""
import atexit
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time

from browser_support import axe as axe_check, chrome
from support import check, failures, free_port, local, request, wait_until_serving
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

EVALUATION = "fuyuan-2018"
WITNESS = "zuzhibu.chengqu.example/witness"


def witnessed_all(port, evaluation=EVALUATION, timeout=30):
    """Waits until the witness has cosigned the evaluation's latest checkpoint."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        info = api(port, "GET", "", evaluation=evaluation)
        size = int(api_text(port, "/log/checkpoint", evaluation).split("\n")[1])
        if info["witnesses"] and all(w["size"] == size for w in info["witnesses"]):
            return True
        time.sleep(0.2)
    return False


def api_text(port, path, evaluation):
    return request(local(port, "/api/v1/evaluations/%s%s" % (evaluation, path)), timeout=10, unanswered=()).ok().body.decode()


def api(port, method, path, body=None, key=None, evaluation=EVALUATION):
    """Calls /api/v1/evaluations/<evaluation><path>; evaluation="" with path "" creates one.
    Its JSON; anything but a 2xx ends the test (HTTPError)."""
    url = local(port, "/api/v1/evaluations%s%s" % ("/" + evaluation if evaluation else "", path))
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None  # UTF-8, not \u escapes
    return json.loads(request(url, method, data, key=key, typed=True, unanswered=()).ok().body.decode())


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
    base = local(port)
    # A witness for the street's logs (SPEC §5): its key, the street's log key, then serve.
    def last_line(*args):
        return subprocess.run([minping, *args], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    witness_db = os.path.join(work, "witness.sqlite")
    witness_key = last_line("witness", "init", "--name", WITNESS, "--db", witness_db)
    last_line("witness", "add-log", "--origin", "minping/chengqu/", "--db", witness_db,
              "--key", last_line("keys", "log-key", "--street", "chengqu", "--db", os.path.join(work, "b.sqlite")))
    witness_port = free_port()
    witness = subprocess.Popen([minping, "witness", "serve", "--db", witness_db, "--port", str(witness_port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    atexit.register(witness.kill)  # also when the server fails to start
    wait_until_serving(witness, local(witness_port))
    server = subprocess.Popen([minping, "serve", "--db", os.path.join(work, "b.sqlite"), "--port", str(port),
                               "--load", "Ballots/fuyuan-2018.yaml", "--slips", "0",
                               "--witness", "http://127.0.0.1:%d=%s" % (witness_port, witness_key)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    admin = reviewer = None
    for line in server.stdout:
        if line.startswith("admin key:"):
            admin = line.split()[-1]
        if line.startswith("reviewer key:"):
            reviewer = line.split()[-1]
        if line.startswith("slips"):
            break
    wait_until_serving(server, base)

    driver = chrome()
    wait = WebDriverWait(driver, 20)

    def axe(view):
        axe_check(driver, view)

    def shot(name, width, height=None):
        """A screenshot of the page, after axe-core has checked it."""
        axe(name)
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
        driver.get(base + "/")
        check(driver.find_element(By.CSS_SELECTOR, "a[href='/board/%s']" % EVALUATION) is not None,
              "the front page links to the evaluation's board")
        shot("0-home", 1280)
        driver.set_window_size(1280, 900)
        driver.get(base + "/admin/slips/" + EVALUATION)
        axe("slips form")
        driver.find_element(By.ID, "key").send_keys(admin)
        count = driver.find_element(By.ID, "count")
        count.clear()
        count.send_keys("8")
        check(driver.find_element(By.CSS_SELECTOR, "input[name=kind][value=code]").is_selected(), "code slips are the default kind")
        driver.find_element(By.CSS_SELECTOR, "input[name=kind][value=token]").click()
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
        # The first submission meets a full disk (503, Retry-After: 1): the page keeps the token
        # and the choices, says it will try again, and sends the same ballot a second later.
        driver.execute_script("""
            window.__ballotPosts = 0; window.__sawRetrying = false;
            const real = window.fetch;
            window.fetch = function (url, options) {
              if (String(url).endsWith('/ballots')) {
                window.__ballotPosts += 1;
                if (window.__ballotPosts === 1) {
                  return Promise.resolve(new Response(JSON.stringify({code: 'database_unavailable'}),
                    {status: 503, headers: {'Retry-After': '1', 'Content-Type': 'application/problem+json'}}));
                }
                window.__sawRetrying = !!document.getElementById('retrying');
              }
              return real.apply(this, arguments);
            };""")
        tap(driver.find_element(By.CSS_SELECTOR, "button.primary"))
        tracker = wait.until(EC.presence_of_element_located((By.ID, "tracker"))).text.strip()
        check(len(tracker) == 64, "the tracker is shown after voting")
        check(driver.execute_script("return [window.__ballotPosts, window.__sawRetrying]") == [2, True],
              "a 503 is retried with the same ballot after Retry-After, the voter told so meanwhile")
        verified = WebDriverWait(driver, 40).until(
            lambda d: d.find_element(By.ID, "verification").text if "已核验" in d.find_element(By.ID, "verification").text
            or "失败" in d.find_element(By.ID, "verification").text else False)
        check("已核验" in verified, "the page checks the ballot is in the log exactly as sent: " + verified[:40])
        signature = wait.until(EC.presence_of_element_located((By.ID, "signature"))).text
        check("签名有效" in signature, "and checks the checkpoint's Ed25519 signature: " + signature[:40])
        # The witness may not have cosigned this very checkpoint yet (it takes a moment).
        said = wait.until(EC.presence_of_element_located((By.ID, "witness"))).text
        check(("见证方联署" in said and WITNESS in said) or "尚未联署" in said,
              "and says whether the witness vouches for it: " + said[:50])
        stored = driver.execute_script("return [localStorage.length, sessionStorage.length, document.cookie]")
        check(stored == [0, 0, ""], "nothing about the ballot is stored in the browser")
        shot("4-voted-phone", 360)

        # 3. Another slip's link opened in this same tab (only the fragment changes) shows that
        # slip's ballot, never the previous voter's page.
        driver.set_window_size(360, 740)
        driver.get(urls[1])
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "fieldset.subject")))
        check(not driver.find_elements(By.ID, "tracker") and "#t=" not in driver.current_url,
              "a second slip opened in the same tab shows its own ballot, not the first voter's tracker")
        # The same slip again is refused in plain Chinese, before the ballot is shown.
        driver.get("about:blank")  # scanning the slip again opens a fresh page
        driver.get(urls[0])
        refusal = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".message.error"))).text
        check("已经使用过" in refusal and not driver.find_elements(By.CSS_SELECTOR, "fieldset.subject"),
              "a used slip is said at once, before the representative rates anyone: " + refusal[:30])
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

        # 3b. Code slips (the default kind): the voting page makes the token by blind issuance.
        driver.set_window_size(1280, 900)
        driver.get(base + "/admin/slips/" + EVALUATION)
        driver.find_element(By.ID, "key").send_keys(admin)
        count = driver.find_element(By.ID, "count")
        count.clear()
        count.send_keys("4")
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".slip")))
        code_slips = driver.find_elements(By.CSS_SELECTOR, ".slip")
        code_urls = [s.get_attribute("data-url") for s in code_slips]
        codes = [s.find_element(By.CSS_SELECTOR, ".code strong").text for s in code_slips]
        check(len(code_urls) == 4 and all(u.endswith("/vote/%s#c=%s" % (EVALUATION, c)) for u, c in zip(code_urls, codes)),
              "code slips carry /vote/<id>#c=<code> and print the code: %s" % codes[:1])
        shot("3b-code-slips", 1280)
        pdf(driver, "3b-code-slips", 1, "4 code slips print on one A4 page")

        def vote_with_code(what, name=None):
            wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "fieldset.subject")))
            check("#c=" not in driver.current_url, what + ": the code is dropped from the address bar")
            if name:
                no_overflow(what)
                shot(name, 360)
                driver.set_window_size(360, 740)
            tap(driver.find_element(By.XPATH, "//div[@class='bulk']/button[1]"))
            tap(driver.find_element(By.CSS_SELECTOR, ".progress button.primary"))
            wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "ul.review")))
            tap(driver.find_element(By.CSS_SELECTOR, "button.primary"))
            code_tracker = wait.until(EC.presence_of_element_located((By.ID, "tracker"))).text.strip()
            verified = WebDriverWait(driver, 40).until(
                lambda d: d.find_element(By.ID, "verification").text if "已核验" in d.find_element(By.ID, "verification").text
                or "失败" in d.find_element(By.ID, "verification").text else False)
            check(len(code_tracker) == 64 and "已核验" in verified, what + ": a tracker, and 已核验")
            stored = driver.execute_script("return [localStorage.length, sessionStorage.length, document.cookie]")
            check(stored == [0, 0, ""], what + ": nothing of the code or token remains in the browser (%s)" % stored)

        driver.set_window_size(360, 740)
        driver.get("about:blank")
        driver.get(code_urls[0])
        vote_with_code("a code slip's QR URL at 360 px", "3c-code-ballot-phone")
        # Typed by hand, in lower case with spaces for dashes.
        driver.get("about:blank")
        driver.get(base + "/vote/" + EVALUATION)
        field = wait.until(EC.presence_of_element_located((By.ID, "code")))
        no_overflow("the code form at 360 px")
        shot("3d-code-form-phone", 360)
        driver.set_window_size(360, 740)
        field = driver.find_element(By.ID, "code")
        field.send_keys(" " + codes[1].lower().replace("-", " ") + " ")
        tap(driver.find_element(By.CSS_SELECTOR, ".code-form button[type=submit]"))
        vote_with_code("a code typed by hand")
        # The same code again: the same plain message as a used slip.
        driver.get("about:blank")
        driver.get(code_urls[0])
        refusal = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".message.error"))).text
        check("已经使用过" in refusal and not driver.find_elements(By.CSS_SELECTOR, "fieldset.subject"),
              "a used code is refused in plain Chinese: " + refusal[:30])
        check(driver.execute_script("return sessionStorage.length") == 0, "a refused code leaves nothing in sessionStorage")
        # The /tokens answer is lost once (the server signed, the phone never heard): the page
        # asks again with the same request, gets the same answer, and one ballot is accepted.
        drop = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
            (function () {
              var realFetch = window.fetch;
              window.__dropped = 0;
              window.fetch = function (url) {
                var answer = realFetch.apply(this, arguments);
                if (String(url).indexOf("/tokens") >= 0 && window.__dropped === 0) {
                  window.__dropped = 1;
                  return answer.then(function () { throw new TypeError("the answer was lost on the way"); });
                }
                return answer;
              };
            })();"""})
        before = api(port, "GET", "")
        driver.get("about:blank")
        driver.get(code_urls[2])
        vote_with_code("a code whose /tokens answer was lost once")
        check(driver.execute_script("return window.__dropped") == 1, "the first /tokens answer was dropped")
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": drop["identifier"]})
        after = api(port, "GET", "")
        check(after["issued"] == before["issued"] + 1 and after["ballots"] == before["ballots"] + 1,
              "one token issued and one ballot accepted for it (issued %d→%d, ballots %d→%d)" % (
                  before["issued"], after["issued"], before["ballots"], after["ballots"]))

        # 4. The board before and after publication.
        driver.set_window_size(1920, 1080)
        driver.get(base + "/board/" + EVALUATION)
        check("已投票" in driver.page_source and "11" in driver.find_element(By.CSS_SELECTOR, ".turnout").text,
              "before publication the board shows turnout only")
        check(not driver.find_elements(By.CSS_SELECTOR, "table.results"), "no results table before publication")
        api(port, "POST", "/close", key=admin)
        driver.set_window_size(360, 740)
        driver.get("about:blank")
        driver.get(urls[1])
        closed = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".message.error"))).text
        check("投票已经结束" in closed, "a slip opened after voting closed gets a clear Chinese message: " + closed[:20])
        results = api(port, "POST", "/publish", {"stage": "preliminary"}, key=admin)
        # Interop: the tokens the page made (JS client, Swift issuer) verify in both verifiers.
        tar = request(base + "/api/v1/evaluations/%s/bundle" % EVALUATION, key=reviewer, unanswered=()).ok().body
        with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
            archive.extractall(work, filter="data")
        bundle = os.path.join(work, "%s-bundle" % EVALUATION)
        swift = subprocess.run([minping, "audit", "verify", bundle], capture_output=True, text=True)
        python = subprocess.run([sys.executable, "tools/verify_bundle.py", bundle], capture_output=True, text=True)
        check(swift.returncode == 0 and python.returncode == 0 and results["ballots"] == 11,
              "the 11 ballots, 3 with tokens the page made, verify in minping audit verify and tools/verify_bundle.py: %s | %s" % (
                  swift.stdout.strip()[:60], python.stdout.strip()[:60]))
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
        check("见证方联署" in driver.page_source and WITNESS in driver.page_source, "the board lists the witness under 见证方联署")
        shot("8-board-phone", 360)
        driver.get(base + "/board/" + EVALUATION + "?lang=en")
        check("Public board" in driver.page_source and "Preliminary results" in driver.page_source, "the English switch works")

        check("Witness cosignatures" in driver.page_source and WITNESS in driver.page_source, "the English board lists the witness")

        # 5. The receipt check verifies the proof in the browser, and the witness's cosignature.
        check(witnessed_all(port), "the witness cosigns the latest checkpoint within 30 s")
        driver.set_window_size(360, 740)
        driver.get(base + "/receipt/" + EVALUATION)
        driver.find_element(By.ID, "tracker").send_keys(tracker)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        verdict = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#result .message"))).text
        check("已经计入" in verdict, "the receipt page verifies the ballot: " + verdict)
        detail = driver.find_element(By.CSS_SELECTOR, "#result .tracker").text
        check("签名有效" in detail, "the receipt page checks the checkpoint signature")
        check("见证方联署" in detail and WITNESS in detail and "已核验" in detail,
              "the receipt page verifies the witness's cosignature in the browser: " + detail.split("\n")[-1][:60])
        shot("9-receipt-phone", 360)
        driver.get(base + "/receipt/" + EVALUATION)
        driver.find_element(By.ID, "tracker").send_keys("0" * 64)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        verdict = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#result .message"))).text
        check("没有找到" in verdict, "an unknown tracker is reported plainly")

        # 5b. A second year (fuyuan-2019, previous: fuyuan-2018): the board marks 增星 / 减星 /
        # 新参评 in words and draws the charts; the history page has a column per year.
        year2 = "fuyuan-2019"
        with open("Ballots/fuyuan-2019.yaml", "rb") as f:
            request(base + "/api/v1/evaluations", "POST", f.read(), key=admin, content_type="application/yaml", unanswered=()).ok()
        with open("Ballots/votes/fuyuan-2019.jsonl") as f:
            votes = [json.loads(line)["ratings"] for line in f][:30]
        tokens2 = api(port, "POST", "/slips", {"count": len(votes)}, key=admin, evaluation=year2)["tokens"]
        api(port, "POST", "/open", key=admin, evaluation=year2)
        for token, ratings in zip(tokens2, votes):
            api(port, "POST", "/ballots", {"token": token, "ratings": ratings}, evaluation=year2)
        api(port, "POST", "/close", key=admin, evaluation=year2)
        api(port, "POST", "/publish", {"stage": "preliminary"}, key=admin, evaluation=year2)
        history = api(port, "GET", "/history", evaluation=year2)
        changes = {s["name"]: s["change"] for s in history["subjects"]}
        check([r["evaluation"] for r in history["rounds"]] == [year2, EVALUATION] and "new" in changes.values()
              and ("gained" in changes.values() or "lost" in changes.values()),
              "GET /history: two rounds, changes %s" % sorted(set(changes.values())))
        words = {"gained": "群众评星增加", "lost": "群众评星减少", "new": "新参评"}
        driver.set_window_size(1920, 1080)
        driver.get(base + "/board/" + year2)
        for name, change in changes.items():
            if change in words:
                row = driver.find_element(By.XPATH, "//tr[th[text()='%s']]" % name).text
                check(words[change] in row, "the board says %s beside %s" % (words[change], name))
                break
        charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart[role=img]")
        check(len(charts) == 3 and all(c.find_elements(By.TAG_NAME, "title") for c in charts),
              "three charts (turnout, members, organizations), each role=img with a title")
        bars = driver.find_elements(By.CSS_SELECTOR, "svg.chart g.bar")
        check(len(bars) == len(history["subjects"]), "a bar per subject (%d)" % len(bars))
        shot("14-board-history-1920", 1920)
        pdf(driver, "14-board-history", None, "the board with its charts prints on A4")
        driver.get(base + "/board/" + year2 + "?display=1")
        shot("15-board-history-display", 1920, 1080)
        driver.get(base + "/board/" + year2)
        driver.set_window_size(360, 740)
        no_overflow("board with charts at 360 px")
        shot("16-board-history-phone", 360)
        tap(driver.find_element(By.LINK_TEXT, "历年群众评星"))
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.history")))
        heads = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "table.history thead th")]
        check(any("2019" in h for h in heads) and any("2018" in h for h in heads), "the history page has a column per year: %s" % heads)
        no_overflow("history at 360 px")
        shot("17-history-phone", 360)
        shot("17-history-1920", 1920)
        pdf(driver, "17-history", None, "the history prints on A4")

        # 6. Subject ids that are names on Object.prototype ("__proto__", "constructor") are
        #    ordinary ids ([a-z0-9_-]{1,64}): each can be rated one by one and by "rate all",
        #    shows its choice on the review, and is counted.
        proto = "proto-ids"
        members = [("__proto__", "周原型"), ("constructor", "吴构造"), ("m-1", "郑普通")]
        created = api(port, "POST", "", {
            "id": proto, "title": "原型编号测评", "street": "chengqu", "community": "测试社区", "electorate": 4,
            "publicity_days": 0, "organizations": [{"id": "org-1", "name": "测试党支部"}],
            "members": [{"id": i, "name": n, "organization": "org-1"} for i, n in members]}, key=admin, evaluation="")
        check(created.get("state") == "draft", "an evaluation with members __proto__ and constructor is created")
        proto_urls = api(port, "POST", "/slips", {"count": 2}, key=admin, evaluation=proto)["urls"]
        api(port, "POST", "/open", key=admin, evaluation=proto)
        options = [o["id"] for o in api(port, "GET", "", evaluation=proto)["options"]]
        # subject id -> (option index, label): one of each, so a mix-up shows.
        choices = {"__proto__": (0, "满意"), "constructor": (2, "不满意"), "m-1": (1, "基本满意"), "org-1": (0, "满意")}
        names = dict(members, **{"org-1": "测试党支部"})
        check(options[:3] == ["satisfied", "basically_satisfied", "dissatisfied"], "the default options: " + ",".join(options))

        def open_and_rate(url, pick, what):
            """Opens the slip at 360 px, rates with pick() and checks the progress line; returns
            what the review should show per subject."""
            driver.set_window_size(360, 740)
            driver.get("about:blank")
            driver.get(url)
            wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "fieldset.subject")))
            expected = pick()
            progress = driver.find_element(By.ID, "progress").text
            check(progress.endswith("%d / %d" % (len(choices), len(choices))), "%s: every subject counted as rated (%s)" % (what, progress))
            return expected

        def review_and_send(expected, what, name):
            """Goes to the review, checks each subject's line, screenshots it, submits."""
            tap(driver.find_element(By.CSS_SELECTOR, ".progress button.primary"))
            wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "ul.review")))
            shown = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "ul.review li")]
            for sid in ("__proto__", "constructor"):
                line = names[sid] + "：" + expected[sid]
                check(line in shown, "%s: the review shows %s (%s) rated: %s" % (
                    what, sid, line, next((t for t in shown if t.startswith(names[sid])), "missing")))
            check(sorted(shown) == sorted(names[k] + "：" + v for k, v in expected.items())
                  and not driver.find_elements(By.CSS_SELECTOR, "ul.review li.unrated"),
                  "%s: the review shows each subject's own choice, none 未评价" % what)
            shot(name, 360)
            driver.set_window_size(360, 740)
            tap(driver.find_element(By.CSS_SELECTOR, "button.primary"))
            got = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#tracker, .message.error"))).text.strip()
            check(len(got) == 64, "%s: the server accepts the ballot (202, tracker shown): %s" % (what, got[:40]))
            done = WebDriverWait(driver, 40).until(  # until the page stops saying 正在核验……
                lambda d: (t := d.find_element(By.ID, "verification").text) and "正在核验" not in t and t) if len(got) == 64 else ""
            check("已核验" in done, "%s: the page finds the ballot in the log exactly as sent: %s" % (what, done[:40]))

        def pick_each():
            for sid, (index, _) in choices.items():
                tap(driver.find_element(By.CSS_SELECTOR, 'label[for="r-%s-%d"]' % (sid, index)))
            for sid, (index, _) in choices.items():
                radio = driver.find_element(By.CSS_SELECTOR, 'input[name="s-%s"][value="%s"]' % (sid, options[index]))
                check(radio.is_selected(), "one by one: tapping %s's %s selects it" % (sid, options[index]))
            no_overflow("ballot with __proto__ and constructor at 360 px")
            driver.execute_script("window.scrollTo(0, 0)")  # the taps scrolled; show the page from its top
            shot("10-proto-ballot-phone", 360)
            driver.set_window_size(360, 740)
            return {sid: label for sid, (_, label) in choices.items()}

        def pick_all():
            tap(driver.find_element(By.XPATH, "//div[@class='bulk']/button[1]"))  # everyone 满意
            return {sid: "满意" for sid in choices}

        review_and_send(open_and_rate(proto_urls[0], pick_each, "one by one"), "one by one", "11-proto-review-phone")
        shot("12-proto-voted-phone", 360)
        review_and_send(open_and_rate(proto_urls[1], pick_all, "rate all"), "rate all", "13-proto-review-all-phone")
        check(api(port, "GET", "", evaluation=proto)["ballots"] == 2, "the server holds both ballots")
        api(port, "POST", "/close", key=admin, evaluation=proto)
        counted = {s["id"]: s["counts"] for s in api(port, "POST", "/publish", {"stage": "preliminary"}, key=admin,
                                                       evaluation=proto)["subjects"]}
        for sid, (index, _) in choices.items():
            want = {o: (1 if o == options[index] else 0) + (1 if o == "satisfied" else 0) for o in options}
            check(counted.get(sid) == want, "published counts for %s include both ballots: %s" % (
                sid, {o: c for o, c in (counted.get(sid) or {}).items() if c}))
    finally:
        driver.quit()
        server.terminate()
        server.wait(timeout=30)
        witness.terminate()
        witness.wait(timeout=30)
    print("browser: %d failed; screenshots in %s" % (len(failures), out))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
