#!/usr/bin/env python3
"""Member lists as street offices keep them, through a real `minping serve` (issue 29 §1).

Each workbook is made the way offices make them (office_rosters.py: openpyxl, and
LibreOffice for the legacy .xls) and sent to POST /api/v1/rosters, which parses it in a child
process; each case names the answer it must give. Usage: tools/tests/test_rosters_real.py path/to/minping
Needs: openpyxl (PyPI); LibreOffice (Debian) for a real .xls, else its signature stands for one.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import office_rosters  # noqa: E402
from support import check, failures, free_port, local, request, start_server, stop_server  # noqa: E402

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def post(base, key, path, content_type, query=""):
    with open(path, "rb") as f:
        body = f.read()
    reply = request(base + "/api/v1/rosters" + query, "POST", body, key=key, content_type=content_type, timeout=60, unanswered=())
    return reply.status, reply.json(empty={} if reply.status >= 400 else None)


def main():
    minping = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="minping-rosters-")
    db, keyfile = os.path.join(work, "r.sqlite"), os.path.join(work, "r.key")
    made = subprocess.run([minping, "keys", "create", "--role", "admin", "--street", "chengqu", "--db", db, "--key-file", keyfile],
                          capture_output=True, text=True, timeout=60)
    key = made.stdout.strip().splitlines()[-1]
    port = free_port()
    base = local(port)
    log = open(os.path.join(work, "server.log"), "w")
    server = start_server([minping, "serve", "--db", db, "--key-file", keyfile, "--port", str(port)], port,
                          stdout=log, stderr=subprocess.STDOUT)
    try:
        # A merged title row, a blank row, the header on row 3, branches merged down, footers.
        path = os.path.join(work, "府苑社区党员花名册.xlsx")
        people = office_rosters.merged_workbook(path)
        status, answer = post(base, key, path, XLSX)
        names = [m["name"] for m in answer.get("members", [])]
        check(status == 200 and names == [n for n, _ in people], "merged cells: all 45 members read, in order (%s, %d)" % (status, len(names)))
        branch = {o["id"]: o["name"] for o in answer.get("organizations", [])}
        check([branch.get(m["organization"]) for m in answer.get("members", [])] == [b for _, b in people],
              "merged cells: every member has the branch of its merged range")
        check(answer.get("header_row") == 3 and answer.get("sheet") == "花名册" and not answer.get("errors"),
              "the header is found on row 3 under the merged title; the sheet is named: %s" % {k: answer.get(k) for k in ("header_row", "sheet")})
        skipped = {s["row"]: s["reason"] for s in answer.get("skipped", [])}
        check([r for r, why in skipped.items() if why.startswith("表尾")] == [49, 50, 51, 52],
              "合计, 制表人, 填表日期 and 注 rows are skipped as the footer: %s" % skipped)
        check(not answer.get("ids_given") and answer.get("partial_allowed") is True, "序号 is not taken for an id")

        # The same workbook with the branch written once and NOT merged: a clear stop.
        path = os.path.join(work, "未合并.xlsx")
        office_rosters.merged_workbook(path, merge_branches=False)
        status, answer = post(base, key, path, XLSX)
        summary = " ".join(answer.get("error_summary", []))
        check(status == 200 and len(answer.get("members", [])) == 3 and answer.get("partial_allowed") is False,
              "branch written once, not merged: 3 members read, leaving out the rest is not offered")
        check("第 5–18 行的党支部是空的" in summary and "合并" in summary, "… and it says so in words: " + summary)

        # A cover sheet and a notes sheet first (WPS spellings, 编号 A01).
        path = os.path.join(work, "封面.xlsx")
        people = office_rosters.cover_sheet_workbook(path)
        status, answer = post(base, key, path, XLSX)
        check(status == 200 and answer.get("sheet") == "名单" and answer.get("sheets") == ["封面", "填表说明", "名单"]
              and len(answer.get("members", [])) == 12 and answer.get("ids_given") is True
              and answer["members"][0]["id"] == "a01",
              "a cover sheet is passed over: the first sheet with a roster is read and named: %s" % {k: answer.get(k) for k in ("sheet", "sheets")})
        status, answer = post(base, key, path, XLSX, "?sheet=" + urllib.parse.quote("填表说明"))
        check(status == 422 and "第 1–10 行里没有找到表头" in answer.get("detail", "") and "姓名请填写全名" in answer.get("detail", ""),
              "?sheet= reads the sheet asked for; a sheet without a roster says what it holds: " + answer.get("detail", ""))
        status, answer = post(base, key, path, XLSX, "?sheet=" + urllib.parse.quote("不存在"))
        check(status == 422 and "没有名为“不存在”的工作表" in answer.get("detail", "") and "名单" in answer.get("detail", ""),
              "an unknown sheet is named with the ones there are")

        # No branch column: the refusal says what row 2 holds and what would work.
        path = os.path.join(work, "无支部.xlsx")
        office_rosters.no_header_workbook(path)
        status, answer = post(base, key, path, XLSX)
        detail = answer.get("detail", "")
        check(status == 422 and answer.get("code") == "roster_invalid" and "第 2 行是：序号、姓名、性别、所在单位" in detail
              and "所在党支部" in detail, "no branch column: found and wanted, in words: " + detail)

        # GBK CSV with a title line and 所在党支部.
        path = os.path.join(work, "gbk.csv")
        people = office_rosters.gbk_csv(path)
        status, answer = post(base, key, path, "text/csv")
        check(status == 200 and [m["name"] for m in answer.get("members", [])] == [n for n, _ in people] and answer.get("header_row") == 2,
              "a GBK CSV with a title line and 所在党支部 reads (%s)" % status)

        # Legacy .xls: refused with how to save it as .xlsx, in Excel and in WPS.
        path = office_rosters.legacy_xls(os.path.join(work, "旧名单.xls"), work)
        status, answer = post(base, key, path, "application/vnd.ms-excel")
        detail = answer.get("detail", "")
        check(status == 422 and "另存为" in detail and "WPS" in detail and ".xlsx" in detail, ".xls: how to save it as .xlsx: " + detail)
        status, answer = post(base, key, path, "application/octet-stream")
        check(status == 422 and "另存为" in answer.get("detail", ""), ".xls sent without its type is recognised by its signature")
    finally:
        stop_server(server, log)
    print("rosters: %d failed" % len(failures))
    if not failures:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("server log: " + os.path.join(work, "server.log"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
