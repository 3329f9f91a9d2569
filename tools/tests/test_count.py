#!/usr/bin/env python3
"""Paper forms at the meeting (测评大会, issue 33) end to end in headless Chromium against a real
`minping serve` on loopback with a public address.

A 30-subject evaluation (26 members in 3 branches, and 4 branches) with an electorate of 20 is
made through the API. 12 paper forms (测评表) are printed through the slips page (POST
/admin/slips/<id>, kind paper) in Chromium, printed to an A4 PDF and rendered at 150 dpi in grey
(pdftoppm): every form's QR code decodes (zxing-cpp) to its form's address, whose token's 表号
(base32 of SHA-256, SPEC §4) is the one printed; every page carries its 表号 (pdftotext), the QR
code is on each form's first page and the stub (回执联) on its last; the form's rows are in the
order the desk keys them.

Then the tellers' desk (/admin/count/<id>) with two teller keys signed in through the console's
key sign-in: teller A keys 10 forms by keyboard (the scan field gets the QR content and Enter,
the keypad gets the digits and Enter; the first form at 0.5 s a key, timed and printed), teller
B keys the same 10 blind: 9 agree and are cast, 1 differs and goes to the scrutineer, who settles
it on the admin's desk; a cast form scanned again is refused at the scan; a subject keyed 0 (two
ticks) is absent from that form's recorded ratings. A form of a second batch is keyed once only
(pending) and one stays unused. Two of the printed forms are voted on the phone page at 360 px.
Closed and published: the board counts 12 ballots; one form checked by its 表号 on the receipt
page (its ratings as keyed, the proof verified); GET /forms/<表号> 404 for the unused and the
pending form; the pending entry is in no public answer nor the bundle; GET /count 401 without a
key; the reviewer's bundle passes `minping audit verify` and tools/verify_bundle.py. axe-core on
the desk (teller and admin) and the receipt page; screenshots count-*.png in the output folder.

Usage: tools/tests/test_count.py path/to/minping [--out DIR]
Needs: chromium, chromium-driver, poppler-utils; selenium, axe-selenium-python, zxing-cpp, numpy.
"""
import base64
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

import zxingcpp
from browser_support import axe as axe_check, browser_test_result, chrome as headless_chrome, close_browsers, key_sign_in
from support import ROOT, VERIFY_BUNDLE, api, check, free_port, local, poll, request, start_server
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from test_slip_qr import pgm, print_a4  # noqa: E402  (the same PDF and PGM handling as the slips' QR test)

OUT = ".build/browser-screenshots"
PUBLIC = "https://minping.chengqu.example.gov.cn"
DPI = 150
STREET = "chengqu"
EID = "cq-huayuan-2026"
PACE = 0.5  # seconds a key: an ordinary teller's pace
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许"
GIVEN = ["建国", "秀英", "伟", "洋", "丽华", "志刚", "海燕", "建军", "小梅", "国强", "美玲", "卫东", "红梅",
         "文博", "佳怡", "志明", "秋菊", "永红", "立新", "淑珍", "桂兰", "德胜", "玉兰", "振华", "春生", "凤英"]
