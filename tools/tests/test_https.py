#!/usr/bin/env python3
"""HTTPS built in (SPEC §8): `minping serve --tls-cert --tls-key --http-port` with a certificate
made here with openssl. The voting page over HTTPS in headless Chromium redeems a code slip
(the blind issuance needs WebCrypto, which browsers give only to secure pages); plain HTTP only
redirects (308, no cookie); the session cookie is Secure; SIGHUP takes a renewed certificate
without a restart and keeps the old one when the new pair does not match; a bad pair stops the
start with exit 2 naming the file.

    python3 tools/tests/test_https.py .build/debug/minping
"""
import base64
import hashlib
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_support import chrome  # noqa: E402
from support import ROOT, check, failures, free_port, kill, poll  # noqa: E402

EVALUATION = "fuyuan-2018"


def make_certificate(directory, name, common_name):
    """A self-signed certificate for 127.0.0.1 and localhost; its PEM paths and SPKI SHA-256."""
    cert, key = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=" + common_name, "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    der = subprocess.run("openssl x509 -in %s -pubkey -noout | openssl pkey -pubin -outform der" % cert, shell=True,
                         check=True, capture_output=True).stdout
    return cert, key, base64.b64encode(hashlib.sha256(der).digest()).decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def call(url, method="GET", body=None, headers=None, context=None, follow=True):
    """(status, headers, body bytes); an HTTP error is an answer like any other."""
    handlers = [urllib.request.HTTPSHandler(context=context)] if context else []
    if not follow:
        handlers.append(NoRedirect())
    opener = urllib.request.build_opener(*handlers)
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with opener.open(request, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
    except OSError as e:  # not listening yet (URLError is one)
        return 0, {}, str(e).encode()


def served_certificate(port):
    return ssl.get_server_certificate(("127.0.0.1", port)).strip()


def main():
    minping = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="minping-https-")
    cert, key, spki = make_certificate(work, "first", "minping-first")
    renewed_cert, renewed_key, renewed_spki = make_certificate(work, "renewed", "minping-renewed")
    other_cert, other_key, _ = make_certificate(work, "other", "minping-other")
    db = os.path.join(work, "https.sqlite")

    # A bad pair: exit 2, naming the file, before anything is served.
    bad = subprocess.run([minping, "serve", "--db", db, "--port", str(free_port()), "--tls-cert", cert, "--tls-key", other_key],
                         capture_output=True, text=True, timeout=60)
    check(bad.returncode == 2 and other_key in bad.stderr, "a key that is not the certificate's: exit 2 naming it (%d: %s)"
          % (bad.returncode, bad.stderr.strip()[-160:]))
    missing = subprocess.run([minping, "serve", "--db", db, "--port", str(free_port()), "--tls-cert", os.path.join(work, "none.pem"),
                              "--tls-key", key], capture_output=True, text=True, timeout=60)
    check(missing.returncode == 2 and "none.pem" in missing.stderr, "a certificate file that is missing: exit 2 naming it")

    # The served certificate is replaced on disk and reloaded later: serve copies of the files.
    live_cert, live_key = os.path.join(work, "live.pem"), os.path.join(work, "live.key")
    for source, target in ((cert, live_cert), (key, live_key)):
        with open(source, "rb") as f, open(target, "wb") as g:
            g.write(f.read())
    port, http_port = free_port(), free_port()
    base = "https://127.0.0.1:%d" % port
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([minping, "serve", "--db", db, "--port", str(port), "--http-port", str(http_port),
                               "--tls-cert", live_cert, "--tls-key", live_key, "--load", "Ballots/fuyuan-2018.yaml", "--slips", "0"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True)
    driver = None
    try:
        admin = None
        for line in server.stdout:
            if line.startswith("admin key:"):
                admin = line.split()[-1]
            if line.startswith("slips"):
                break
        trusted = ssl.create_default_context(cafile=cert)
        up = poll(lambda: call(base + "/healthz", context=trusted)[0] == 200 if server.poll() is None else None, 60)
        check(bool(up), "minping serve answers over HTTPS with the certificate given")
        status, _, body = call(base + "/api/v1/evaluations/%s/slips" % EVALUATION, "POST", {"count": 1, "kind": "code"},
                               {"Authorization": "Bearer " + admin}, trusted)
        urls = json.loads(body).get("urls", []) if status == 201 else []
        check(len(urls) == 1 and urls[0].startswith(base + "/vote/"), "code slips point at the HTTPS address: %s" % urls[:1])

        # Plain HTTP only redirects, keeping the path; no cookie is ever set there.
        status, headers, _ = call("http://127.0.0.1:%d/vote/%s?lang=en" % (http_port, EVALUATION), follow=False)
        check(status == 308 and headers.get("Location") == base + "/vote/%s?lang=en" % EVALUATION,
              "plain HTTP redirects to HTTPS with 308: %s %s" % (status, headers.get("Location")))
        status, headers, _ = call("http://127.0.0.1:%d/api/v1/session" % http_port, "POST", {"user": "a", "password": "b"}, follow=False)
        check(status == 308 and headers.get("Set-Cookie") is None, "a sign-in sent over plain HTTP is redirected, no cookie set")

        # The first run over HTTPS: the session cookie is Secure.
        with open(os.path.join(work, "server.log")) as f:
            code = next((l.split("#", 1)[1].split()[0] for l in f if "/setup#" in l), None)
        check(code is not None, "the first start printed a setup link")
        status, headers, body = call(base + "/api/v1/setup", "POST", {"code": code, "user": "zhang", "password": "correct horse"},
                                     context=trusted)
        cookie = headers.get("Set-Cookie") or ""
        check(status == 201 and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie,
              "over HTTPS the session cookie is Secure, HttpOnly, SameSite=Strict: %s" % cookie[:40])

        # A code slip redeemed in the browser over HTTPS: blind issuance with WebCrypto, a
        # ballot, a tracker, checked.
        driver = chrome(["--ignore-certificate-errors-spki-list=%s,%s" % (spki, renewed_spki)])
        wait = WebDriverWait(driver, 30)
        driver.set_window_size(360, 740)
        driver.get(urls[0])
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "fieldset.subject")))
        check(driver.execute_script("return window.isSecureContext && !!(crypto && crypto.subtle)"),
              "the voting page over HTTPS is a secure context with WebCrypto")
        driver.find_element(By.XPATH, "//div[@class='bulk']/button[1]").click()
        driver.find_element(By.CSS_SELECTOR, ".progress button.primary").click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "ul.review")))
        driver.find_element(By.CSS_SELECTOR, "button.primary").click()
        tracker = wait.until(EC.presence_of_element_located((By.ID, "tracker"))).text.strip()
        verified = WebDriverWait(driver, 40).until(
            lambda d: d.find_element(By.ID, "verification").text if "已核验" in d.find_element(By.ID, "verification").text
            or "失败" in d.find_element(By.ID, "verification").text else False)
        check(len(tracker) == 64 and "已核验" in verified, "a code slip redeemed over HTTPS: a tracker, and 已核验")

        # SIGHUP: the renewed certificate is served from the next connection on.
        for source, target in ((renewed_cert, live_cert), (renewed_key, live_key)):
            with open(source, "rb") as f, open(target, "wb") as g:
                g.write(f.read())
        with open(renewed_cert) as f:
            renewed_pem = f.read().strip()
        server.send_signal(signal.SIGHUP)
        check(bool(poll(lambda: served_certificate(port) == renewed_pem, 15)), "SIGHUP: the renewed certificate is served")
        check(server.poll() is None, "… and the server kept running")
        # A pair that does not match: refused, the renewed one stays.
        with open(other_cert, "rb") as f, open(live_cert, "wb") as g:
            g.write(f.read())
        server.send_signal(signal.SIGHUP)
        time.sleep(2)
        check(served_certificate(port) == renewed_pem and server.poll() is None,
              "SIGHUP with a certificate that is not the key's: the one in use stays")
        with open(os.path.join(work, "server.log")) as f:
            check("not reloaded" in f.read(), "… and the log says why")
    finally:
        if driver:
            driver.quit()
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            kill(server)
        log.close()
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all HTTPS checks passed")


if __name__ == "__main__":
    main()
