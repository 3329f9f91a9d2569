#!/usr/bin/env python3
"""XLSX rosters uploaded while results.xlsx is downloaded, many at once, against a real
`minping serve` (a defect found by schemathesis: libxml2 under Foundation's XML classes is not
safe on two threads at once, and the server died of a segmentation fault within a few hundred
such requests). Every request must be answered (200 or 422), and the server must live on.

Usage: tools/tests/test_xml_concurrency.py path/to/minping
"""
import io
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import openpyxl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import JSON, check, failures, free_port, kill, local, request, wait_until_serving  # noqa: E402


def main():
    minping = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="minping-xml-")
    port = free_port()
    base = local(port, "/api/v1")
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
    wait_until_serving(server, local(port))

    def call(method, path, body=None, content_type=JSON):
        return request(base + path, method, body, key=admin, content_type=content_type, typed=True).status

    try:
        evaluation = "/evaluations/haiyan-2020"
        subject = request(base + evaluation, timeout=None, unanswered=()).ok().json()["subjects"][0]["id"]
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
        kill(server)
    print("xml concurrency: %d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
