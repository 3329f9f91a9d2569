#!/usr/bin/env python3
"""Every QR code on printed slips and notices decodes from an ordinary office printer (issue 29 §2, §4).

Starts `minping serve` with a realistic public address, prints 8 token slips and 8 code slips
through the console's slips page, prints each page to an A4 PDF in headless Chromium, renders
the PDF at 150 dpi in grey (pdftoppm, as a cheap printer or scanner would see it) and decodes
every QR code with zxing-cpp: each slip's address must come back exactly.
Then the printed notices: the public board (/board/<id>) as the 测评公告 (draft, then open) and
as the 初评公示 (preliminary), each printed to an A4 PDF and rendered the same way: its 核验码's
QR code must decode to the evaluation's log-check page (/receipt/<id>) on the public address,
and the PDF's text (pdftotext) must hold the notice's heading and 核验码.
Usage: tools/tests/test_slip_qr.py path/to/minping
Needs: chromium, chromium-driver, poppler-utils (Debian); selenium, zxing-cpp, numpy (PyPI).
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

import numpy
import zxingcpp
from selenium.webdriver.common.print_page_options import PrintOptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_support import chrome  # noqa: E402
from support import ROOT, check, failures, free_port, local, request, stop_server, wait_until_serving  # noqa: E402

PUBLIC = "https://minping.chengqu.example.gov.cn"
DPI = int(os.environ.get("SLIP_QR_DPI", "150"))  # an ordinary office printer or scanner


def pgm(path):
    """A binary PGM (P5) as a numpy array: pdftoppm's grey output, no imaging library needed."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    magic, width, height, _ = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
    assert magic == b"P5", magic
    pos += 1
    return numpy.frombuffer(data, dtype=numpy.uint8, count=width * height, offset=pos).reshape(height, width)


def decoded(pdf, work, name):
    """Every QR text on every page of `pdf`, rendered at 150 dpi in grey."""
    prefix = os.path.join(work, name)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", pdf, prefix], check=True, timeout=120)
    texts = []
    for page in sorted(f for f in os.listdir(work) if f.startswith(name + "-") and f.endswith(".pgm")):
        texts += [b.text for b in zxingcpp.read_barcodes(pgm(os.path.join(work, page)), formats=zxingcpp.BarcodeFormat.QRCode)]
    return texts


def print_a4(driver, pdf):
    """The page open in `driver`, printed to an A4 PDF as the browser's 打印 would."""
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7
    with open(pdf, "wb") as f:
        f.write(base64.b64decode(driver.print_page(options)))


def check_notice(driver, base, work, evaluation, state, name, heading):
    """The board of `evaluation`, in `state`, printed on A4 is the notice `heading`, and its 核验码 QR decodes,
    at DPI, to the public log-check page."""
    what = "%s (%s, %s)" % (heading, evaluation, state)
    actual = json.loads(request("%s/api/v1/evaluations/%s" % (base, evaluation), unanswered=()).ok().body)["state"]
    if actual != state:
        raise AssertionError("%s is %s, not %s" % (evaluation, actual, state))
    driver.get("%s/board/%s" % (base, evaluation))
    pdf = os.path.join(work, name + ".pdf")
    print_a4(driver, pdf)
    texts = decoded(pdf, work, name)
    expected = "%s/receipt/%s" % (PUBLIC, evaluation)
    check(texts == [expected], "%s: the 核验码 QR code decodes at %d dpi to %s (decoded: %r)" % (what, DPI, expected, texts))
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", pdf, "-"], capture_output=True, check=True, timeout=60).stdout.decode()
    pages = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True, timeout=60).stdout
    count = next((line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")), "?")
    check(heading in text and "核验码" in text, "%s: the printed PDF (%s pages) says %s and 核验码" % (what, count, heading))


def main():
    minping = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="minping-qr-")
    db, keyfile = os.path.join(work, "q.sqlite"), os.path.join(work, "q.key")
    key = subprocess.run([minping, "keys", "create", "--role", "admin", "--street", "chengqu", "--db", db, "--key-file", keyfile],
                         capture_output=True, text=True, timeout=60).stdout.strip().splitlines()[-1]
    port = free_port()
    base = local(port)
    log = open(os.path.join(work, "server.log"), "w")
    server = subprocess.Popen([minping, "serve", "--db", db, "--key-file", keyfile, "--port", str(port), "--public-url", PUBLIC,
                               "--load", os.path.join(ROOT, "Ballots", "fuyuan-2018.yaml"), "--slips", "0"],
                              stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    driver = None
    try:
        wait_until_serving(server, base)
        driver = chrome()
        for kind in ("token", "code"):
            body = urllib.parse.urlencode({"key": key, "count": "8", "kind": kind}).encode()
            html = request(base + "/admin/slips/fuyuan-2018", "POST", body, content_type="application/x-www-form-urlencoded",
                           timeout=60, unanswered=()).ok().body.decode()
            page = os.path.join(work, kind + ".html")
            with open(page, "w", encoding="utf-8") as f:
                f.write(html.replace('href="/static/', 'href="%s/static/' % base).replace('src="/static/', 'src="%s/static/' % base))
            driver.get("file://" + page)
            urls = [e.get_attribute("data-url") for e in driver.find_elements("css selector", ".slip[data-url]")]
            pdf = os.path.join(work, kind + ".pdf")
            print_a4(driver, pdf)
            texts = decoded(pdf, work, kind)
            longest = max((len(u) for u in urls), default=0)
            check(len(urls) == 8 and sorted(texts) == sorted(urls),
                  "%s slips: all 8 QR codes decode at %d dpi (%d decoded; addresses up to %d characters)" % (kind, DPI, len(texts), longest))

        # The notices: 测评公告 before voting (draft: fuyuan-2019, created here; open: fuyuan-2018, which
        # serve --load opened), then 初评公示 with fuyuan-2018's preliminary results.
        def call(method, path, body=None, content_type="application/json"):
            reply = request(base + "/api/v1/evaluations" + path, method, body, key=key, content_type=content_type, typed=True,
                            unanswered=())
            if not 200 <= reply.status < 300:
                raise AssertionError("%s %s: %d %s" % (method, path, reply.status, reply.body.decode(errors="replace")))
            return reply.body

        with open(os.path.join(ROOT, "Ballots", "fuyuan-2019.yaml"), "rb") as f:
            call("POST", "", f.read(), "application/yaml")
        check_notice(driver, base, work, "fuyuan-2019", "draft", "board-draft", "测评公告")
        check_notice(driver, base, work, "fuyuan-2018", "open", "board-open", "测评公告")
        for token in json.loads(call("POST", "/fuyuan-2018/slips", {"count": 3}))["tokens"]:
            call("POST", "/fuyuan-2018/ballots", {"token": token, "ratings": {"m-001": "satisfied", "fy-1": "satisfied"}})
        call("POST", "/fuyuan-2018/close")
        call("POST", "/fuyuan-2018/publish", {"stage": "preliminary"})
        check_notice(driver, base, work, "fuyuan-2018", "preliminary", "board-preliminary", "初评公示")
    finally:
        if driver:
            driver.quit()
        stop_server(server, log)
    print("slip QR: %d failed" % len(failures))
    if not failures:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
