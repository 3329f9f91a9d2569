#!/usr/bin/env python3
"""The street's round end to end (issue 32): one street, five communities in round "2026", made
through the API from YAML and JSON definitions, against a real `minping serve` on loopback:
府苑 (members and branches, preliminary), 柳庄 (两级测评: level 1 members and branches, level 2
cadres with a cadre star, each with its own electorate), 海晏 (a 黑旗 flag rule with a member
below it and one exactly at it), 松兴 (final, publicity_days 0) and 龙华 (open, not published).
A second street (新区街道) has one evaluation in the round, for the operator's roll-up.

Checked: GET /streets/chengqu/rounds/2026 against the sums over each evaluation's GET /results
(ballots, electorate, subjects, each star, each flag); the page /street/chengqu/2026 in Chromium
at 1920 and 360 px (axe, the table's numbers, 柳庄's two levels side by side then stacked, the
progress naming 龙华社区 under 投票中, the chart, no page overflow at 360 px); the 大屏 mode
cycling the communities; the A4 print (every community, the folded 获星名单 printed open, no
community block split across pages, per page with pdftotext); street-results.xlsx (openpyxl);
the stars.csv ledger's proof reference checked with `minping audit verify --checkpoint`; the
operator's GET /rounds/2026 and the console's 全区汇总 (rank, sorting, axe); the console's
新建第二级测评 from 柳庄's level 1 with a cadre CSV. Screenshots go to the output folder as
street-*.png and street-print.pdf (default .build/browser-screenshots).

Usage: tools/tests/test_street.py path/to/minping [--out DIR]
Needs: chromium, chromium-driver, poppler-utils (pdftotext); selenium, axe-selenium-python, openpyxl.
"""
import base64
import csv
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings

import openpyxl
from browser_support import axe as axe_check, browser_test_result, chrome as headless_chrome, close_browsers, key_sign_in
from support import api, check, free_port, local, poll, request, start_server
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.print_page_options import PrintOptions
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

warnings.filterwarnings("ignore", message="Workbook contains no default style")
warnings.filterwarnings("ignore", message="Cannot parse header or footer")  # openpyxl cannot read "第 &P 页 共 &N 页"; Excel can
STREET, STREET_NAME, ROUND = "chengqu", "城区街道", "2026"
OTHER, OTHER_NAME = "xinqu", "新区街道"
OUT = ".build/browser-screenshots"
S, B, D, U = "satisfied", "basically_satisfied", "dissatisfied", "unknown"

# Each evaluation: its definition, how it is sent, ballots (per subject, one option per ballot),
# and how far it goes. Ratings: subject id -> the options of ballots 1..n in order.
FUYUAN = {
    "id": "cq-fuyuan-2026", "title": "府苑社区2026年度党员和党组织群众满意度测评", "street": STREET,
    "community": "府苑社区", "round": ROUND, "electorate": 10, "publicity_days": 5,
    "organizations": [{"id": "fy-1", "name": "府苑社区第一党支部"}, {"id": "fy-2", "name": "府苑社区第二党支部"}],
    "members": [{"id": "fy-m1", "name": "王建国", "organization": "fy-1"}, {"id": "fy-m2", "name": "李秀英", "organization": "fy-1"},
                {"id": "fy-m3", "name": "张伟", "organization": "fy-2"}, {"id": "fy-m4", "name": "刘洋", "organization": "fy-2"}]}
FUYUAN_VOTES = {"fy-m1": [S] * 6, "fy-m2": [S, S, B, B, D, D], "fy-m3": [S, S, S, D, D, D], "fy-m4": [S, S, S, S, B, U],
                "fy-1": [S] * 6, "fy-2": [S, S, S, B, D, D]}
LIUZHUANG_1 = {
    "id": "cq-liuzhuang-2026", "title": "柳庄社区2026年度党员和党组织群众满意度测评（第一级）", "street": STREET,
    "community": "柳庄社区", "round": ROUND, "electorate": 8, "publicity_days": 5,
    "organizations": [{"id": "lz-1", "name": "柳庄社区党支部"}],
    "members": [{"id": "lz-m1", "name": "赵立新", "organization": "lz-1"}, {"id": "lz-m2", "name": "钱志刚", "organization": "lz-1"},
                {"id": "lz-m3", "name": "孙丽华", "organization": "lz-1"}]}
LIUZHUANG_1_VOTES = {"lz-m1": [S] * 5, "lz-m2": [S, S, S, D, D], "lz-m3": [S, S, B, B, U], "lz-1": [S, S, S, S, D]}
LIUZHUANG_2 = {
    "id": "cq-liuzhuang-2026-gb", "title": "柳庄社区2026年度党员测评干部（第二级）", "street": STREET,
    "community": "柳庄社区", "round": ROUND, "electorate": 6, "publicity_days": 5,
    "cadres": [{"id": "lz-c1", "name": "周海燕", "title": "社区党委书记"}, {"id": "lz-c2", "name": "吴建军", "title": "社区居委会主任"},
               {"id": "lz-c3", "name": "郑小梅", "title": "网格员"}],
    "rules": {"cadre_stars": [{"star": "recognition", "label": "党员认可星", "percent": 80}]}}
