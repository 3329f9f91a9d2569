#!/usr/bin/env python3
"""kill -9 during a stream of ballots loses none of the 202s (SPEC §4, issue 5).

Starts `minping serve` on a fresh SQLite file with an evaluation open for voting, casts
ballots from several threads, kills the server with SIGKILL in the middle of the stream,
restarts it (start-up integrates what was pending), closes the evaluation, and checks that
every ballot answered 202 is in the log: its receipt verifies against the tracker, and the
closed entry counts exactly the accepted ballots. Standard library only.

Usage: tools/tests/test_kill9.py path/to/minping
"""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from support import free_port, local, request as http_request, start_server

BALLOT = "Ballots/fuyuan-2018.yaml"
EVALUATION = "fuyuan-2018"


def request(port, method, path, body=None, key=None, timeout=10):
    """(status, body text). No answer raises (the voters tell a refused connection from a cut one)."""
    reply = http_request(local(port, "/api/v1" + path), method, body, key=key, timeout=timeout, typed=True, unanswered=())
    return reply.status, reply.body.decode()


def start(minping, db, port, extra=()):
    return start_server([minping, "serve", "--db", db, "--port", str(port)] + list(extra), port,
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def main():
    minping = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="minping-kill9-")
    db = os.path.join(work, "kill9.sqlite")
    port = free_port()
    electorate = 60

    # First start: load, issue every slip, open. The output names the admin key and slips.
    # Integration every 30 s: the kill certainly finds accepted ballots not yet in the log.
    proc = start(minping, db, port, ["--load", BALLOT, "--slips", str(electorate), "--integrate-every", "30"])
    proc.stdout.flush()
    lines = []
    while True:
        line = proc.stdout.readline()
        lines.append(line)
        if "slips (the token" in line:
            break
    tokens = [proc.stdout.readline().strip().split("#t=")[1] for _ in range(electorate)]
    admin = next(l.split()[-1] for l in lines if l.startswith("admin key:"))
    definition = json.loads(request(port, "GET", "/evaluations/" + EVALUATION)[1])
    subjects = [s["id"] for s in definition["subjects"]]
    options = [o["id"] for o in definition["options"]]

    accepted = {}  # tracker -> (token, ratings)
    unanswered = set()  # sent when the server died: stored or not, the client cannot know
    lock = threading.Lock()
    queue = list(enumerate(tokens))
    stop = threading.Event()
    rng = random.Random(9)
    ballots = {i: {s: rng.choice(options) for s in subjects} for i in range(len(tokens))}

    def voter():
        while not stop.is_set():
            with lock:
                if not queue:
                    return
                i, token = queue.pop(0)
            try:
                status, body = request(port, "POST", "/evaluations/%s/ballots" % EVALUATION,
                                       {"token": token, "ratings": ballots[i]}, timeout=5)
            except OSError as error:
                refused = isinstance(getattr(error, "reason", error), ConnectionRefusedError)
                with lock:
                    if not refused:  # a refused connection stored nothing
                        unanswered.add(i)
                    queue.append((i, token))  # no answer (the server died, or was slow): try again later
                if stop.is_set() or current["proc"].poll() is not None:
                    return
                continue
            if status == 202:
                with lock:
                    accepted[json.loads(body)["tracker"]] = (token, ballots[i])

    current = {"proc": proc}
    threads = [threading.Thread(target=voter) for _ in range(4)]
    for t in threads:
        t.start()
    deadline = time.time() + 120
    while len(accepted) < electorate // 3:
        if time.time() > deadline or not any(t.is_alive() for t in threads):
            proc.kill()
            stop.set()
            sys.exit("FAIL only %d ballots accepted before the kill (voters stopped or 120 s passed)" % len(accepted))
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of the stream, batches not yet integrated
    proc.wait()
    stop.set()
    for t in threads:
        t.join()
    killed_at = len(accepted)
    # The kill must have caught accepted ballots not yet in the log, or recovery is untested.
    with sqlite3.connect(db) as connection:
        pending = connection.execute("SELECT count(*) FROM pending_ballot").fetchone()[0]
    if pending == 0:
        print("FAIL no accepted ballot was waiting for integration when the server was killed")
        return 1

    # Restart: pending ballots are integrated first; then the rest vote, and we close.
    proc = start(minping, db, port)
    current["proc"] = proc
    stop.clear()
    threads = [threading.Thread(target=voter) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    status, body = request(port, "POST", "/evaluations/%s/close" % EVALUATION, key=admin)
    assert status == 200, body
    info = json.loads(request(port, "GET", "/evaluations/" + EVALUATION)[1])
    missing = []
    for tracker in accepted:
        status, body = request(port, "GET", "/evaluations/%s/receipts/%s" % (EVALUATION, tracker))
        if status != 200 or not body.startswith("c2sp.org/tlog-proof@v1"):
            missing.append(tracker)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    # The whole log still verifies, with the counts of the closed entry.
    bundle = os.path.join(work, "bundle")
    subprocess.run([minping, "audit", "export", "--evaluation", EVALUATION, "--out", bundle, "--db", db],
                   check=True, stdout=subprocess.DEVNULL)
    verified = subprocess.run([minping, "audit", "verify", bundle], capture_output=True, text=True)
    if verified.returncode != 0:
        print("FAIL the bundle after kill -9 does not verify: " + verified.stdout + verified.stderr)
        return 1
    # Every 202 is in the log. A ballot whose answer the kill cut off may be in it too (its
    # retry then gets token_spent); nothing else may be.
    ok = not missing and len(accepted) <= info["ballots"] <= len(accepted) + len(unanswered)
    print("%s kill -9 after %d accepted ballots (%d of them not yet in the log); %d accepted (202) in all, all %d in the log (receipt found), bundle verifies; "
          "the log counts %d (%d answers cut off by the kill)"
          % ("ok  " if ok and not missing else "FAIL", killed_at, pending, len(accepted), len(accepted) - len(missing),
             info["ballots"], len(unanswered)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
