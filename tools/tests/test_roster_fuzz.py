#!/usr/bin/env python3
"""Fuzzes `POST /api/v1/rosters` (SPEC §7 "Rosters") against a real `minping serve`: every
upload must be answered 200 or 422 `roster_invalid`, and `GET /healthz` must answer 200 within
5 s after each one; at the end the first server process must still run and still read a valid
roster (20 members in 3 branches).

Fuzz cases damage a valid workbook (openpyxl) and the same data as UTF-8 CSV: byte flips,
truncations, insertions and deletions, ZIP directory fields (local-header offsets, sizes)
rewritten past the end or huge, and for the CSV unterminated quotes, NUL bytes, invalid UTF-8.
Targeted cases (named in targeted_cases below): a bad ZIP offset, malformed UTF-8 in worksheet
XML, sparse wide rows, entity expansion, deep nesting, UTF-16 CSV. Then 20 wide-row uploads at
once while /healthz is timed.

Usage: tools/tests/test_roster_fuzz.py path/to/minping [--seed N] [--cases N] [--case NAME]...
A case's bytes depend only on the seed and its name: a failure of `xlsx-zip-field#17` replays
with `--seed S --case 'xlsx-zip-field#17'` (each FAIL line prints that command). A server that
dies is started again so that the later cases still run. ROSTER_FUZZ_LIMIT_MEMORY=1 caps the
server's address space at 4 GB (or =BYTES), for a server that may blow its memory.
"""
import argparse
import io
import json
import os
import random
import re
import resource
import signal
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import openpyxl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import ROOT, check, failures, free_port, local, request, wait_until_serving  # noqa: E402

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
BRANCHES = ["第一党支部", "第二党支部", "第三党支部"]
MEMBERS = [("党员%02d" % i, BRANCHES[i % 3], "a%02d" % i) for i in range(1, 21)]
FIXED = (2020, 1, 1, 0, 0, 0)  # every ZIP entry's time, so a seed gives the same bytes every run