LIUZHUANG_2_VOTES = {"lz-c1": [S] * 5, "lz-c2": [S, S, S, B, D], "lz-c3": [S, S, D, D, U]}  # lz-c2 exactly 80: no star
HAIYAN = {
    "id": "cq-haiyan-2026", "title": "海晏社区2026年度党员和党组织群众满意度测评", "street": STREET,
    "community": "海晏社区", "round": ROUND, "electorate": 7, "publicity_days": 5,
    "rules": {"flags": [{"flag": "black", "label": "黑旗", "kinds": ["member"], "below": 50}]},
    "organizations": [{"id": "hy-1", "name": "海晏社区党支部"}],
    "members": [{"id": "hy-m1", "name": "冯国强", "organization": "hy-1"}, {"id": "hy-m2", "name": "陈美玲", "organization": "hy-1"},
                {"id": "hy-m3", "name": "褚卫东", "organization": "hy-1"}, {"id": "hy-m4", "name": "卫红梅", "organization": "hy-1"}]}
# hy-m3 2 of 6 (33.3 %) is flagged; hy-m4 3 of 6 is exactly 50 %, not below it; hy-1 is 1 of 6 but flags only members.
HAIYAN_VOTES = {"hy-m1": [S] * 6, "hy-m2": [S, S, S, S, B, D], "hy-m3": [S, B, D, D, D, U], "hy-m4": [S, S, B, D, D, D],
                "hy-1": [S, D, D, D, D, D]}
SONGXING = {
    "id": "cq-songxing-2026", "title": "松兴社区2026年度党员和党组织群众满意度测评", "street": STREET,
    "community": "松兴社区", "round": ROUND, "electorate": 5, "publicity_days": 0,
    "organizations": [{"id": "sx-1", "name": "松兴社区党支部"}],
    "members": [{"id": "sx-m1", "name": "蒋文博", "organization": "sx-1"}, {"id": "sx-m2", "name": "沈佳怡", "organization": "sx-1"}]}
SONGXING_VOTES = {"sx-m1": [S, S, S, S], "sx-m2": [S, S, D, D], "sx-1": [S, S, S, B]}
LONGHUA = {
    "id": "cq-longhua-2026", "title": "龙华社区2026年度党员和党组织群众满意度测评", "street": STREET,
    "community": "龙华社区", "round": ROUND, "electorate": 5, "publicity_days": 5,
    "organizations": [{"id": "lh-1", "name": "龙华社区党支部"}],
    "members": [{"id": "lh-m1", "name": "韩志明", "organization": "lh-1"}, {"id": "lh-m2", "name": "杨秋菊", "organization": "lh-1"}]}
LONGHUA_VOTES = {"lh-m1": [S], "lh-m2": [D], "lh-1": [S]}
XINQU = {
    "id": "xq-xinqu-2026", "title": "新区社区2026年度党员群众满意度测评", "street": OTHER,
    "community": "新区社区", "round": ROUND, "electorate": 4, "publicity_days": 0,
    "organizations": [{"id": "xq-1", "name": "新区社区党支部"}],
    "members": [{"id": "xq-m1", "name": "朱永红", "organization": "xq-1"}]}
XINQU_VOTES = {"xq-m1": [S] * 4, "xq-1": [S] * 4}
# (definition, votes, as YAML?, publish stages)
SCENARIO = [(FUYUAN, FUYUAN_VOTES, True, ["preliminary"]), (LIUZHUANG_1, LIUZHUANG_1_VOTES, True, ["preliminary"]),
            (LIUZHUANG_2, LIUZHUANG_2_VOTES, True, ["preliminary"]), (HAIYAN, HAIYAN_VOTES, False, ["preliminary"]),
            (SONGXING, SONGXING_VOTES, True, ["preliminary", "final"]), (LONGHUA, LONGHUA_VOTES, False, None)]
COMMUNITIES = ["府苑社区", "柳庄社区", "海晏社区", "松兴社区", "龙华社区"]
KINDS = (("member", "members", "member_stars"), ("organization", "organizations", "organization_stars"), ("cadre", "cadres", "cadre_stars"))


def yaml_of(value, indent=0):
    """A small YAML writer for the definitions (block maps and lists, JSON-quoted scalars)."""
    pad = "  " * indent
    lines = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                lines.append("%s%s:" % (pad, k))
                lines.append(yaml_of(v, indent + 1))
            else:
                lines.append("%s%s: %s" % (pad, k, json.dumps(v, ensure_ascii=False)))
    else:
        for item in value:
            if isinstance(item, dict):
                lines.append("%s- {%s}" % (pad, ", ".join("%s: %s" % (k, json.dumps(v, ensure_ascii=False)) for k, v in item.items())))
            else:
                lines.append("%s- %s" % (pad, json.dumps(item, ensure_ascii=False)))
    return "\n".join(lines)


