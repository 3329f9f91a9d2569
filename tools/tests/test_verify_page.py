#!/usr/bin/env python3
"""The dispute reviewer's verifier in the browser (/verify, issue 34) in headless Chromium against
a real `minping serve`.

Every case of tools/tests/test_verify_bundle.sh (its manifest: the sample bundle of every
Ballots/*.yaml, and every tampered bundle) goes through the page as a reviewer would: the folder
packed as the tar GET /bundle serves, chosen in the file field, the log key pinned, checkpoints
seen earlier pasted, witness keys and a quorum typed. The page's verdict (OK, or `seq N: check`)
must be the case's, which both command-line verifiers gave; an OK line must be `minping audit
verify`'s, word for word. Then:
- the same bundle as the exported folder zipped (deflate, and stored) and as .tar.gz;
- 核验码 from the 公示栏 (the first 8 hex digits of a checkpoint's root) and a wrong one;
- options refused before anything runs (a quorum without keys);
- a file that is no bundle: a message, no verdict;
- /verify/<id> on a server that ran `minping demo`: fetching is refused without a sign-in, then
  works with a reviewer key typed in, from the console's link 在浏览器中核验 after its key sign-in
  (the same tab), and with a reviewer's password session (its cookie); the verdict equals
  `minping audit verify` on the exported bundle;
- the page saved to a file (as the browser's Save as keeps it) and opened from file:// with the
  network gone verifies too;
- a recount failure shows the differing row marked; axe-core at 1280 and 360 px; screenshots
  verify-*.png in the output folder.

Usage: tools/tests/test_verify_page.py path/to/minping MANIFEST [--out DIR]
"""
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

from browser_support import axe as axe_check, chrome as headless_chrome, key_sign_in
from support import api, check, failures, free_port, local, request, start_server, stop_server
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

OUT = ".build/browser-screenshots"


def pack_tar(folder, path, gz=False):
    """The folder as GET /bundle serves it: a tar of <name>-bundle/..."""
    with tarfile.open(path, "w:gz" if gz else "w", format=tarfile.USTAR_FORMAT) as tar:
        tar.add(folder, arcname=os.path.basename(folder) + "-bundle")
    return path


def pack_zip(folder, path, method=zipfile.ZIP_DEFLATED, top=True):
    """The exported folder zipped, as Windows' 发送到压缩文件夹 or `zip -r` makes it."""
    with zipfile.ZipFile(path, "w", method) as z:
        for base, dirs, files in os.walk(folder):
            for name in sorted(files):
                full = os.path.join(base, name)
                rel = os.path.relpath(full, folder)
                z.write(full, os.path.join(os.path.basename(folder), rel) if top else rel)
    return path


class Page:
    def __init__(self, driver, base):
        self.driver, self.base = driver, base
        self.wait = WebDriverWait(driver, 120)

    def open(self, path="/verify"):
        self.driver.get(self.base + path)
        self.wait.until(EC.presence_of_element_located((By.ID, "verify-form")))

    def options(self, log_key=None, earlier="", witness_keys=(), quorum=None):
        d = self.driver
        if log_key or earlier or witness_keys or quorum:
            details = d.find_element(By.CSS_SELECTOR, ".verify-options")
            if not details.get_attribute("open"):
                details.find_element(By.TAG_NAME, "summary").click()
        if log_key:
            d.find_element(By.ID, "log-key").send_keys(log_key)
        if earlier:   # pasted as it is, newlines and all (send_keys would type it key by key)
            d.execute_script("arguments[0].value = arguments[1];", d.find_element(By.ID, "earlier"), earlier)
        if witness_keys:
            d.execute_script("arguments[0].value = arguments[1];", d.find_element(By.ID, "witness-keys"), "\n".join(witness_keys))
        if quorum is not None:
            d.find_element(By.ID, "witness-quorum").send_keys(str(quorum))

    def verify(self, path, **options):
        """Chooses the file, sets the options, starts; the verdict element once it says one."""
        self.open()
        self.driver.find_element(By.ID, "bundle-file").send_keys(os.path.abspath(path))
        self.options(**options)
        self.driver.find_element(By.ID, "verify-start").click()
        return self.verdict()

    def verdict(self):
        self.wait.until(lambda d: d.find_element(By.ID, "verdict").is_displayed())
        return self.driver.find_element(By.ID, "verdict")


def case_options(case):
    """The page's fields for a case's command-line arguments."""
    args, earlier, witness_keys, quorum = case["args"], [], [], None
    i = 0
    while i < len(args):
        flag, value = args[i], args[i + 1]
        if flag == "--checkpoint":
            with open(value, encoding="utf-8", errors="surrogateescape") as f:
                earlier.append(f.read())
        elif flag == "--witness-key":
            witness_keys.append(value)
        elif flag == "--witness-quorum":
            quorum = int(value)
        i += 2
    return dict(log_key=case["logkey"], earlier="".join(earlier), witness_keys=witness_keys, quorum=quorum)


