#!/usr/bin/env python3
"""Two `minping serve` instances on one PostgreSQL database (SPEC §9, issue 13).

On a fresh database of the cluster in MINPING_TEST_POSTGRES_URL (tools/test starts one with
tools/postgres-cluster), with one key file shared by both instances:
  1. an evaluation created and opened on A takes ballots on B at once (no stale cache);
  2. one token cast 40 times at once, alternating between A and B: exactly one 202;
  3. 300 distinct ballots spread over both while B is killed with SIGKILL and restarted: no
     5xx, no ballot lost or counted twice;
  4. ballots while the database terminates every connection every 150 ms: all answered 202
     within seconds (a dead connection never stalls the ballot path);
  5. close on B while A's integrator runs, publish on A; every 202 is counted exactly once (and
     at most the ballots whose answers the kill cut off besides)
     (results and receipts), and the reviewer's bundle passes `minping audit verify` and
     tools/verify_bundle.py.

Usage: MINPING_TEST_POSTGRES_URL=postgres://… tools/tests/test_postgres_instances.py path/to/minping
"""
import http.client
import io
import os
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import JSON, api, check, failures, fresh_database, free_port, kill, local, start_server  # noqa: E402

BALLOT = "Ballots/fuyuan-2018.yaml"
EVALUATION = "fuyuan-2018"