def share(count, total):
    """SPEC §3's displayed rate: one decimal, half-up; None with nothing to divide by."""
    if not total:
        return None
    tenths = (count * 2000 + total) // (2 * total)
    return "%d.%d" % (tenths // 10, tenths % 10)


def expected_totals(results_list, definitions):
    """The street board's totals computed here from each published evaluation's results."""
    totals = {"evaluations": len(definitions), "published": len(results_list), "ballots": 0, "electorate": 0,
              "members": 0, "organizations": 0, "cadres": 0, "member_stars": {}, "organization_stars": {}, "cadre_stars": {}, "flags": {}}
    for results in results_list:
        totals["ballots"] += results["ballots"]
        totals["electorate"] += results["electorate"]
        for kind, plural, stars in KINDS:
            subjects = [s for s in results["subjects"] if s["kind"] == kind]
            totals[plural] += len(subjects)
            if not definitions[results["evaluation"]].get(plural):
                continue    # a kind the evaluation does not rate has no star columns (a level 2 rates cadres only)
            for rule in (definitions[results["evaluation"]].get("rules") or {}).get(stars, DEFAULT_STARS.get(stars, [])):
                totals[stars].setdefault(rule["star"], 0)
            for s in subjects:
                for star in s["stars"]:
                    totals[stars][star] = totals[stars].get(star, 0) + 1
        for rule in (definitions[results["evaluation"]].get("rules") or {}).get("flags", []):
            totals["flags"].setdefault(rule["flag"], 0)
        for s in results["subjects"]:
            for flag in s.get("flags") or []:
                totals["flags"][flag] = totals["flags"].get(flag, 0) + 1
    return totals


DEFAULT_STARS = {"member_stars": [{"star": "recognition", "label": "群众认可星", "percent": 60},
                                  {"star": "satisfaction", "label": "群众满意星", "percent": 80}],
                 "organization_stars": [{"star": "satisfaction", "label": "群众满意星", "percent": 70}], "cadre_stars": []}


def compact(text):
    return re.sub(r"\s+", "", text or "")


def main():
    global OUT
    args = [a for i, a in enumerate(sys.argv[1:], 1) if a != "--out" and sys.argv[i - 1] != "--out"]
    if not os.environ.get("MINPING_BIN") and not args:
        sys.exit(__doc__)
    minping = os.path.abspath(os.environ.get("MINPING_BIN") or args[0])
    OUT = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else OUT
    os.makedirs(OUT, exist_ok=True)
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="minping-street-")
    db, keyfile = os.path.join(work, "s.sqlite"), os.path.join(work, "s.key")

    def make_key(role, street=None):
        out = subprocess.run([minping, "keys", "create", "--role", role] + (["--street", street] if street else [])
                             + ["--db", db, "--key-file", keyfile], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            sys.exit("keys create --role %s failed: %s" % (role, out.stderr))
        return out.stdout.strip().splitlines()[-1].split()[-1]

    admin, reviewer, operator = make_key("admin", STREET), make_key("reviewer", STREET), make_key("operator")
    other_admin = make_key("admin", OTHER)
    port = free_port()
    base = local(port)
    log = open(os.path.join(work, "server.log"), "w")
    server = start_server([minping, "serve", "--db", db, "--key-file", keyfile, "--port", str(port)], port,
                          stdout=log, stderr=subprocess.STDOUT)
    driver = None

    def http(path, method="GET", body=None, key=None, raw=False, content_type="application/json"):
        return api(base, method, "/api/v1" + path, body, key, raw=raw, unanswered=(), content_type=content_type)

    try:
        # ---- 1. The street, its five communities, and a second street ----
        for street, name in ((STREET, STREET_NAME), (OTHER, OTHER_NAME)):
            status, _ = http("/streets", "POST", {"street": street, "name": name}, operator)
            check(status in (200, 201), "the operator names the street %s %s (%s)" % (street, name, status))
        definitions, results = {}, {}
        for definition, votes, as_yaml, stages in SCENARIO + [(XINQU, XINQU_VOTES, True, ["preliminary", "final"])]:
            eid, key = definition["id"], other_admin if definition["street"] == OTHER else admin
            definitions[eid] = definition
            body = (yaml_of(definition) + "\n").encode() if as_yaml else json.dumps(definition, ensure_ascii=False).encode()
            status, made = http("/evaluations", "POST", body, key, content_type="application/yaml" if as_yaml else "application/json")
            if not check(status == 201, "%s created from a %s definition (%s%s)" % (eid, "YAML" if as_yaml else "JSON", status, "" if status == 201 else " %s" % made)):
                return 1
            n = len(next(iter(votes.values())))
            count = min(n + 1, definition["electorate"])
            status, slips = http("/evaluations/%s/slips" % eid, "POST", {"count": count, "kind": "token"}, key)
            if not check(status == 201 and len(slips.get("tokens", [])) == count, "%s: %d token slips issued" % (eid, count)):
                return 1
            http("/evaluations/%s/open" % eid, "POST", {}, key)
            cast = 0
            for i in range(n):
                status, _ = http("/evaluations/%s/ballots" % eid, "POST", {"token": slips["tokens"][i], "ratings": {s: v[i] for s, v in votes.items()}})
                cast += status == 202
            check(cast == n, "%s: %d ballots accepted" % (eid, cast))
            if stages is None:
                continue
            http("/evaluations/%s/close" % eid, "POST", {}, key)
            for stage in stages:
                status, published = http("/evaluations/%s/publish" % eid, "POST", {"stage": stage}, key)
                check(status == 200, "%s: %s results published (%s)" % (eid, stage, status if status == 200 else published))
            status, results[eid] = http("/evaluations/%s/results" % eid)
        street_defs = {d["id"]: d for d, _, _, _ in SCENARIO}
        published = [results[eid] for eid in street_defs if eid in results]
        haiyan_flagged = [s["id"] for s in results[HAIYAN["id"]]["subjects"] if "black" in (s.get("flags") or [])]
        check(haiyan_flagged == ["hy-m3"], "海晏: only the member below 50 %% is flagged 黑旗 (50 %% exactly is not; the branch is no member): %s" % haiyan_flagged)
        cadre_stars = {s["id"]: s["stars"] for s in results[LIUZHUANG_2["id"]]["subjects"]}
        check(set(s["kind"] for s in results[LIUZHUANG_2["id"]]["subjects"]) == {"cadre"} and cadre_stars == {"lz-c1": ["recognition"], "lz-c2": [], "lz-c3": []},
              "柳庄 level 2 rates cadres only; 党员认可星 above 80 %%, not at it: %s" % cadre_stars)
        check(results[SONGXING["id"]]["stage"] == "final", "松兴 is published final")

        # ---- 2. GET /streets/chengqu/rounds/2026 against the sums over the results ----
        status, board = http("/streets/%s/rounds/%s" % (STREET, ROUND))
        check(status == 200, "GET /streets/%s/rounds/%s: %s" % (STREET, ROUND, status))
        want = expected_totals(published, street_defs)
        got = board["totals"]
        for field in ("evaluations", "published", "ballots", "electorate", "members", "organizations", "cadres"):
            check(got.get(field) == want[field], "street totals: %s %s = %s from the results" % (field, got.get(field), want[field]))
        check(got.get("turnout") == share(want["ballots"], want["electorate"]), "street totals: turnout %s" % got.get("turnout"))
        for _, plural, stars in KINDS:
            seen = {s["star"]: s["count"] for s in got.get(stars, [])}
            check(seen == want[stars], "street totals: %s %s = %s" % (stars, seen, want[stars]))
            shares = {s["star"]: s["share"] for s in got.get(stars, [])}
            check(shares == {k: share(v, want[plural]) for k, v in want[stars].items()}, "street totals: %s shares %s" % (stars, shares))
        flags = {f["flag"]: f["count"] for f in got.get("flags", [])}
        check(flags == want["flags"] == {"black": 1}, "street totals: flags %s = %s" % (flags, want["flags"]))
        rows = {c["evaluation"]: c for c in board.get("communities", [])}
        check(sorted(rows) == sorted(street_defs), "the board has one row per evaluation of the round: %s" % sorted(rows))
        for eid, definition in street_defs.items():
            row, res = rows.get(eid, {}), results.get(eid)
            if res is None:
                continue
            one = expected_totals([res], street_defs)
            check(row.get("stage") == res["stage"] and row.get("ballots") == res["ballots"] and row.get("electorate") == res["electorate"]
                  and all({s["star"]: s["count"] for s in row.get(stars, [])} == one[stars] for _, _, stars in KINDS)
                  and {f["flag"]: f["count"] for f in row.get("flags", [])} == one["flags"],
                  "%s's row equals its results (stage, ballots, electorate, stars, flags)" % eid)
        hy = rows.get(HAIYAN["id"], {})
        check([f["count"] for f in hy.get("flags", []) if f["flag"] == "black"] == [len(haiyan_flagged)],
              "海晏's 黑旗 count equals its subjects flagged black (%d): %s" % (len(haiyan_flagged), hy.get("flags")))
        lh = rows.get(LONGHUA["id"], {})
        check(lh.get("state") == "open" and lh.get("stage") is None and not any(lh.get(s) for _, _, s in KINDS) and not lh.get("flags"),
              "龙华 shows only its stage: state open, stage null, no star counts: %s" % {k: lh.get(k) for k in ("state", "stage", "member_stars", "flags")})
        status, listed = http("/streets/%s/rounds" % STREET)
        check(status == 200 and {"round": ROUND, "evaluations": 6, "published": 5} in listed.get("rounds", []),
              "GET /streets/%s/rounds lists %s with 6 evaluations, 5 published: %s" % (STREET, ROUND, listed))

        # ---- 3. The page at 1920 and 360 px ----
        driver = headless_chrome(("--window-size=1920,1080",))
        wait = WebDriverWait(driver, 20)

        def shot(name, width, height=900):
            driver.set_window_size(width, height)
            time.sleep(0.2)
            driver.execute_script("document.querySelectorAll('.table-wrap').forEach(function (w) { w.scrollLeft = 0; }); window.scrollTo(0, 0)")
            total = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(width, min(max(total + 140, 600), 8000))
            time.sleep(0.2)
            driver.save_screenshot(os.path.join(OUT, "street-%s.png" % name))
            driver.set_window_size(width, height)

        def level_boxes():
            return driver.execute_script(
                "var s = Array.from(document.querySelectorAll('section.community')).find(function (x) { return x.querySelector('h2').innerText.indexOf('柳庄社区') >= 0; });"
                "if (!s) return null; return {two: s.classList.contains('two-levels'), text: s.innerText,"
                " boxes: Array.from(s.querySelectorAll('.level')).map(function (l) { var r = l.getBoundingClientRect(); return [r.top, r.bottom, r.left]; })};")

        page_url = base + "/street/%s/%s" % (STREET, ROUND)
        driver.get(page_url)
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.street-board")))
        axe_check(driver, "the street board at 1920 px")
        table = driver.execute_script(
            "var t = document.querySelector('table.street-board');"
            "return {heads: Array.from(t.tHead.rows[0].cells).map(function (c) { return c.innerText.trim(); }),"
            " rows: Array.from(t.tBodies[0].rows).map(function (r) { var a = r.querySelector('a');"
            "   return [a ? a.getAttribute('href') : ''].concat(Array.from(r.cells).map(function (c) { return c.innerText.trim(); })); }),"
            " foot: Array.from(t.tFoot.rows[0].cells).map(function (c) { return c.innerText.trim(); })};")
        heads = table["heads"]
        # The star columns as the API names them: member stars, 党组织 stars, 干部 stars, ⚑ flags.
        star_columns = [(stars, s["star"], prefix + s["label"]) for stars, prefix in (("member_stars", ""), ("organization_stars", "党组织"), ("cadre_stars", "干部"))
                        for s in got.get(stars, [])] + [("flags", f["flag"], "⚑" + f["label"]) for f in got.get("flags", [])]
        check(heads[4:4 + len(star_columns)] == [c[2] for c in star_columns],
              "the table's star and flag columns are the API's: %s" % heads[4:-1])

        def counts_of(entry):
            return {(stars, s.get("star") or s.get("flag")): s for stars in ("member_stars", "organization_stars", "cadre_stars", "flags") for s in entry.get(stars, [])}

        def cell_for(entry, column, published_row):
            if not published_row:
                return "—"
            c = counts_of(entry).get(column[:2])
            if c is None:
                return "—"
            return str(c["count"]) + ("（%s%%）" % c["share"] if c.get("share") else "")

        numbers_ok = True
        for row in table["rows"]:
            eid = row[0].rsplit("/", 1)[-1]
            entry = rows.get(eid)
            if entry is None:
                numbers_ok = check(False, "a table row links to an unknown evaluation %s" % row[0])
                continue
            turnout = "%d / %d" % (entry["ballots"], entry["electorate"]) + ("（%s%%）" % entry["turnout"] if entry.get("turnout") else "")
            cells = [cell_for(entry, c, entry.get("stage") is not None) for c in star_columns]
            ok = row[3] == turnout and row[4] == str(entry["members"]) and row[5:5 + len(cells)] == cells
            numbers_ok &= check(ok, "table row %s: %s equals the API's %s %s %s" % (eid, row[3:-1], turnout, entry["members"], cells))
        check(len(table["rows"]) == len(rows), "the table has a row per evaluation (%d)" % len(table["rows"]))
        foot_cells = [cell_for(got, c, True) for c in star_columns]
        check(table["foot"][1:4 + len(foot_cells)] == ["%d / %d" % (got["published"], got["evaluations"]), "%d / %d" % (got["ballots"], got["electorate"]),
                                                        str(got["members"])] + foot_cells,
              "the table's totals equal the API's: %s" % table["foot"])
        liu = level_boxes()
        check(liu and liu["two"] and "第一级" in liu["text"] and "第二级" in liu["text"] and len(liu["boxes"]) == 2,
              "柳庄's block shows both levels (第一级, 第二级)")
        if liu and len(liu["boxes"]) == 2:
            (t1, _, l1), (t2, _, l2) = liu["boxes"]
            check(abs(t1 - t2) < 1 and l2 > l1, "at 1920 px 柳庄's two levels are side by side (tops %.0f, %.0f)" % (t1, t2))
        progress = driver.execute_script("return Array.from(document.querySelectorAll('.progress-list li')).map(function (l) { return l.innerText; })")
        check(any(p.startswith("投票中") and "龙华社区" in p for p in progress), "the progress names 龙华社区 under 投票中: %s" % progress)
        chart = driver.execute_script("var s = document.querySelector('svg[role=img]'); var t = s && s.querySelector('title');"
                                      " return s ? [t ? t.textContent : '', s.getAttribute('aria-labelledby') || ''] : null")
        check(chart and chart[0].strip(), "the chart is an svg[role=img] with a title: %s" % chart)
        cells = driver.execute_script("return Array.from(new Set(Array.from(document.querySelectorAll('table.street-board td, table.street-board th'))"
                                      ".map(function (c) { return getComputedStyle(c).display; })))")
        check(cells == ["table-cell"], "every cell of the table is laid out as a table cell (displays: %s)" % cells)
        wide = driver.execute_script("var w = document.querySelector('.table-wrap'); return [w.scrollWidth, w.clientWidth]")
        check(wide[0] <= wide[1], "at 1920 px the table fits the page without scrolling sideways (table %d px, room %d px)" % tuple(wide))
        shot("1920", 1920, 1080)
        driver.set_window_size(360, 740)
        time.sleep(0.4)
        axe_check(driver, "the street board at 360 px")
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        check(overflow <= 0, "no horizontal page overflow at 360 px (%d px)" % overflow)
        liu = level_boxes()
        if liu and len(liu["boxes"]) == 2:
            (t1, b1, _), (t2, _, _) = liu["boxes"]
            check(t2 >= b1 - 1, "at 360 px 柳庄's levels are stacked (first %.0f–%.0f, second from %.0f)" % (t1, b1, t2))
        shot("360", 360, 740)

        # ---- 4. 大屏 ----
        driver.set_window_size(1920, 1080)
        driver.get(page_url + "?display=1")
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "section.community")))

        def visible_blocks():
            """The 大屏's slides shown now (the table, the chart, each community), by their text's start."""
            return driver.execute_script(
                "return Array.from(document.querySelectorAll('.slide')).filter(function (s) {"
                " return !s.hidden && s.getBoundingClientRect().height > 0; }).map(function (s) { return s.innerText.slice(0, 20); })")
        check("display" in (driver.find_element(By.TAG_NAME, "body").get_attribute("class") or "").split(), "大屏: the body has class display")
        first = poll(lambda: (lambda v: v if len(v) == 1 else None)(visible_blocks()), 5) or visible_blocks()
        check(len(first) == 1, "大屏: one slide (the table, the chart, a community) shown at a time: %s" % first)
        seen = driver.execute_script(
            "var s = Array.from(document.querySelectorAll('.slide')).filter(function (x) { return !x.hidden; })[0];"
            "var w = document.querySelector('.table-wrap');"
            "return [s ? Math.round(s.getBoundingClientRect().top) : -1, window.innerHeight, w.scrollWidth, w.clientWidth]")
        check(0 <= seen[0] < seen[1], "大屏 at 1920×1080: the slide shown is on the screen without scrolling (its top at %d px, the screen %d px high)" % tuple(seen[:2]))
        check(seen[2] <= seen[3], "大屏 at 1920 px: the table fits without scrolling sideways (table %d px, room %d px)" % tuple(seen[2:]))
        driver.save_screenshot(os.path.join(OUT, "street-display-1920.png"))
        later = poll(lambda: (lambda v: v if len(v) == 1 and v != first else None)(visible_blocks()), 16, 0.5) or visible_blocks()
        check(len(later) == 1 and later != first, "大屏: after about 12 s another slide is shown: %s then %s" % (first, later))
        driver.save_screenshot(os.path.join(OUT, "street-display-1920-next.png"))

        # ---- 5. A4 print ----
        driver.set_window_size(1280, 900)
        driver.get(page_url)
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "section.community")))
        blocks = driver.execute_script(
            "return Array.from(document.querySelectorAll('section.community')).map(function (s) {"
            " return {name: s.querySelector('h2').innerText, lines: Array.from(s.querySelectorAll('h2, h3, p')).map(function (p) { return p.textContent; })}; })")
        holders = [s["name"] for r in published for s in r["subjects"] if s["stars"]]
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        driver.set_window_size(718, 1000)  # A4's width less the print margins, at 96 dpi
        time.sleep(0.3)
        stage_lines = driver.execute_script(
            "function lines(node) { var r = document.createRange(); r.selectNodeContents(node);"
            " return new Set(Array.from(r.getClientRects()).filter(function (x) { return x.width > 0; }).map(function (x) { return Math.round(x.top); })).size; }"
            "return Array.from(document.querySelectorAll('table.street-board tbody .state')).map(function (c) { return [c.innerText, lines(c)]; })")
        check(stage_lines and all(n <= 2 for _, n in stage_lines), "A4: each stage in the table takes at most 2 lines: %s" % stage_lines)
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        driver.set_window_size(1280, 900)
        options = PrintOptions()
        options.page_width, options.page_height = 21.0, 29.7
        pdf_path = os.path.join(OUT, "street-print.pdf")
        with open(pdf_path, "wb") as f:
            f.write(base64.b64decode(driver.print_page(options)))
        info = subprocess.run(["pdfinfo", pdf_path], capture_output=True, text=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1)) if "Pages:" in info else 0
        texts = [compact(subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), pdf_path, "-"], capture_output=True, text=True).stdout)
                 for n in range(1, pages + 1)]
        whole = "".join(texts)
        check(pages >= 1 and all(c in whole for c in COMMUNITIES), "A4 print (%d pages): every community's name is printed" % pages)
        missing = [h for h in holders if h not in whole]
        check(holders and not missing, "A4 print: the folded 获星名单 print open (star holders' names in the PDF; missing %s)" % missing[:5])
        for block in blocks:
            lines = [compact(x) for x in block["lines"] if compact(x)]
            on = [n + 1 for n, text in enumerate(texts) if all(x in text for x in lines)]
            last = [n + 1 for n, text in enumerate(texts) if lines and lines[-1] in text]
            check(on, "A4 print: %s's block is on one page (its last line on page %s; the whole block on %s)" % (block["name"], last, on))

        # ---- 6. street-results.xlsx ----
        reply = request(base + "/api/v1/streets/%s/rounds/%s/street-results.xlsx" % (STREET, ROUND), unanswered=())
        check(reply.status == 200, "GET street-results.xlsx: %s" % reply.status)
        workbook = openpyxl.load_workbook(io.BytesIO(reply.body), data_only=True)
        names = workbook.sheetnames
        check(names[0] == "汇总", "the first sheet is 汇总: %s" % names)
        sheet = [[c for c in r] for r in workbook[names[0]].iter_rows(values_only=True)]
        start = next((i for i, r in enumerate(sheet) if r and r[0] == "社区"), None)
        if check(start is not None, "汇总 has a header row starting 社区"):
            header = [str(c or "") for c in sheet[start]]
            body = [r for r in sheet[start + 1:] if any(c not in (None, "") for c in r)]
            check(len(body) == len(street_defs) + 1 and str(body[-1][0]).startswith("合计"),
                  "汇总: one row per evaluation (%d) and a totals row: %s" % (len(body) - 1, [r[0] for r in body]))
            total_row = dict(zip(header, body[-1]))
            want_cells = {"实收票数": got["ballots"], "应参评": got["electorate"], "党员": got["members"], "党组织": got["organizations"], "干部": got["cadres"]}
            for stars, prefix in (("member_stars", "党员"), ("organization_stars", "党组织"), ("cadre_stars", "干部")):
                for s in got[stars]:
                    want_cells[prefix + s["label"]] = s["count"]
            for f in got["flags"]:
                want_cells[f["label"]] = f["count"]
            seen = {k: total_row.get(k) for k in want_cells}
            check(all(v is not None and float(v) == want_cells[k] for k, v in seen.items()), "汇总's totals row equals the API's totals: %s" % seen)
            evaluations_listed = sorted(str(r[1]) for r in body[:-1])
            check(evaluations_listed == sorted(street_defs), "汇总 lists every evaluation: %s" % evaluations_listed)
        published_ids = [eid for eid in street_defs if eid in results]
        rest = names[1:]
        check(len(rest) == len(published_ids) and len(set(rest)) == len(rest),
              "one sheet per published evaluation, names distinct: %s" % rest)
        for community in ("府苑社区", "海晏社区", "松兴社区"):
            check(any(community in n for n in rest), "a sheet for %s" % community)
        liu_sheets = [n for n in rest if "柳庄" in n]
        check(len(liu_sheets) == 2 and liu_sheets[0] != liu_sheets[1], "柳庄's two levels get two sheets with distinct names: %s" % liu_sheets)
        check(not any("龙华" in n for n in rest), "no sheet for the unpublished 龙华")

        # ---- 7. The ledger: stars.csv, and its proof reference checked with audit verify --checkpoint ----
        reply = request(base + "/api/v1/streets/%s/rounds/%s/stars.csv" % (STREET, ROUND), unanswered=())
        ledger = list(csv.DictReader(io.StringIO(reply.body.decode("utf-8-sig"))))
        subjects = sum(len(r["subjects"]) for r in published)
        check(reply.status == 200 and len(ledger) == subjects, "stars.csv: one row per subject of the published evaluations (%d of %d)" % (len(ledger), subjects))
        check(ledger and all(r.get("日志来源") and (r.get("检查点条数") or "").isdigit() and r.get("根哈希") for r in ledger),
              "every ledger row carries the log's origin, size and root hash")
        flagged_rows = [r["姓名"] for r in ledger if "黑旗" in (r.get("标记") or "")]
        check(flagged_rows == ["褚卫东"], "the ledger marks the 黑旗: %s" % flagged_rows)
        status, stars_json = http("/streets/%s/rounds/%s/stars.json" % (STREET, ROUND))
        hy_row = next((r for r in stars_json.get("rows", []) if r["evaluation"] == HAIYAN["id"]), {})
        status, checkpoint = http("/evaluations/%s/log/checkpoint" % HAIYAN["id"], raw=True)
        note = checkpoint.decode()
        lines = note.split("\n")
        check(len(lines) > 3 and lines[0] == hy_row.get("origin") and lines[1] == str(hy_row.get("size")) and lines[2] == hy_row.get("root_hash"),
              "海晏's checkpoint note names the ledger's origin, size and root hash (%s %s %s)" % (hy_row.get("origin"), hy_row.get("size"), hy_row.get("root_hash")))
        csv_row = next((r for r in ledger if r["测评"] == HAIYAN["id"]), {})
        check(csv_row.get("日志来源") == lines[0] and csv_row.get("检查点条数") == lines[1] and csv_row.get("根哈希") == lines[2],
              "… and so does its stars.csv row")
        note_path = os.path.join(work, "haiyan.checkpoint")
        with open(note_path, "w") as f:
            f.write(note)
        tar = request(base + "/api/v1/evaluations/%s/bundle" % HAIYAN["id"], key=reviewer, unanswered=())
        check(tar.status == 200, "the reviewer downloads 海晏's bundle (%s)" % tar.status)
        with tarfile.open(fileobj=io.BytesIO(tar.body)) as archive:
            archive.extractall(work, filter="data")
        bundle = os.path.join(work, "%s-bundle" % HAIYAN["id"])
        verify = subprocess.run([minping, "audit", "verify", bundle, "--checkpoint", note_path], capture_output=True, text=True)
        check(verify.returncode == 0, "minping audit verify --checkpoint <the ledger's checkpoint>: exit %d %s" % (
            verify.returncode, (verify.stdout + verify.stderr).strip()[-200:]))

        # ---- 8. The operator's roll-up and the console's 全区汇总 ----
        status, district = http("/rounds/%s" % ROUND, key=operator)
        mine = next((s for s in district.get("streets", []) if s["street"] == STREET), None) if status == 200 else None
        check(mine is not None and mine["totals"] == got, "GET /rounds/%s (operator): the street's totals equal the street board's" % ROUND)
        check(mine is not None and mine.get("progress") == {"open": 1, "preliminary": 4, "final": 1}, "… and its progress: %s" % (mine or {}).get("progress"))
        check(http("/rounds/%s" % ROUND, key=admin)[0] == 403, "GET /rounds/%s is the operator's (an admin gets 403)" % ROUND)

        def sign_in_key(key):
            key_sign_in(driver, wait, base, key)

        def district_rows():
            return driver.execute_script(
                "return Array.from(document.querySelectorAll('#district-body tbody tr')).map(function (r) {"
                " return Array.from(r.cells).map(function (c) { return c.innerText.trim(); }); })")

        driver.set_window_size(1280, 900)
        sign_in_key(operator)
        driver.find_element(By.CSS_SELECTOR, ".console-nav a[href='#/district']").click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#district-body tbody tr")))
        before = district_rows()
        ours = next((r for r in before if r[1] == STREET_NAME), None)
        check(ours is not None and re.search(r"第 \d+ 名", ours[0]), "全区汇总 lists 城区街道 with a rank: %s" % ours)
        check([r[1] for r in before] == [OTHER_NAME, STREET_NAME], "sorted by turnout first (新区 100 %%, 城区 lower): %s" % [r[:2] for r in before])
        axe_check(driver, "the console's 全区汇总")
        button = driver.find_element(By.CSS_SELECTOR, "#district-body [data-sort=members]")
        button.click()
        try:
            WebDriverWait(driver, 5).until(lambda d: [r[1] for r in district_rows()] == [STREET_NAME, OTHER_NAME])
        except TimeoutException:
            pass
        after = district_rows()
        sort = driver.execute_script("var b = document.querySelector('#district-body [data-sort=members]'); return b && b.closest('th').getAttribute('aria-sort')")
        check([r[1] for r in after] == [STREET_NAME, OTHER_NAME] and sort == "descending" and after[0][0].endswith("第 1 名"),
              "clicking the 党员 column sorts by it (城区 first, aria-sort %s): %s" % (sort, [r[:2] for r in after]))
        driver.save_screenshot(os.path.join(OUT, "street-console-district.png"))

        # ---- 9. The console's 两级测评: 新建第二级测评 from 柳庄's level 1 ----
        cadre_csv = os.path.join(work, "柳庄干部名单.csv")
        with open(cadre_csv, "w", encoding="utf-8") as f:
            f.write("姓名,职务\n周海燕,社区党委书记\n吴建军,社区居委会主任\n郑小梅,网格员\n")
        sign_in_key(admin)
        driver.get(base + "/admin#/e/" + LIUZHUANG_1["id"])
        second = wait.until(EC.element_to_be_clickable((By.ID, "second-level")))
        axe_check(driver, "柳庄 level 1 in the console (with 新建第二级测评)")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", second)
        second.click()
        wait.until(EC.presence_of_element_located((By.ID, "new-evaluation")))
        level2 = driver.find_element(By.ID, "level-2").is_selected()
        community = driver.find_element(By.ID, "eval-community").get_attribute("value")
        new_id = driver.find_element(By.ID, "eval-id").get_attribute("value")
        check(level2 and community == "柳庄社区" and driver.find_element(By.ID, "eval-round").get_attribute("value") == ROUND,
              "新建第二级测评 leads to 新建测评 with level 2 checked, the community and round filled in (%s, %s, %s)" % (level2, community, new_id))
        driver.find_element(By.ID, "roster-file").send_keys(cadre_csv)
        try:
            wait.until(lambda d: "周海燕" in d.execute_script("var w = document.querySelector('#preview [aria-label=\"干部列表\"]'); return w ? w.innerText : ''"))
            previewed = True
        except TimeoutException:
            previewed = False
        check(previewed, "the preview shows the cadres table: %s" % driver.execute_script("var p = document.getElementById('preview'); return p ? p.innerText.replace(/\s+/g, ' ').slice(0, 200) : ''"))
        axe_check(driver, "新建测评 at level 2 with the cadre preview")
        driver.save_screenshot(os.path.join(OUT, "street-console-second-level.png"))
        create = driver.find_element(By.ID, "create")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", create)
        try:
            WebDriverWait(driver, 10).until(lambda d: create.is_enabled())
        except TimeoutException:
            pass
        check(create.is_enabled(), "确认创建 is enabled (%s)" % driver.execute_script("return (document.getElementById('create-why') || {}).textContent"))
        create.click()
        try:
            wait.until(lambda d: "#/e/" in d.current_url)
        except TimeoutException:
            pass
        created = driver.current_url.rsplit("#/e/", 1)[-1] if "#/e/" in driver.current_url else None
        check(created == new_id, "确认创建 creates it and opens it (%s; %s)" % (driver.current_url, driver.execute_script(
            "return (document.getElementById('create-alert') || {}).textContent")))
        status, info = http("/evaluations/%s" % (created or new_id))
        kinds = sorted(set(s["kind"] for s in info.get("subjects", []))) if status == 200 else []
        names = [s["name"] for s in info.get("subjects", [])] if status == 200 else []
        check(kinds == ["cadre"] and names == ["周海燕", "吴建军", "郑小梅"],
              "GET /evaluations/%s lists the cadres as subjects of kind cadre: %s %s" % (created or new_id, kinds, names))
        if created:
            wait.until(EC.presence_of_element_located((By.ID, "state")))
            axe_check(driver, "the new level-2 evaluation in the console")
    finally:
        close_browsers([driver], server, log)
    return browser_test_result("street", work, OUT, started)


if __name__ == "__main__":
    sys.exit(main())