def main():
    minping, manifest = sys.argv[1], sys.argv[2]
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else OUT
    os.makedirs(out, exist_ok=True)
    cases = [json.loads(line) for line in open(manifest, encoding="utf-8")]
    work = tempfile.mkdtemp(prefix="verify-page-")
    port = free_port()
    base = local(port)
    db = os.path.join(work, "demo.sqlite")
    # A server with an evaluation on it: the demo's, final, its bundle exported beside it.
    subprocess.run([minping, "demo", "--db", db, "--out", os.path.join(work, "demo-bundle")],
                   capture_output=True, text=True, check=True)
    evaluation = json.load(open(os.path.join(work, "demo-bundle", "definition.json")))["id"]
    street = json.load(open(os.path.join(work, "demo-bundle", "definition.json")))["street"]
    key_for = lambda *args: subprocess.run([minping, "keys", "create", *args, "--db", db], capture_output=True, text=True,
                                           check=True).stdout.strip().splitlines()[-1]
    reviewer = key_for("--role", "reviewer", "--street", street)
    operator = key_for("--role", "operator")
    log = open(os.path.join(work, "serve.log"), "w")
    server = start_server([minping, "serve", "--db", db, "--port", str(port)], port, stdout=log, stderr=subprocess.STDOUT)
    driver = headless_chrome()
    try:
        driver.set_window_size(1280, 1000)
        page = Page(driver, base)

        # 1. Every case of test_verify_bundle.sh, as the tar the server serves.
        agreed = 0
        for case in cases:
            tar = pack_tar(case["dir"], os.path.join(work, case["name"] + ".tar"))
            verdict = page.verify(tar, **case_options(case))
            said = verdict.get_attribute("data-verdict")
            line = driver.find_element(By.CSS_SELECTOR, "#verdict .verify-line").text
            same = said == case["expect"] and (case["expect"] != "OK" or line == case["swift"])
            if same:
                agreed += 1
            else:
                print("     %s: expected %s (%s), the page said %s: %s" % (case["name"], case["expect"], case["swift"], said, line))
            os.remove(tar)
        check(agreed == len(cases), "the page's verdict equals both command-line verifiers' on all %d bundles (%d agree): "
              "every sample bundle and every tampered one" % (len(cases), agreed))

        good = next(c for c in cases if c["name"] == "untampered")
        folder = good["dir"]
        # 2. Other packings of the same bundle.
        for name, path in (("zip (deflate)", pack_zip(folder, os.path.join(work, "good.zip"))),
                           ("zip (stored, no top folder)", pack_zip(folder, os.path.join(work, "stored.zip"), zipfile.ZIP_STORED, top=False)),
                           (".tar.gz", pack_tar(folder, os.path.join(work, "good.tar.gz"), gz=True))):
            verdict = page.verify(path, log_key=good["logkey"])
            check(verdict.get_attribute("data-verdict") == "OK", "the exported folder as %s: 核验通过" % name)
        driver.save_screenshot(os.path.join(out, "verify-pass-1280.png"))
        tables = driver.find_elements(By.CSS_SELECTOR, ".verify-table tbody tr")
        marks = [r.find_elements(By.TAG_NAME, "td")[-1].text for r in tables]
        results = json.load(open(os.path.join(folder, "results.json")))
        check(len(tables) == len(results["subjects"]) and all(m.startswith("✔") for m in marks),
              "the published results beside the recount: %d rows, every one 一致" % len(tables))
        first = tables[0].find_elements(By.CSS_SELECTOR, "th, td")
        subject = results["subjects"][0]
        check(first[0].text == subject["name"] and first[2].text.startswith(subject["rate"] + "%") and first[4].text.startswith(subject["rate"] + "%"),
              "the first row names %s with its published and recounted rate %s%%" % (subject["name"], subject["rate"]))
        text = driver.find_element(By.ID, "verdict").text
        check("核验通过" in text and "检查点由您填写的日志公钥签名" in text, "the verdict says 核验通过 and that the pinned key signed the checkpoints")
        axe_check(driver, "/verify after 核验通过 at 1280 px")

        # 3. 核验码 from the 公示栏.
        latest = max(int(n[:-4]) for n in os.listdir(os.path.join(folder, "checkpoints")) if n[:-4].isdigit())
        root = __import__("base64").b64decode(open(os.path.join(folder, "checkpoints", "%d.txt" % latest)).read().split("\n")[2]).hex()
        verdict = page.verify(os.path.join(pack_tar(folder, os.path.join(work, "good.tar"))), log_key=good["logkey"], earlier=root[:8] + "\n")
        check(verdict.get_attribute("data-verdict") == "OK" and root[:8] in verdict.text,
              "the 公示栏's 核验码 %s is the root of a checkpoint: 核验通过, the code named" % root[:8])
        wrong = ("0" if root[0] != "0" else "1") + root[1:8]
        verdict = page.verify(os.path.join(work, "good.tar"), log_key=good["logkey"], earlier=wrong)
        check(verdict.get_attribute("data-verdict") == "bundle: earlier_checkpoint" and wrong in verdict.text,
              "a 核验码 that is no checkpoint's root: 核验未通过 at earlier_checkpoint, the code named")

        # 4. Options refused before anything runs; a file that is no bundle.
        verdict = page.verify(os.path.join(work, "good.tar"), quorum=1)
        check(not verdict.get_attribute("data-verdict") and "见证方公钥" in verdict.text,
              "a cosignature count without witness keys is refused before verifying")
        junk = os.path.join(work, "名单.xlsx")
        open(junk, "wb").write(b"PK\x03\x04" + os.urandom(3000))
        verdict = page.verify(junk)
        check(not verdict.get_attribute("data-verdict") and "无法读取" in verdict.text,
              "a file that is no bundle: 材料包无法读取, no verdict")

        # 5. A recount failure: the differing row marked.
        recount = next(c for c in cases if c["name"] == "flag-left-out")
        verdict = page.verify(pack_tar(recount["dir"], os.path.join(work, "recount.tar")), log_key=recount["logkey"])
        differing = driver.find_elements(By.CSS_SELECTOR, ".verify-table tr.differs")
        check(verdict.get_attribute("data-verdict") == "seq 56: recount" and len(differing) == 1 and "不一致" in differing[0].text,
              "a flag left out of the results: 核验未通过 at seq 56 recount, its one row marked 不一致")
        driver.save_screenshot(os.path.join(out, "verify-fail-1280.png"))
        driver.set_window_size(360, 800)
        verdict = page.verify(os.path.join(work, "good.tar"), log_key=good["logkey"])
        wide, viewport = driver.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        check(verdict.get_attribute("data-verdict") == "OK" and wide <= viewport, "at 360 px: 核验通过, nothing wider than the screen (%d px of %d)" % (wide, viewport))
        driver.save_screenshot(os.path.join(out, "verify-pass-360.png"))
        axe_check(driver, "/verify at 360 px")
        driver.set_window_size(1280, 1000)

        # 6. /verify/<id>: fetched from the server by a signed-in reviewer.
        swift = subprocess.run([minping, "audit", "verify", os.path.join(work, "demo-bundle")], capture_output=True, text=True).stdout.strip()

        def fetch(key=None):
            page.open("/verify/" + evaluation)
            if key:
                driver.find_element(By.CSS_SELECTOR, ".fetch-box summary").click()
                driver.find_element(By.ID, "fetch-key").send_keys(key)
            driver.find_element(By.ID, "fetch-bundle").click()

        fetch()
        status = page.wait.until(lambda d: d.find_element(By.ID, "fetch-status").text if "权限" in d.find_element(By.ID, "fetch-status").text else None)
        check("没有权限" in status, "/verify/%s without a sign-in: 没有权限, nothing verified" % evaluation)
        for how, key in (("a reviewer key typed in", reviewer), ("the console's key sign-in, then its link 在浏览器中核验", None)):
            if key is None:   # as a reviewer goes: the console, the evaluation, the link beside 下载审核材料包
                key_sign_in(driver, page.wait, base, reviewer)
                driver.get(base + "/admin#/e/" + evaluation)
                page.wait.until(EC.element_to_be_clickable((By.ID, "verify-link"))).click()
                page.wait.until(EC.presence_of_element_located((By.ID, "fetch-bundle"))).click()
            else:
                fetch(key)
            verdict = page.verdict()
            line = driver.find_element(By.CSS_SELECTOR, "#verdict .verify-line").text
            check(verdict.get_attribute("data-verdict") == "OK" and line == swift,
                  "/verify/%s with %s: fetched and 核验通过, the line `minping audit verify` prints" % (evaluation, how))
        driver.execute_script("sessionStorage.clear()")
        status, account = api(base, "POST", "/api/v1/accounts", {"user": "jiwei-liu", "role": "reviewer", "street": street}, key=operator)
        driver.get(base + "/verify/" + evaluation)
        signed = driver.execute_async_script(
            "const done = arguments[2]; fetch('/api/v1/session', {method: 'POST', headers: {'Content-Type': 'application/json'},"
            " body: JSON.stringify({user: arguments[0], password: arguments[1]})}).then(r => done(r.status), () => done(0));",
            "jiwei-liu", account["temporary_password"])
        fetch()
        verdict = page.verdict()
        check(status == 201 and signed == 200 and verdict.get_attribute("data-verdict") == "OK",
              "/verify/%s with a reviewer's password session (its cookie): fetched and 核验通过" % evaluation)

        # 7. The page saved to a file and opened with no server at all.
        saved = os.path.join(work, "核验.html")
        with open(saved, "w", encoding="utf-8") as f:
            f.write(request(base + "/verify").body.decode())
        stop_server(server, log)
        server = None
        driver.get("file://" + saved)
        page.wait.until(EC.presence_of_element_located((By.ID, "verify-form")))
        driver.find_element(By.ID, "bundle-file").send_keys(os.path.join(work, "good.tar"))
        page.options(log_key=good["logkey"])
        driver.find_element(By.ID, "verify-start").click()
        check(page.verdict().get_attribute("data-verdict") == "OK", "the page saved as one file and opened from file:// with the server gone: 核验通过")
    finally:
        driver.quit()
        if server is not None:
            stop_server(server, log)
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit("verify page: %d failed" % len(failures))
    print("verify page: all passed")


if __name__ == "__main__":
    main()
