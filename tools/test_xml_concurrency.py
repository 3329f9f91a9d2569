#!/usr/bin/env python3
"""XLSX rosters uploaded while results.xlsx is downloaded, many at once, against a real
`minping serve` (a defect found by schemathesis: libxml2 under Foundation's XML classes is not
safe on two threads at once, and the server died of a segmentation fault within a few hundred
such requests). Every request must be answered (200 or 422), and the server must live on.

Usage: tools/test_xml_concurrency.py path/to/minping
"""
import io
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import openpyxl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_support import check, failures, free_port, wait_until_serving  # noqa: E402


def main():
    minping = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="minping-xml-")
    port = free_port()
    base = "http://127.0.0.1:%d/api/v1" % port
    server = subprocess.Popen([minping, "serve", "--db", os.path.join(work, "x.sqlite"), "--port", str(port),
                               "--load", "Ballots/haiyan-2020.yaml", "--slips", "3"],
                              stdout=subprocess.PIPE, stderr=open(os.path.join(work, "serve.err"), "w"), text=True)
    admin, tokens = None, []
    for line in server.stdout:
        if line.startswith("admin key:"):
            admin = line.split()[-1]
        if "#t=" in line:
            tokens.append(line.strip().split("#t=")[1])
        if len(tokens) == 3:
            break
    wait_until_serving(server, "http://127.0.0.1:%d" % port)

    def call(method, path, body=None, content_type="application/json"):
        data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(base + path, data=data, method=method,
                                         headers={"Authorization": "Bearer " + admin, "Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    try:
        evaluation = "/evaluations/haiyan-2020"
        subject = json.load(urllib.request.urlopen(base + evaluation))["subjects"][0]["id"]
        for token in tokens:
            call("POST", evaluation + "/ballots", {"token": token, "ratings": {subject: "satisfied"}})
        check(call("POST", evaluation + "/close") == 200 and call("POST", evaluation + "/publish", {"stage": "preliminary"}) == 200,
              "an evaluation with published results")
        def workbook(header):
            book = openpyxl.Workbook()
            book.active.append(header)
            for i in range(60):
                book.active.append(["党员%d" % i, "第一党支部"])
            data = io.BytesIO()
            book.save(data)
            return data.getvalue()
        rosters = [workbook(["姓名", "所属党支部"]), workbook(["类型", "编号", "姓名", "所属支部"])]  # a good one, and one refused (422)
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

        def one(i):
            if i % 2:
                return call("POST", "/rosters", rosters[(i // 2) % 2], xlsx)
            return call("GET", evaluation + "/results.xlsx")
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(one, range(1200)))
        check(statuses.count(200) == 900 and statuses.count(422) == 300,
              "600 roster uploads and 600 results.xlsx at once: every one answered (%s)" % sorted(set(statuses)))
        check(server.poll() is None, "the server is still running")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    print("xml concurrency: %d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