def terminate_backends(db):
    """Ends every connection to the database `db` (its URL) from the server side."""
    url = urllib.parse.urlsplit(db)
    socket_dir = urllib.parse.parse_qs(url.query)["host"][0]
    subprocess.run(["psql", "-q", "-h", socket_dir, "-U", url.username or "minping", "-d", "postgres", "-c",
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'" % url.path.lstrip("/")],
                   check=True, stdout=subprocess.DEVNULL)


def request(port, method, path, body=None, key=None, raw=False, content_type=JSON):
    """support.api on /api/v1 of 127.0.0.1:port; status 0 when the instance is down, or was
    killed mid-answer (a reply cut short counts as none)."""
    return api(local(port, "/api/v1"), method, path, body, key, raw=raw, content_type=content_type, typed=True,
               unanswered=(OSError, http.client.HTTPException))


def main():
    minping = os.path.abspath(sys.argv[1])
    base = os.environ.get("MINPING_TEST_POSTGRES_URL")
    if not base:
        sys.exit("MINPING_TEST_POSTGRES_URL is not set: start a cluster with tools/postgres-cluster start DIR")
    db = fresh_database(base, "minping_instances_%d" % os.getpid())
    work = tempfile.mkdtemp(prefix="minping-pg-")
    key_file = os.path.join(work, "shared.key")

    def keys(role):
        out = subprocess.run([minping, "keys", "create", "--role", role, "--street", "chengqu", "--db", db, "--key-file", key_file],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip().splitlines()[-1]

    admin, reviewer = keys("admin"), keys("reviewer")
    ports = {"A": free_port(), "B": free_port()}
    procs = {}

    def start(name):
        log = open(os.path.join(work, name + ".log"), "a")
        procs[name] = start_server([minping, "serve", "--db", db, "--key-file", key_file, "--port", str(ports[name]),
                                    "--integrate-every", "1"], ports[name], stdout=log, stderr=log)

    try:
        start("A")
        start("B")
        a, b = ports["A"], ports["B"]
        with open(BALLOT, "rb") as f:  # room for 342 representatives
            definition = f.read().replace(b"\nelectorate: 60\n", b"\nelectorate: 400\n")
        status, body = request(a, "POST", "/evaluations", definition, key=admin, content_type="application/yaml")
        check(status == 201, "created on A (%s)" % status)
        info = request(b, "GET", "/evaluations/" + EVALUATION)[1]
        check(info.get("state") == "draft", "B sees the evaluation A created")
        status, slips = request(a, "POST", "/evaluations/%s/slips" % EVALUATION, {"count": 342}, key=admin)
        tokens = slips["tokens"]
        ratings = {s["id"]: "satisfied" for s in info["subjects"]}

        # 1. Cast on B before opening: refused; open on A; B takes the next ballot at once.
        status, body = request(b, "POST", "/evaluations/%s/ballots" % EVALUATION, {"token": tokens[0], "ratings": ratings})
        check(status == 409 and body.get("code") == "evaluation_not_open", "before opening, B refuses a ballot (%s)" % status)
        check(request(a, "POST", "/evaluations/%s/open" % EVALUATION, key=admin)[0] == 200, "opened on A")
        status, body = request(b, "POST", "/evaluations/%s/ballots" % EVALUATION, {"token": tokens[0], "ratings": ratings})
        check(status == 202, "open on A, then a ballot on B is accepted at once (%s)" % status)
        accepted = {tokens[0]: body.get("tracker")} if status == 202 else {}

        # 2. One token, 40 casts at once, alternating between the instances: exactly one 202.
        def cast(index, token, port=None):
            return request(port or (a if index % 2 == 0 else b), "POST", "/evaluations/%s/ballots" % EVALUATION,
                           {"token": token, "ratings": ratings})
        with ThreadPoolExecutor(max_workers=40) as pool:
            results = list(pool.map(lambda i: cast(i, tokens[1]), range(40)))
        statuses = [s for s, _ in results]
        check(statuses.count(202) == 1 and statuses.count(409) == 39,
              "one token cast 40 times over two instances: one 202, 39 × 409 (%s)" % sorted(set(statuses)))
        accepted.update({tokens[1]: body["tracker"] for s, body in results if s == 202})

        # 3. 300 distinct ballots over both while B is killed and restarted.
        remaining = tokens[2:302]
        lock = threading.Lock()
        answered = []

        def voter(index):
            token = remaining[index % len(remaining)]
            status, body = cast(index, token)
            with lock:
                answered.append((token, status, body))

        def killer():
            time.sleep(0.3)
            procs["B"].send_signal(signal.SIGKILL)
            procs["B"].wait()
            start("B")

        killing = threading.Thread(target=killer)
        killing.start()
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(voter, range(300)))
        killing.join()
        server_errors = [(status, body) for _, status, body in answered if status >= 500]
        check(not server_errors, "no 5xx while B is killed and restarted: %s" % server_errors[:2])
        twice = 0
        for token, status, body in answered:
            if status == 202:
                twice += token in accepted
                accepted[token] = body["tracker"]
        check(twice == 0, "no token is accepted twice across instances and a restart (%d were)" % twice)
        down = sum(1 for _, status, _ in answered if status == 0)
        print("     %d answers: %d × 202, %d refused, %d while B was down" % (
            len(answered), sum(1 for _, s, _ in answered if s == 202), sum(1 for _, s, _ in answered if s >= 400), down))

        # 4. The database ends connections under a stream of ballots (pg_terminate_backend, as
        #    a restart or an operator would): every ballot is answered promptly, none with 5xx.
        last = tokens[302:342]
        stop_terminating = threading.Event()

        def terminator():
            while not stop_terminating.is_set():
                terminate_backends(db)
                time.sleep(0.15)

        terminating = threading.Thread(target=terminator)
        terminating.start()
        started = time.monotonic()
        try:
            with ThreadPoolExecutor(max_workers=8) as pool:
                timed = list(pool.map(lambda i: (time.monotonic(), cast(i, last[i]), time.monotonic()), range(len(last))))
        finally:
            stop_terminating.set()
            terminating.join()
        slowest = max(end - begin for begin, _, end in timed)
        bad = [(status, body) for _, (status, body), _ in timed if status != 202]
        check(not bad, "ballots while the database terminates connections: all 202 (%s)" % bad[:2])
        check(slowest < 10, "no ballot waits on a dead connection: slowest %.1f s, all %d in %.1f s" % (
            slowest, len(timed), time.monotonic() - started))
        accepted.update({last[i]: body["tracker"] for i, (_, (status, body), _) in enumerate(timed) if status == 202})

        # 5. Close on B while A's integrator runs (every second), publish on A.
        time.sleep(1.5)
        status, body = request(b, "POST", "/evaluations/%s/close" % EVALUATION, key=admin)
        if status == 409 and body.get("code") == "busy":
            status, body = request(b, "POST", "/evaluations/%s/close" % EVALUATION, key=admin)
        check(status == 200, "closed on B while A integrates (%s %s)" % (status, body))
        status, results = request(a, "POST", "/evaluations/%s/publish" % EVALUATION, {"stage": "preliminary"}, key=admin)
        counted = results.get("ballots") if isinstance(results, dict) else None
        # A ballot B stored just before its kill -9 is counted although its answer was cut off
        # (as in tools/tests/test_kill9.py); a 202 is never missing, and nothing else is added.
        check(status == 200 and counted is not None and len(accepted) <= counted <= len(accepted) + down,
              "every 202 is counted exactly once: %s ballots, %d accepted, %d answers cut off by the kill"
              % (counted, len(accepted), down))
        missing = [t for t, tracker in accepted.items()
                   if request(b if len(t) % 2 else a, "GET", "/evaluations/%s/receipts/%s" % (EVALUATION, tracker), raw=True)[0] != 200]
        check(not missing, "every accepted ballot has its receipt on either instance (%d missing)" % len(missing))

        status, tar = request(a, "GET", "/evaluations/%s/bundle" % EVALUATION, key=reviewer, raw=True)
        check(status == 200, "the reviewer's bundle")
        out = os.path.join(work, "bundle")
        with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
            archive.extractall(out, filter="data")
        bundle = os.path.join(out, "%s-bundle" % EVALUATION)
        swift = subprocess.run([minping, "audit", "verify", bundle], capture_output=True, text=True)
        check(swift.returncode == 0, "minping audit verify: " + (swift.stdout + swift.stderr).strip()[:100])
        python = subprocess.run([sys.executable, "tools/verify_bundle.py", bundle], capture_output=True, text=True)
        check(python.returncode == 0, "tools/verify_bundle.py: " + (python.stdout + python.stderr).strip()[:100])
    finally:
        kill(*procs.values())
    print("postgres instances: %d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