BRANCHES = [("hy-1", "花园社区第一党支部"), ("hy-2", "花园社区第二党支部"), ("hy-3", "花园社区第三党支部"), ("hy-4", "花园社区离退休党支部")]
DEFINITION = {
    "id": EID, "title": "花园社区2026年度党员和党组织群众满意度测评", "street": STREET, "community": "花园社区",
    "round": "2026", "electorate": 20, "publicity_days": 5,
    "organizations": [{"id": b, "name": n} for b, n in BRANCHES],
    # 26 members in the first three branches (9, 9, 8); the fourth branch is rated as a branch only.
    "members": [{"id": "hy-m%02d" % (i + 1), "name": SURNAMES[i] + GIVEN[i], "organization": BRANCHES[min(i // 9, 2)][0]}
                for i in range(26)]}
KEYED = 10           # forms keyed at the desk; the other 2 printed forms are voted on phones
BLANK_FORM, BLANK_ROW = 2, 5          # a two-ticked box: both tellers key 0
DISPUTE_FORM, DISPUTE_ROWS = 6, (3, 20)  # teller B reads these two rows differently


def form_number(token):
    """SPEC §4: the first 8 characters of base32 (RFC 4648, no padding) of SHA-256(token bytes)."""
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    return base64.b32encode(hashlib.sha256(raw).digest()).decode()[:8]


def token_of(url):
    return url.split("#t=", 1)[1]


def compact(text):
    return re.sub(r"\s+", "", text or "")


def main():
    global OUT
    args = [a for i, a in enumerate(sys.argv[1:], 1) if a != "--out" and sys.argv[i - 1] != "--out"]
    if not args:
        sys.exit(__doc__)
    minping = os.path.abspath(args[0])
    OUT = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else OUT
    os.makedirs(OUT, exist_ok=True)
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="minping-count-")
    db, keyfile = os.path.join(work, "c.sqlite"), os.path.join(work, "c.key")

    def make_key(*how):
        out = subprocess.run([minping, "keys", "create"] + list(how) + ["--db", db, "--key-file", keyfile],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            sys.exit("keys create %s failed: %s" % (" ".join(how), out.stderr))
        return out.stdout.strip().splitlines()[-1].split()[-1]

    admin, reviewer = make_key("--role", "admin", "--street", STREET), make_key("--role", "reviewer", "--street", STREET)
    port = free_port()
    base = local(port)
    log = open(os.path.join(work, "server.log"), "w")
    server = start_server([minping, "serve", "--db", db, "--key-file", keyfile, "--port", str(port), "--public-url", PUBLIC],
                          port, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    driver = None

    def http(path, method="GET", body=None, key=None, raw=False):
        return api(base, method, "/api/v1/evaluations" + path, body, key, raw=raw, unanswered=())

    try:
        status, made = http("", "POST", DEFINITION, admin)
        if not check(status == 201, "a 30-subject evaluation (26 members in 3 branches, 4 branches), electorate 20 (%s)" % status):
            print(made)
            return 1
        teller_a = make_key("--role", "teller", "--evaluation", EID)
        teller_b = make_key("--role", "teller", "--evaluation", EID)
        status, info = http("/" + EID)
        subjects, options = info["subjects"], info["options"]
        check(len(subjects) == 30 and len(options) == 4, "GET /evaluations/%s: %d subjects, %d options" % (EID, len(subjects), len(options)))
        option_ids, labels = [o["id"] for o in options], {o["id"]: o["label"] for o in options}

        # ---- 1. Twelve forms printed through the slips page in Chromium, A4 PDF at 150 dpi ----
        driver = headless_chrome(("--window-size=1280,900",))
        wait = WebDriverWait(driver, 20)
        driver.get(base + "/admin/slips/" + EID)
        driver.find_element(By.ID, "key").send_keys(admin)
        driver.find_element(By.CSS_SELECTOR, "input[name=kind][value=paper]").click()
        count = driver.find_element(By.ID, "count")
        count.clear()
        count.send_keys("12")
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "section.paper-form")))
        sheets = driver.execute_script(
            "return Array.from(document.querySelectorAll('section.paper-form')).map(function (s) { return {"
            " form: s.getAttribute('data-form'), page: s.getAttribute('data-page'), svg: s.querySelectorAll('.qr svg').length,"
            " stub: !!s.querySelector('.stub'),"
            " rows: Array.from(s.querySelectorAll('table.marks tbody tr:not(.group) th')).map(function (t) { return t.firstChild.textContent.trim(); }) }; })")
        forms = []
        for sheet in sheets:
            if not forms or forms[-1] != sheet["form"]:
                forms.append(sheet["form"])
        per_form = {f: [s for s in sheets if s["form"] == f] for f in forms}
        check(len(forms) == 12 and len(set(forms)) == 12, "12 forms on the page, each its own 表号: %s" % forms)
        check(all(len(v) == 2 and [s["page"] for s in v] == ["1", "2"] for v in per_form.values()),
              "30 subjects take two sheets a form: %s" % sorted(set(len(v) for v in per_form.values())))
        check(all([s["svg"] for s in v] == [1, 0] and [s["stub"] for s in v] == [False, True] for v in per_form.values()),
              "each form's QR code is on its first sheet, its stub (回执联) on its last")
        rows = [name for s in per_form[forms[0]] for name in s["rows"]]
        check(rows == [s["name"] for s in subjects], "the form's rows are in the desk's order (GET /evaluations subjects): %d rows" % len(rows))
        driver.save_screenshot(os.path.join(OUT, "count-forms.png"))
        pdf = os.path.join(work, "forms.pdf")
        print_a4(driver, pdf)
        shutil.copy(pdf, os.path.join(OUT, "count-forms.pdf"))
        info_text = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info_text).group(1))
        check(pages == len(sheets), "the A4 PDF has one page per sheet (%d pages, %d sheets)" % (pages, len(sheets)))
        subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", pdf, os.path.join(work, "page")], check=True, timeout=180)
        images = sorted(f for f in os.listdir(work) if f.startswith("page-") and f.endswith(".pgm"))
        url_of = {}   # 表号 -> the address its QR code decodes to
        page_problems = []
        for n in range(1, pages + 1):
            text = compact(subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", str(n), "-l", str(n), pdf, "-"],
                                          capture_output=True, text=True, check=True).stdout)
            sheet = sheets[n - 1] if n <= len(sheets) else {"form": "?", "page": "?", "stub": False}
            codes = [b.text for b in zxingcpp.read_barcodes(pgm(os.path.join(work, images[n - 1])), formats=zxingcpp.BarcodeFormat.QRCode)]
            if sheet["form"] not in text:
                page_problems.append("page %d lacks its 表号 %s" % (n, sheet["form"]))
            if ("回执联表号" + sheet["form"] in text) != sheet["stub"]:   # the stub: 回执联 表号 XXXXXXXX
                page_problems.append("page %d: the stub (回执联) %s" % (n, "missing" if sheet["stub"] else "on a first page"))
            if sheet["page"] == "1":
                if len(codes) != 1:
                    page_problems.append("page %d: %d QR codes decoded" % (n, len(codes)))
                else:
                    url_of[sheet["form"]] = codes[0]
            elif codes:
                page_problems.append("page %d (a second sheet) has a QR code" % n)
        check(not page_problems, "every page carries its 表号 (pdftotext), 回执联 on each form's last page only: %s" % page_problems[:5])
        good = [f for f, u in url_of.items() if u.startswith("%s/vote/%s#t=" % (PUBLIC, EID)) and form_number(token_of(u)) == f]
        check(len(url_of) == 12 and len(good) == 12,
              "all 12 QR codes decode at %d dpi (zxing-cpp) to %s/vote/%s#t=<token>, the token's 表号 the one printed (%d of %d)" % (
                  DPI, PUBLIC, EID, len(good), len(url_of)))
        if len(good) != 12:
            return 1
        # A second batch through the API: one form keyed once only (pending), one never used.
        status, batch = http("/%s/slips" % EID, "POST", {"count": 2, "kind": "paper"}, admin)
        check(status == 201 and batch.get("kind") == "paper" and len(batch.get("forms", [])) == 2
              and [form_number(t) for t in batch["tokens"]] == batch["forms"],
              "POST /slips {kind: paper}: 2 forms, each 表号 the token's (%s)" % status)
        pending_form, unused_form = batch["forms"]
        pending_url, pending_token = batch["urls"][0], batch["tokens"][0]
        http("/%s/open" % EID, "POST", {}, admin)

        # ---- 2. The tellers' desk ----
        def digits_of(i):
            return [str((i * 7 + j) % 4 + 1) if not (i == BLANK_FORM and j == BLANK_ROW) else "0" for j in range(30)]

        def ratings_of(digits):
            return {s["id"]: option_ids[int(d) - 1] for s, d in zip(subjects, digits) if d != "0"}

        keyed_forms = forms[:KEYED]
        phone_forms = forms[KEYED:]
        first_entries = {f: digits_of(i) for i, f in enumerate(keyed_forms)}
        second_entries = dict(first_entries)
        disputed = keyed_forms[DISPUTE_FORM]
        b_digits = list(first_entries[disputed])
        for j in DISPUTE_ROWS:
            b_digits[j] = str(int(b_digits[j]) % 4 + 1)
        second_entries[disputed] = b_digits
        # What the scrutineer reads off the paper: teller A was right on the first row, B on the second.
        settled_digits = list(first_entries[disputed])
        settled_digits[DISPUTE_ROWS[1]] = b_digits[DISPUTE_ROWS[1]]

        def sign_in_key(key):
            key_sign_in(driver, wait, base, key)

        def open_desk():
            driver.get(base + "/admin/count/" + EID)
            wait.until(EC.presence_of_element_located((By.ID, "scan")))
            wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "scan")

        def messages():
            return driver.execute_script(
                "var q = function (s) { var e = document.querySelector(s); return e ? e.textContent : ''; };"
                "return [q('#desk p.message.ok'), q('#desk p.message.error')]")

        def scan(url):
            """A USB scanner: the QR code's content, then Enter, typed into whatever has focus (the scan field)."""
            ActionChains(driver).send_keys(url + Keys.ENTER).perform()

        def key_form(url, digits, pace=0.0):
            """Scans a form and keys its marks by keyboard only; (ok message, error message, seconds of keying)."""
            scan(url)
            try:
                wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "keypad")
            except TimeoutException:
                return messages() + [None]
            began = time.monotonic()
            if pace:
                for d in digits:
                    ActionChains(driver).send_keys(d).perform()
                    time.sleep(pace)
            else:
                ActionChains(driver).send_keys("".join(digits)).perform()
            done = driver.find_element(By.ID, "keying-row").text
            ActionChains(driver).send_keys(Keys.ENTER).perform()
            said = wait.until(lambda d: (lambda m: m if any(m) else False)(messages()))
            return list(said) + [time.monotonic() - began, done]

        # Teller A: 10 printed forms (the first at an ordinary pace, timed), and the second batch's first form.
        sign_in_key(teller_a)
        open_desk()
        check(driver.find_element(By.TAG_NAME, "h1").text.startswith("计票台") and not driver.find_elements(By.CSS_SELECTOR, ".console-nav a[href='#/new']"),
              "a teller's key sees the desk only: %s" % driver.find_element(By.TAG_NAME, "h1").text)
        keying_seconds, a_results = None, []
        for i, f in enumerate(keyed_forms):
            if i == 1:
                # The keying table while a form is being keyed: axe, and a screenshot.
                scan(url_of[f])
                wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "keypad")
                ActionChains(driver).send_keys("".join(first_entries[f][:12])).perform()
                driver.save_screenshot(os.path.join(OUT, "count-desk-teller-keying.png"))
                axe_check(driver, "the teller's desk while keying a form")
                ActionChains(driver).send_keys("".join(first_entries[f][12:]) + Keys.ENTER).perform()
                ok, error = wait.until(lambda d: (lambda m: m if any(m) else False)(messages()))
                a_results.append((f, ok, error))
                continue
            ok, error, seconds, *rest = key_form(url_of[f], first_entries[f], PACE if i == 0 else 0.0)
            if i == 0:
                keying_seconds = seconds
                check("已录完" in (rest[0] if rest else ""), "after the 30th key the desk says 已录完，按回车提交: %s" % (rest[0] if rest else None))
            a_results.append((f, ok, error))
        bad = [(f, ok, error) for f, ok, error in a_results if not (f in ok and "第一次录入已保存" in ok and not error)]
        check(not bad, "teller A keys 10 forms: each says 表号 …：第一次录入已保存 (%s)" % (bad[:2] or a_results[0][1]))
        # A phone's camera (BarcodeDetector): stubbed here (no camera in CI), so the desk's scan
        # button hands what the detector reads to the scan, as a scanner would.
        stub = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source":
            "window.BarcodeDetector = class { detect() { return Promise.resolve(window.__qr ? [{rawValue: window.__qr}] : []); } };"
            "if (!navigator.mediaDevices) Object.defineProperty(navigator, 'mediaDevices', {value: {}});"
            "navigator.mediaDevices.getUserMedia = function () { return Promise.resolve(new MediaStream()); };"})
        open_desk()
        driver.execute_script("window.__qr = arguments[0];", url_of[keyed_forms[0]])
        driver.find_element(By.ID, "scan-camera").click()
        try:
            wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "keypad")
            camera = True
        except TimeoutException:
            camera = False
        check(camera, "用摄像头扫码 (BarcodeDetector) opens the form it reads for keying")
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": stub["identifier"]})
        open_desk()
        check(not driver.find_elements(By.ID, "scan-camera"), "without BarcodeDetector the desk offers no camera button")
        ok, error, *_ = key_form(pending_url, digits_of(11))
        check(pending_form in ok and not error, "teller A keys a form of the second batch once (it waits for a second entry): %s" % (ok or error))
        status, desk = http("/%s/count" % EID, key=teller_b)
        waiting = desk.get("awaiting_second", []) if status == 200 else []
        check(status == 200 and sorted(w["form"] for w in waiting) == sorted(keyed_forms + [pending_form])
              and all(set(w) == {"form"} for w in waiting) and desk.get("counted") == 0 and desk.get("disputes") == [],
              "GET /count (teller B): 11 forms awaiting a second entry, by 表号 only (no first entry shown to the second teller)")
        check(http("/%s/forms/%s" % (EID, keyed_forms[0]))[0] == 404, "GET /forms/<表号> is 404 while a form waits for its second entry")

        # Teller B: the same 10 forms, blind, in another order.
        sign_in_key(teller_b)
        open_desk()
        check(not driver.find_elements(By.CSS_SELECTOR, "#disputes section.dispute") and "hy-m" not in driver.page_source,
              "teller B's desk shows no entry of teller A")
        axe_check(driver, "the teller's desk (scan)")
        b_results = {}
        for f in reversed(keyed_forms):
            ok, error, *_ = key_form(url_of[f], second_entries[f])
            b_results[f] = (ok, error)
        agreed = [f for f in keyed_forms if f != disputed and f in b_results[f][0] and "两次录入一致，已计入" in b_results[f][0]]
        check(len(agreed) == 9, "teller B's equal entries cast 9 forms (两次录入一致，已计入): %d; %s" % (
            len(agreed), [b_results[f] for f in keyed_forms if f not in agreed and f != disputed][:2]))
        check("两次录入不一致" in b_results[disputed][1], "the differing entry goes to the scrutineer: %s" % (b_results[disputed],))
        # A cast form scanned again is refused at the scan, before any keying.
        again = keyed_forms[0]
        scan(url_of[again])
        said = wait.until(lambda d: (lambda m: m if any(m) else False)(messages()))
        check("已经计入" in said[1] and not driver.find_elements(By.ID, "keypad"),
              "a cast form scanned again is refused at the scan, no keypad shown: %s" % (said[1],))
        driver.save_screenshot(os.path.join(OUT, "count-desk-teller-refused.png"))
        status, counted = http("/%s/count" % EID, "POST", {"token": token_of(url_of[again]), "ratings": {}}, teller_a)
        check(status == 409 and counted.get("code") == "token_spent", "POST /count for a cast form: 409 token_spent (%s)" % status)

        # The scrutineer (an admin) settles the dispute on the desk.
        sign_in_key(admin)
        open_desk()
        check("/admin#/count/" + EID in driver.current_url, "/admin/count/%s leads to the console's desk: %s" % (EID, driver.current_url))
        box = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, '#disputes section.dispute[data-form="%s"]' % disputed)))
        differing = driver.execute_script("return Array.from(arguments[0].querySelectorAll('tbody tr.differs th')).map(function (t) { return t.textContent; })", box)
        check(differing == [subjects[j]["name"] for j in DISPUTE_ROWS],
              "the dispute shows both entries side by side, the differing subjects marked: %s" % differing)
        wait.until(lambda d: "待裁定 1 张" in d.find_element(By.ID, "desk-counters").text)
        check("已计入 9 张" in driver.find_element(By.ID, "desk-counters").text and "待第二次录入 1 张" in driver.find_element(By.ID, "desk-counters").text,
              "the counters: %s" % driver.find_element(By.ID, "desk-counters").text)
        axe_check(driver, "the admin's desk with a dispute")
        driver.save_screenshot(os.path.join(OUT, "count-desk-dispute.png"))
        # Pressed before the differing rows are decided: refused, nothing cast.
        settle = box.find_element(By.CSS_SELECTOR, "button.primary")
        driver.execute_script("arguments[0].focus()", settle)
        settle.send_keys(Keys.ENTER)
        refused = poll(lambda: box.find_element(By.CSS_SELECTOR, "p[role=alert]").text or None, 5) or ""
        check("还有 %d 人两次录入不一致" % len(DISPUTE_ROWS) in refused, "按裁定计入 before every differing row is decided is refused: %r" % refused)
        for j in DISPUTE_ROWS:
            Select(box.find_element(By.CSS_SELECTOR, 'select[data-subject="%s"]' % subjects[j]["id"])).select_by_value(option_ids[int(settled_digits[j]) - 1])
        driver.execute_script("arguments[0].focus()", settle)
        settle.send_keys(Keys.ENTER)
        wait.until(lambda d: any(messages()))
        check(disputed in messages()[0] and "已按监票人裁定计入" in messages()[0], "按裁定计入 casts it: %s" % messages())
        try:
            wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#disputes section.dispute") and "已计入 10 张" in d.find_element(By.ID, "desk-counters").text)
        except TimeoutException:
            pass
        counters = driver.find_element(By.ID, "desk-counters").text
        check("已计入 10 张" in counters and "待裁定 0 张" in counters and "待第二次录入 1 张" in counters,
              "the dispute is gone; the counters: %s" % counters)
        axe_check(driver, "the admin's desk")

        recorded = {f: http("/%s/forms/%s" % (EID, f)) for f in keyed_forms}
        expected = {f: ratings_of(first_entries[f]) for f in keyed_forms}
        expected[disputed] = ratings_of(settled_digits)
        wrong = [f for f in keyed_forms if recorded[f][0] != 200 or recorded[f][1].get("ratings") != expected[f]]
        check(not wrong, "GET /forms/<表号>: each keyed form recorded as keyed (the disputed one as settled): wrong %s" % wrong)
        blank_form, blank_subject = keyed_forms[BLANK_FORM], subjects[BLANK_ROW]
        blank_ratings = recorded[blank_form][1].get("ratings", {})
        check(blank_subject["id"] not in blank_ratings and len(blank_ratings) == 29,
              "the subject keyed 0 (two ticks) is absent from the form's ratings (%d rated)" % len(blank_ratings))

        # ---- 3. Two printed forms voted on a phone ----
        def tap(element):
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
            element.click()

        phone_trackers = []
        for f in phone_forms:
            driver.set_window_size(360, 740)
            driver.get("about:blank")
            driver.get(url_of[f].replace(PUBLIC, base))
            wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "fieldset.subject")))
            tap(driver.find_element(By.XPATH, "//div[@class='bulk']/button[1]"))   # everyone 满意
            tap(driver.find_element(By.CSS_SELECTOR, ".progress button.primary"))
            wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "ul.review")))
            tap(driver.find_element(By.CSS_SELECTOR, "button.primary"))
            got = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#tracker, .message.error"))).text.strip()
            phone_trackers.append(got)
        check(all(len(t) == 64 for t in phone_trackers), "2 printed forms voted on the phone page at 360 px: %s" % [t[:12] for t in phone_trackers])
        driver.save_screenshot(os.path.join(OUT, "count-phone-voted.png"))
        status, form = http("/%s/forms/%s" % (EID, phone_forms[0]))
        check(status == 200 and form.get("tracker") == phone_trackers[0], "a form voted on the phone is found by its 表号 too")
        status, counted = http("/%s/count" % EID, "POST", {"token": token_of(url_of[phone_forms[1]]), "ratings": {}}, teller_a)
        check(status == 409 and counted.get("code") == "token_spent", "… and refused at the desk afterwards (409 token_spent, %s)" % status)

        # ---- 4. Close, publish; the board, the receipt page by 表号, nothing pending anywhere public ----
        http("/%s/close" % EID, "POST", {}, admin)
        status, _ = http("/%s/publish" % EID, "POST", {"stage": "preliminary"}, admin)
        check(status == 200, "preliminary results published (%s)" % status)
        status, results = http("/%s/results" % EID)
        check(results.get("ballots") == 12, "the results count 12 ballots (10 keyed, 2 on phones): %s" % results.get("ballots"))
        driver.set_window_size(1280, 900)
        driver.get(base + "/board/" + EID)
        turnout = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".turnout strong"))).text
        check(turnout == "12", "the public board's ballots count: %s" % turnout)

        driver.set_window_size(360, 740)
        driver.get(base + "/receipt/" + EID)
        wait.until(EC.presence_of_element_located((By.ID, "tracker"))).send_keys(blank_form.lower())
        driver.find_element(By.CSS_SELECTOR, "#receipt-form button[type=submit]").click()
        verdict = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#result .message")))
        try:
            wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#result ul.form-ratings li")))
        except TimeoutException:
            pass
        check("ok" in verdict.get_attribute("class").split() and "已经计入" in verdict.text,
              "the receipt page, given a 表号 (typed in lower case), verifies the proof: %s" % verdict.text)
        shown = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#result ul.form-ratings li")]
        want = [s["name"] + "：" + (labels[expected[blank_form][s["id"]]] if s["id"] in expected[blank_form] else "未评价") for s in subjects]
        check(shown == want, "… and lists the form's ratings as keyed, the two-ticked subject 未评价 (%d lines; first differing %s)" % (
            len(shown), next(((a, b) for a, b in zip(shown, want) if a != b), None)))
        axe_check(driver, "the receipt page with a form's ratings")
        driver.set_window_size(360, max(740, driver.execute_script("return document.documentElement.scrollHeight") + 20))
        driver.save_screenshot(os.path.join(OUT, "count-receipt-form.png"))

        check(http("/%s/forms/%s" % (EID, unused_form))[0] == 404, "GET /forms/<表号> of an unused form: 404")
        check(http("/%s/forms/%s" % (EID, pending_form))[0] == 404, "GET /forms/<表号> of a form keyed once only: 404")
        check(request(base + "/api/v1/evaluations/%s/count" % EID, unanswered=()).status == 401, "GET /count without a key: 401")
        status, desk = http("/%s/count" % EID, key=admin)
        print("     after publication GET /count (admin) still lists %s awaiting a second entry" % [w["form"] for w in desk.get("awaiting_second", [])])
        secrets = [pending_token.encode(), pending_form.encode(), pending_form.lower().encode()]
        public = [http("/" + EID, raw=True)[1], http("/%s/results" % EID, raw=True)[1], http("/%s/log/entries?start=0&end=100" % EID, raw=True)[1],
                  request(base + "/board/" + EID, unanswered=()).body]
        check(all(isinstance(p, bytes) and not any(s in p for s in secrets) for p in public),
              "the pending entry's token and 表号 are in no public answer (evaluation, results, log entries, board)")
        tar = request(base + "/api/v1/evaluations/%s/bundle" % EID, key=reviewer, unanswered=())
        check(tar.status == 200, "the reviewer downloads the bundle (%s)" % tar.status)
        leaked = []
        with tarfile.open(fileobj=io.BytesIO(tar.body)) as archive:
            for member in archive.getmembers():
                if member.isfile():
                    data = archive.extractfile(member).read()
                    leaked += [member.name for s in secrets if s in data]
            archive.extractall(work, filter="data")
        check(not leaked, "the pending entry is not in the bundle (its token and 表号 in no file): %s" % leaked)

        # ---- 5. Both verifiers ----
        bundle = os.path.join(work, "%s-bundle" % EID)
        swift = subprocess.run([minping, "audit", "verify", bundle], capture_output=True, text=True, timeout=120)
        python = subprocess.run([sys.executable, VERIFY_BUNDLE, bundle], capture_output=True, text=True, timeout=120)
        check(swift.returncode == 0, "minping audit verify: exit %d %s" % (swift.returncode, (swift.stdout + swift.stderr).strip()[-200:]))
        check(python.returncode == 0, "tools/verify_bundle.py: exit %d %s" % (python.returncode, (python.stdout + python.stderr).strip()[-200:]))

        # ---- 6. The keying figure (a benchmark, not a timed test) ----
        if keying_seconds is not None:
            print("     keying one 30-subject form by keyboard at %.1f s a key: %.1f s from the keypad's focus to the server's answer"
                  " (target: under 40 s)" % (PACE, keying_seconds))
    finally:
        close_browsers([driver], server, log)
    return browser_test_result("count", work, OUT, started)


if __name__ == "__main__":
    sys.exit(main())