def pack(parts):
    """A ZIP of {name: bytes}, deflated, with fixed times."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in parts.items():
            z.writestr(zipfile.ZipInfo(name, FIXED), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def valid_xlsx():
    book = openpyxl.Workbook()
    book.active.append(["姓名", "党支部", "编号"])
    for row in MEMBERS:
        book.active.append(list(row))
    raw = io.BytesIO()
    book.save(raw)
    with zipfile.ZipFile(raw) as z:  # repacked: openpyxl stamps the time in the ZIP and docProps
        parts = {n: re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2020-01-01T00:00:00Z", z.read(n)) for n in z.namelist()}
    return pack(parts)


def valid_csv():
    return "\r\n".join(",".join(row) for row in [("姓名", "党支部", "编号")] + MEMBERS).encode() + b"\r\n"


def workbook(worksheet):
    """A minimal XLSX by hand around one worksheet's XML (bytes, not checked in any way)."""
    ns, mime = "http://schemas.openxmlformats.org/", "application/vnd.openxmlformats-"
    xml = '<?xml version="1.0" encoding="UTF-8"?>'
    return pack({
        "[Content_Types].xml": (
            xml + '<Types xmlns="%spackage/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="rels" ContentType="%spackage.relationships+xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="%sofficedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="%sofficedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>" % (ns, mime, mime, mime)).encode(),
        "xl/workbook.xml": (
            xml + '<workbook xmlns="%sspreadsheetml/2006/main" xmlns:r="%sofficeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>' % (ns, ns)).encode(),
        "xl/_rels/workbook.xml.rels": (
            xml + '<Relationships xmlns="%spackage/2006/relationships"><Relationship Id="rId1" '
            'Type="%sofficeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>' % (ns, ns)).encode(),
        "xl/worksheets/sheet1.xml": worksheet,
    })


def sheet(rows, doctype=b""):
    return (b'<?xml version="1.0" encoding="UTF-8"?>' + doctype + b'<worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData>' + rows + b"</sheetData></worksheet>")


def cell(ref, text):
    return b'<c r="' + ref + b'" t="inlineStr"><is><t>' + text + b"</t></is></c>"


HEADER = b'<row r="1">' + cell(b"A1", "姓名".encode()) + cell(b"B1", "党支部".encode()) + b"</row>"


def wide_rows(count):
    return workbook(sheet(HEADER + b"".join(b'<row r="%d"><c r="XFD%d"/></row>' % (n, n) for n in range(2, count + 2))))


def zip_fields(data):
    """Offsets of the 32-bit fields worth rewriting: the EOCD's central-directory size and offset,
    and each central-directory entry's compressed size, uncompressed size and local-header offset."""
    eocd = data.rfind(b"PK\x05\x06")
    count, _, at = struct.unpack_from("<HII", data, eocd + 10)
    fields = [eocd + 12, eocd + 16]
    for _ in range(count):
        if data[at:at + 4] != b"PK\x01\x02":
            break
        fields += [at + 20, at + 24, at + 42]
        at += 46 + sum(struct.unpack_from("<HHH", data, at + 28))
    return fields


def set32(data, at, value):
    return data[:at] + struct.pack("<I", value) + data[at + 4:]


def flip(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] ^= rng.randint(1, 255)
    return bytes(data)


def truncate(rng, data):
    return data[:rng.randrange(len(data))]


def insert_delete(rng, data):
    at = rng.randrange(len(data))
    if rng.random() < 0.5:
        return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + data[at:]
    return data[:at] + data[at + rng.randint(1, 16):]


def zip_field(rng, data):
    at = rng.choice(zip_fields(data))
    value = rng.choice([len(data) + rng.randint(0, 4096), len(data) - rng.randint(1, 40), 0xFFFFFFFF, 0xFFFFFFFE,
                        0x7FFFFFFF, rng.randrange(len(data), 1 << 32), 0])
    return set32(data, at, value)


def csv_quote(rng, data):
    lines = data.split(b"\r\n")
    i = rng.randrange(1, len(lines) - 1)
    lines[i] = b'"' + lines[i]  # opened, never closed
    return b"\r\n".join(lines)


def inserting(*junk):
    """A mutation that puts one of `junk` (1 to 3 times) at a random place."""
    def mutate(rng, data):
        at = rng.randrange(len(data))
        return data[:at] + rng.choice(junk) * rng.randint(1, 3) + data[at:]
    return mutate


MUTATIONS = [("xlsx-flip", XLSX, flip), ("xlsx-truncate", XLSX, truncate), ("xlsx-insert-delete", XLSX, insert_delete),
             ("xlsx-zip-field", XLSX, zip_field), ("xlsx-zip-field", XLSX, zip_field),  # twice: the likeliest to crash
             ("csv-flip", CSV, flip), ("csv-truncate", CSV, truncate), ("csv-insert-delete", CSV, insert_delete),
             ("csv-quote", CSV, csv_quote), ("csv-nul", CSV, inserting(b"\x00")),
             ("csv-bad-utf8", CSV, inserting(b"\xc0\xaf", b"\xed\xa0\x80", b"\xff\xfe", b"\xe4\xb8", b"\xf8\x88\x80\x80\x80", b"\x80"))]


def fuzz_case(seed, number, bases):
    rng = random.Random("%d:%d" % (seed, number))  # a string seed: the same bytes on every run
    kind, content_type, mutate = rng.choice(MUTATIONS)
    return "%s#%d" % (kind, number), content_type, lambda: mutate(rng, bases[content_type])


def targeted_cases():
    def book(rows, doctype=b""):
        return workbook(sheet(HEADER + rows, doctype))

    def row2(text):
        return b'<row r="2">' + cell(b"A2", text) + b"</row>"

    small = pack({"xl/workbook.xml": b'<workbook><sheets><sheet name="S"/></sheets></workbook>',  # ~500 bytes
                  "xl/worksheets/sheet1.xml": sheet(HEADER + row2(b"x"))})
    first_local = zip_fields(small)[4]  # the first central-directory entry's local-header offset
    lol = b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    laughs = b'<!DOCTYPE worksheet [<!ENTITY lol0 "lol">' + lol + b"]>"
    quadratic = b'<!DOCTYPE worksheet [<!ENTITY a "' + b"a" * 100_000 + b'">]>'
    overlong = b'<row r="2" spans="1:2\xc0\xaf"><c r="A2"/></row>'  # C0 AF: "/" in two bytes, in an attribute
    surrogate = b'<row r="3"><c r="A3\xed\xa0\x80" t="inlineStr"><is><t>\xed\xa0\x80</t></is></c></row>'  # U+D800, in a later tag
    return [
        ("zip-local-offset-past-end", XLSX, lambda: set32(small, first_local, len(small) + 1000)),
        ("zip-local-offset-straddles-end", XLSX, lambda: set32(small, first_local, len(small) - 10)),
        ("xml-overlong-attribute", XLSX, lambda: book(overlong)),
        ("xml-surrogate-later-tag", XLSX, lambda: book(surrogate)),
        ("xml-overlong-and-surrogate", XLSX, lambda: book(overlong + surrogate)),
        ("wide-rows-200000", XLSX, lambda: wide_rows(200_000)),
        ("wide-rows-20000", XLSX, lambda: wide_rows(20_000)),
        ("billion-laughs-text", XLSX, lambda: book(row2(b"&lol9;"), laughs)),
        ("billion-laughs-attribute", XLSX, lambda: book(b'<row r="2"><c r="A2" t="&lol9;"/></row>', laughs)),
        ("quadratic-blowup", XLSX, lambda: book(row2(b"&a;" * 50_000), quadratic)),
        ("deep-nesting", XLSX, lambda: book(b"<x>" * 200_000 + b"</x>" * 200_000)),
        ("external-entity", XLSX, lambda: book(row2(b"&x;"), b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>')),
        ("empty-xlsx", XLSX, lambda: b""),
        ("csv-utf16le-bom", CSV, lambda: b"\xff\xfe" + valid_csv().decode().encode("utf-16-le")),
        ("csv-unterminated-quote", CSV, lambda: valid_csv() + '"党员99,第一党支部,a99\r\n'.encode()),
    ]


class Server:
    """`minping serve` with a fresh database; started again (and counted) after a crash."""

    def __init__(self, minping, work, memory_limit):
        self.minping, self.work, self.memory_limit, self.starts = minping, work, memory_limit, 0
        self.start()

    def start(self):
        self.starts += 1
        self.port = free_port()
        self.root = local(self.port)
        out_path, self.err_path = (os.path.join(self.work, "serve%d.%s" % (self.starts, ext)) for ext in ("out", "err"))
        limit = (lambda: resource.setrlimit(resource.RLIMIT_AS, (self.memory_limit,) * 2)) if self.memory_limit else None
        self.process = subprocess.Popen([self.minping, "serve", "--db", os.path.join(self.work, "db%d.sqlite" % self.starts),
                                         "--port", str(self.port), "--load", "Ballots/haiyan-2020.yaml", "--slips", "0"],
                                        cwd=ROOT, stdout=open(out_path, "w"), stderr=open(self.err_path, "w"), preexec_fn=limit)
        deadline, keys = time.time() + 60, []
        while not keys and time.time() < deadline and self.process.poll() is None:
            time.sleep(0.1)
            keys = [line.split()[-1] for line in open(out_path) if line.strip().startswith("admin key:")]
        if not keys:
            sys.exit("minping serve printed no admin key (%s)" % self.err_path)
        self.key = keys[0]
        wait_until_serving(self.process, self.root)

    def upload(self, body, content_type, timeout=30):
        reply = request(self.root + "/api/v1/rosters", "POST", body, key=self.key, content_type=content_type, timeout=timeout)
        return reply.status, reply.body

    def healthz(self):
        """Seconds /healthz took, or None if it did not answer 200 within 5 s."""
        started = time.monotonic()
        return time.monotonic() - started if request(self.root + "/healthz", timeout=5).status == 200 else None

    def death(self):
        """How the server ended, with the last line it wrote to stderr; None while it runs."""
        if self.process.poll() is None:
            return None
        code = self.process.returncode
        how = "killed by %s" % signal.Signals(-code).name if code < 0 else "exit status %d" % code
        last = [line.strip() for line in open(self.err_path, errors="replace") if line.strip()][-1:]
        return how + (": " + last[0][:200] if last else "")

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def run_case(server, name, content_type, make, replay, statuses):
    """True if answered 200 or 422 roster_invalid with the server healthy after; else FAIL,
    and a fresh server for the next case if this one died."""
    body, started = make(), time.monotonic()
    status, reply = server.upload(body, content_type)
    if time.monotonic() - started > 1:
        print("     %s took %.1f s (%d bytes, answered %d)" % (name, time.monotonic() - started, len(body), status), flush=True)
    statuses[status] = statuses.get(status, 0) + 1
    try:
        refused = status == 422 and json.loads(reply).get("code") == "roster_invalid"
    except ValueError:
        refused = False
    problems = [] if status == 200 or refused else ["answered %d %r" % (status, reply[:160])]
    if name == "external-entity" and b"root:" in reply:
        problems.append("the answer holds /etc/passwd")
    if server.healthz() is None:
        problems.append("/healthz did not answer 200 within 5 s")
    death = server.death()
    if death:
        problems.append("the server died (%s)" % death)
    if problems:
        check(False, "%s (%d bytes): %s\n     replay: %s --case '%s'" % (name, len(body), "; ".join(problems), replay, name))
        server.stop()
        server.start()
    return not problems


def concurrent_wide_rows(server):
    body, latencies, missed = wide_rows(200_000), [], 0
    with ThreadPoolExecutor(max_workers=20) as pool:
        uploads = [pool.submit(server.upload, body, XLSX, 120) for _ in range(20)]
        while not all(u.done() for u in uploads):
            took = server.healthz()
            missed += took is None
            latencies.append(took or 5.0)
            time.sleep(0.2)
        statuses = sorted(u.result()[0] for u in uploads)
    latencies = sorted(latencies) or [0]
    print("     /healthz during 20 wide-row uploads: %d probes, median %.0f ms, max %.0f ms; uploads answered %s"
          % (len(latencies), 1000 * latencies[len(latencies) // 2], 1000 * latencies[-1], statuses), flush=True)
    return check(missed == 0, "/healthz answered within 5 s during 20 concurrent wide-row uploads (%d missed)" % missed)


def valid_roster(server, content_type, body, when):
    status, reply = server.upload(body, content_type)
    try:
        roster = json.loads(reply) if status == 200 else {}
    except ValueError:
        roster = {}
    good = len(roster.get("members", [])) == 20 and len(roster.get("organizations", [])) == 3 and roster.get("errors") == []
    kind = "XLSX" if content_type == XLSX else "CSV"
    return check(good, "%s: a valid %s roster reads as 20 members in 3 branches (%d)" % (when, kind, status))


def main():
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("minping")
    options.add_argument("--seed", type=int, default=20240611)
    options.add_argument("--cases", type=int, default=300, help="fuzz cases (targeted cases come on top)")
    options.add_argument("--case", action="append", help="run only this case (repeatable)")
    args = options.parse_args()
    limit = os.environ.get("ROSTER_FUZZ_LIMIT_MEMORY")
    limit = (4_000_000_000 if limit == "1" else int(limit)) if limit else None
    replay = "python3 tools/tests/test_roster_fuzz.py %s --seed %d" % (args.minping, args.seed)
    bases = {XLSX: valid_xlsx(), CSV: valid_csv()}
    cases = [fuzz_case(args.seed, n, bases) for n in range(args.cases)] + targeted_cases()
    if args.case:
        missing = set(args.case) - {name for name, _, _ in cases}
        if missing:
            sys.exit("no such case (with seed %d): %s" % (args.seed, ", ".join(sorted(missing))))
        cases = [c for c in cases if c[0] in args.case]
    print("roster fuzz: seed %d, %d cases, server memory limit %s" % (args.seed, len(cases), limit or "none"), flush=True)
    started, results, failed_cases, statuses = time.monotonic(), [], [], {}
    server = Server(os.path.abspath(args.minping), tempfile.mkdtemp(prefix="minping-roster-fuzz-"), limit)
    try:
        results += [valid_roster(server, XLSX, bases[XLSX], "before"), valid_roster(server, CSV, bases[CSV], "before")]
        for number, (name, content_type, make) in enumerate(cases, 1):
            results.append(run_case(server, name, content_type, make, replay, statuses))
            if not results[-1]:
                failed_cases.append(name)
            if number % 50 == 0 or number == len(cases):
                elapsed = time.monotonic() - started
                print("     %d/%d cases, %d failed, %.1f s" % (number, len(cases), len(failed_cases), elapsed), flush=True)
        if not args.case:
            results.append(concurrent_wide_rows(server))
        results.append(check(server.death() is None and server.starts == 1, "the first server process is still running (%s; %d started)"
                             % (server.death() or "alive", server.starts)))
        if server.death() is None:
            results.append(valid_roster(server, XLSX, bases[XLSX], "after"))
    finally:
        server.stop()
    print("roster fuzz (seed %d): %d cases in %.1f s, answered %s; failed: %s" % (args.seed, len(cases), time.monotonic() - started,
          ", ".join("%d x%d" % item for item in sorted(statuses.items())), ", ".join(failed_cases) or "none"))
    print("roster_fuzz: %d passed, %d failed" % (results.count(True), results.count(False)))
    if failures:
        print("server logs kept in " + server.work)
        return 1
    shutil.rmtree(server.work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
