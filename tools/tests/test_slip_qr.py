#!/usr/bin/env python3
"""Every QR code on printed slips decodes from an ordinary office printer (issue 29 §4).

Starts `minping serve` with a realistic public address, prints 8 token slips and 8 code slips
through the console's slips page, prints each page to an A4 PDF in headless Chromium, renders
the PDF at 150 dpi in grey (pdftoppm, as a cheap printer or scanner would see it) and decodes
every QR code with zxing-cpp: each slip's address must come back exactly.
Usage: tools/tests/test_slip_qr.py path/to/minping
Needs: chromium, chromium-driver, poppler-utils (Debian); selenium, zxing-cpp, numpy (PyPI).
"""

import base64
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
            options = PrintOptions()
            options.page_width, options.page_height = 21.0, 29.7
            pdf = os.path.join(work, kind + ".pdf")
            with open(pdf, "wb") as f:
                f.write(base64.b64decode(driver.print_page(options)))
            texts = decoded(pdf, work, kind)
            longest = max((len(u) for u in urls), default=0)
            check(len(urls) == 8 and sorted(texts) == sorted(urls),
                  "%s slips: all 8 QR codes decode at %d dpi (%d decoded; addresses up to %d characters)" % (kind, DPI, len(texts), longest))
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
