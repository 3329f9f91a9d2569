#!/usr/bin/env python3
"""The third line of tools/bench/verify: the /verify page (Static/verify-bundle.js in a Web Worker
and its helpers) on the same bundle in headless Chromium, against `minping audit verify` in the
same run, three times each, interleaved; medians, their ratio, and the peak memory.

Memory is the proportional set size (PSS, /proc/PID/smaps_rollup) of Chromium's processes,
sampled every 0.2 s: the page's renderer (the page and its workers) and all of Chromium (browser,
GPU, utilities, renderers), whose sum PSS does not double-count shared pages as RSS would.

Usage: tools/bench/verify_page.py path/to/minping BUNDLE_DIR LOG_KEY BALLOTS
"""
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from browser_support import chrome  # noqa: E402
from support import free_port, local, start_server, stop_server  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


def chromium_pss():
    """{pid: (type, PSS in kB)} of every Chromium process (not chromedriver)."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read()
            if not cmd.startswith(b"/usr/lib/chromium/chromium") and b"/chromium " not in cmd.replace(b"\0", b" "):
                continue
            with open("/proc/%s/smaps_rollup" % pid) as f:
                pss = next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
            kind = re.search(rb"--type=([a-z-]+)", cmd)
            found[pid] = (kind.group(1).decode() if kind else "browser", pss)
        except (OSError, StopIteration):
            pass
    return found


def page_run(driver, base, tar, key):
    """One verification through the page: (seconds from the click to the verdict, peak renderer
    PSS, peak total PSS, the OK line)."""
    driver.get(base + "/verify")
    driver.find_element(By.ID, "bundle-file").send_keys(tar)
    driver.find_element(By.CSS_SELECTOR, ".verify-options summary").click()
    driver.find_element(By.ID, "log-key").send_keys(key)
    peak = {"renderer": 0, "total": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            now = chromium_pss()
            peak["total"] = max(peak["total"], sum(p for _, p in now.values()))
            peak["renderer"] = max([peak["renderer"]] + [p for kind, p in now.values() if kind == "renderer"])
            time.sleep(0.2)
    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.monotonic()
    driver.find_element(By.ID, "verify-start").click()
    while True:
        verdict = driver.find_element(By.ID, "verdict")
        if verdict.get_attribute("data-verdict") or (verdict.is_displayed() and verdict.text):
            break
        time.sleep(0.05)
    seconds = time.monotonic() - start
    done.set()
    sampler.join()
    if verdict.get_attribute("data-verdict") != "OK":
        sys.exit("the page did not pass the bundle: " + verdict.text)
    return seconds, peak["renderer"] / 1024, peak["total"] / 1024, driver.find_element(By.CSS_SELECTOR, ".verify-line").text


def main():
    minping, bundle, key, ballots = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    work = tempfile.mkdtemp(prefix="bench-verify-page-")
    tar = os.path.join(work, "bundle.tar")
    with tarfile.open(tar, "w", format=tarfile.USTAR_FORMAT) as t:   # as GET /bundle serves it
        t.add(bundle, arcname="bench-verify-bundle")
    port = free_port()
    log = open(os.path.join(work, "serve.log"), "w")
    server = start_server([minping, "serve", "--db", os.path.join(work, "page.sqlite"), "--port", str(port)], port,
                          stdout=log, stderr=subprocess.STDOUT)
    driver = chrome()
    cli, page, renderer, total = [], [], [], []
    try:
        for _ in range(3):
            start = time.monotonic()
            out = subprocess.run([minping, "audit", "verify", bundle, "--log-key", key], capture_output=True, text=True, check=True).stdout.strip()
            cli.append(time.monotonic() - start)
            seconds, peak_renderer, peak_total, line = page_run(driver, local(port), tar, key)
            if line != out:
                sys.exit("the page's line differs from audit verify's:\n%s\n%s" % (line, out))
            page.append(seconds)
            renderer.append(peak_renderer)
            total.append(peak_total)
    finally:
        driver.quit()
        stop_server(server, log)
        subprocess.run(["rm", "-rf", work])
    p, c = statistics.median(page), statistics.median(cli)
    print("verify page (headless Chromium): %d ballots in %.2f s (%s), audit verify %.2f s (%s) in the same run: %.2f×; "
          "peak PSS %.0f MB the page's renderer, %.0f MB all of Chromium"
          % (ballots, p, ", ".join("%.2f" % x for x in page), c, ", ".join("%.2f" % x for x in cli), p / c, max(renderer), max(total)))


if __name__ == "__main__":
    main()
