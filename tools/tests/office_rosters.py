"""Member lists (花名册) made the way street offices make them, for the tests (issue 29 §1).

Shared like a module (STYLE 16): test_rosters_real.py reads each through the server and
checks the answer; test_console.py creates an evaluation from the merged-cell workbook.
Workbooks are written by openpyxl as Excel and WPS write them (merged title rows, branch cells
merged down their members, footers, a cover sheet); the legacy .xls by LibreOffice when it is
installed.
"""

import os
import shutil
import subprocess

import openpyxl

BRANCHES = ["府苑社区第一党支部", "府苑社区第二党支部", "府苑社区第三党支部"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "建国秀英伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰"


def members(count=45):
    """`count` distinct (name, branch) pairs, 15 to a branch."""
    out = []
    for i in range(count):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + GIVEN[(i * 3 + 1) % len(GIVEN)]
        out.append((name, BRANCHES[i * len(BRANCHES) // count]))
    return out


def _title(ws, text, width):
    ws.append([text] + [None] * (width - 1))
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)


def merged_workbook(path, count=45, merge_branches=True):
    """The common 花名册: a merged title row, a blank row, the header on row 3 with columns the
    roster does not need, the branch written once and merged down its members' rows, then
    footer rows (合计, 制表人 and 审核人, 填表日期, 注). Without `merge_branches` the branch is
    still written once but not merged (what a clerk's unmerge leaves). Returns the members."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    header = ["序号", "姓名", "性别", "出生年月", "入党时间", "所在党支部", "联系电话", "备注"]
    _title(ws, "府苑社区党员花名册（2026年）", len(header))
    ws.append([None] * len(header))
    ws.append(header)
    people = members(count)
    first_row = {}
    for i, (name, branch) in enumerate(people):
        row = ws.max_row + 1
        written = branch if branch not in first_row else None  # once, at the top of its range
        first_row.setdefault(branch, row)
        ws.append([i + 1, name, "男" if i % 2 else "女", "1970-%02d" % (i % 12 + 1), "2001-07", written, "1380000%04d" % i, None])
    if merge_branches:
        for branch in BRANCHES:
            rows = [first_row[branch] + k for k in range(sum(1 for _, b in people if b == branch))]
            if len(rows) > 1:
                ws.merge_cells(start_row=rows[0], start_column=6, end_row=rows[-1], end_column=6)
    ws.append(["合计", "%d人" % count] + [None] * (len(header) - 2))
    ws.append(["制表人：张明", None, None, "审核人：李华", None, None, None, None])
    ws.append(["填表日期：2026年3月1日"] + [None] * (len(header) - 1))
    ws.append(["注：1. 本表不含预备党员。"] + [None] * (len(header) - 1))
    wb.save(path)
    return people


def cover_sheet_workbook(path, count=12):
    """A cover sheet and a notes sheet before the roster (WPS: 党员姓名, 所属党组织, 编号 A01)."""
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "封面"
    cover.append(["府苑社区2026年度党员花名册"])
    cover.append(["报送单位：府苑社区党委"])
    notes = wb.create_sheet("填表说明")
    notes.append(["1. 姓名请填写全名"])
    notes.append(["2. 所属党组织写全称"])
    ws = wb.create_sheet("名单")
    ws.append(["编号", "党员姓名", "所属党组织"])
    people = members(count)
    for i, (name, branch) in enumerate(people):
        ws.append(["A%02d" % (i + 1), name, branch])
    wb.save(path)
    return people


def no_header_workbook(path):
    """A list with no branch column: 序号、姓名、性别、所在单位."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["党员名单"])
    ws.append(["序号", "姓名", "性别", "所在单位"])
    ws.append([1, "张三", "男", "城区街道"])
    wb.save(path)


def gbk_csv(path, count=20):
    """What Chinese Excel saves as CSV: GB18030 (GBK), CRLF, a title line, 所在党支部."""
    people = members(count)
    lines = ["府苑社区党员名单,,", "序号,姓名,所在党支部"] + ["%d,%s,%s" % (i + 1, n, b) for i, (n, b) in enumerate(people)]
    with open(path, "wb") as f:
        f.write(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    return people


def legacy_xls(path, work):
    """An Excel 97–2003 .xls: LibreOffice converts a workbook if it is installed, else the OLE2
    signature and an empty compound file header stand for one. Returns the path."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice:
        source = os.path.join(work, "legacy-source.xlsx")
        merged_workbook(source, count=6)
        out = subprocess.run([soffice, "--headless", "--convert-to", "xls", "--outdir", work, source],
                             capture_output=True, timeout=120)
        made = os.path.join(work, "legacy-source.xls")
        if out.returncode == 0 and os.path.exists(made):
            os.replace(made, path)
            return path
    with open(path, "wb") as f:
        f.write(bytes([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) + bytes(504))
    return path
