#!/usr/bin/env python3
"""`minping migrate` from SQLite to PostgreSQL (SPEC §8, issue 13).

A SQLite database with a finished evaluation (`minping demo`) and an open one with ballots,
some still pending (`serve --integrate-every 30`, stopped with SIGKILL), is migrated to a fresh
PostgreSQL database; a second migration into it is refused. Voting then continues on
PostgreSQL with the slips printed before; after close and publish, both evaluations' bundles
pass `minping audit verify` and tools/verify_bundle.py.

Usage: MINPING_TEST_POSTGRES_URL=postgres://… tools/tests/test_migrate.py path/to/minping
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import check, failures, fresh_database, free_port, wait_until_serving  # noqa: E402
# The two-instance test's client: /api/v1 on a port, a reply cut short counted as none.
from test_postgres_instances import request  # noqa: E402


def main():
    minping = os.path.abspath(sys.argv[1])
    base = os.environ.get("MINPING_TEST_POSTGRES_URL")
    if not base:
        sys.exit("MINPING_TEST_POSTGRES_URL is not set: start a cluster with tools/postgres-cluster start DIR")
    work = tempfile.mkdtemp(prefix="minping-migrate-")
    sqlite = os.path.join(work, "street.sqlite")
    key_file = sqlite + ".key"
    postgres = fresh_database(base, "minping_migrate_%d" % os.getpid())

    demo = subprocess.run([minping, "demo", "--db", sqlite, "--ballot", "Ballots/haiyan-2020.yaml"], capture_output=True, text=True)
    check(demo.returncode == 0, "a finished evaluation on SQLite (minping demo)")

    port = free_port()
    server = subprocess.Popen([minping, "serve", "--db", sqlite, "--port", str(port), "--load", "Ballots/fuyuan-2018.yaml",
                               "--slips", "10", "--integrate-every", "30"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines = []
    for line in server.stdout:
        lines.append(line)
        if line.startswith("pages:"):
            break
    admin = next(l.split()[-1] for l in lines if l.startswith("admin key:"))
    tokens = [l.strip().split("#t=")[1] for l in lines if l.strip().startswith("http") and "#t=" in l]
    wait_until_serving(server, "http://127.0.0.1:%d" % port)
    info = request(port, "GET", "/evaluations/fuyuan-2018")[1]
    ratings = {s["id"]: "satisfied" for s in info["subjects"]}
    cast = [request(port, "POST", "/evaluations/fuyuan-2018/ballots", {"token": t, "ratings": ratings})[0] for t in tokens[:4]]
    check(cast == [202] * 4, "4 ballots on SQLite, pending (integration every 30 s)")
    server.kill()
    server.wait()

    migrate = subprocess.run([minping, "migrate", "--from", sqlite, "--to", postgres], capture_output=True, text=True)
    print("     " + migrate.stderr.strip().replace("\n", "\n     "))
    check(migrate.returncode == 0 and "byte-identical" in migrate.stdout, "minping migrate: " + migrate.stdout.strip()[:160])
    again = subprocess.run([minping, "migrate", "--from", sqlite, "--to", postgres], capture_output=True, text=True)
    check(again.returncode == 2 and "empty" in again.stderr, "a target that holds data is refused: " + again.stderr.strip()[:100])

    port = free_port()
    server = subprocess.Popen([minping, "serve", "--db", postgres, "--key-file", key_file, "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(server, "http://127.0.0.1:%d" % port)
        status, body = request(port, "POST", "/evaluations/fuyuan-2018/ballots", {"token": tokens[0], "ratings": ratings})
        check(status == 409 and body.get("code") == "token_spent", "a slip used on SQLite stays spent on PostgreSQL")
        cast = [request(port, "POST", "/evaluations/fuyuan-2018/ballots", {"token": t, "ratings": ratings})[0] for t in tokens[4:]]
        check(cast == [202] * 6, "voting continues on PostgreSQL with the slips printed before")
        check(request(port, "POST", "/evaluations/fuyuan-2018/close", key=admin)[0] == 200, "closed on PostgreSQL")
        status, results = request(port, "POST", "/evaluations/fuyuan-2018/publish", {"stage": "preliminary"}, key=admin)
        check(status == 200 and results.get("ballots") == 10, "all 10 ballots counted (%s)" % results.get("ballots"))
        check(request(port, "GET", "/evaluations/haiyan-2020/results")[1].get("stage") == "final",
              "the finished evaluation's final results read on PostgreSQL")
    finally:
        server.kill()
        server.wait()
    for evaluation in ("haiyan-2020", "fuyuan-2018"):
        out = os.path.join(work, evaluation)
        export = subprocess.run([minping, "audit", "export", "--evaluation", evaluation, "--out", out, "--db", postgres,
                                 "--key-file", key_file], capture_output=True, text=True)
        check(export.returncode == 0, "%s: exported from PostgreSQL %s" % (evaluation, export.stderr.strip()[:80]))
        swift = subprocess.run([minping, "audit", "verify", out], capture_output=True, text=True)
        check(swift.returncode == 0, "%s: minping audit verify: %s" % (evaluation, swift.stdout.strip()[:90]))
        python = subprocess.run([sys.executable, "tools/verify_bundle.py", out], capture_output=True, text=True)
        check(python.returncode == 0, "%s: tools/verify_bundle.py: %s" % (evaluation, python.stdout.strip()[:90]))
    print("migrate: %d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
