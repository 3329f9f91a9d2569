#!/usr/bin/env python3
"""`minping backup` in the middle of a stream of ballots, then `minping restore` (SPEC §8).

Starts `minping serve` with an evaluation open, casts ballots from three threads, runs
`minping backup` while they vote, and stops the server once they are done. The copy is restored
into a fresh directory with the same key file (refused without it) and served: every ballot
answered 202 before the backup began is there (its receipt verifies; ballots accepted but not
yet in the log when the copy was taken are in it as pending and integrated at start), the copy
holds no ballot that was not answered 202, a restore over the running server is refused, and
the restored evaluation's bundle passes `minping audit verify` and tools/verify_bundle.py.
Standard library only (tools/verify_bundle.py needs `cryptography`).

Usage: tools/tests/test_backup.py path/to/minping
"""
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import (VERIFY_BUNDLE, api, check, failures, free_port, local, poll, request,  # noqa: E402
                     start_server, stop_server, wait_until_serving)

BALLOT = "Ballots/fuyuan-2018.yaml"
EVALUATION = "fuyuan-2018"
ENV = {k: v for k, v in os.environ.items() if k != "MINPING_KEY_FILE"}  # each database's own key file


def run(*command):
    """A command's CompletedProcess (text), its standard error shown indented."""
    out = subprocess.run(list(command), capture_output=True, text=True, env=ENV)
    if out.stderr.strip():
        print("     " + out.stderr.strip().replace("\n", "\n     "))
    return out


def main():
    minping = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="minping-backup-")
    db = os.path.join(work, "street.sqlite")
    key_file = db + ".key"
    backups = os.path.join(work, "backups")
    electorate = 60

    port = free_port()
    server = subprocess.Popen([minping, "serve", "--db", db, "--port", str(port), "--load", BALLOT, "--slips", str(electorate)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=ENV)
    lines = []
    for line in server.stdout:
        lines.append(line)
        if line.startswith("pages:"):
            break
    reviewer = next((l.split()[-1] for l in lines if l.startswith("reviewer key:")), "")
    tokens = [l.strip().split("#t=")[1] for l in lines if l.strip().startswith("http") and "#t=" in l]
    wait_until_serving(server, local(port))
    check(len(tokens) == electorate and reviewer, "%d slips and a reviewer key printed by serve --load" % len(tokens))
    base = local(port, "/api/v1")
    info = api(base, "GET", "/evaluations/" + EVALUATION)[1]
    options = [o["id"] for o in info["options"]]
    subjects = [s["id"] for s in info["subjects"]]

    accepted = []  # trackers answered 202, in the order the answers came
    lock = threading.Lock()
    queue = list(enumerate(tokens))

    def voter():
        while True:
            with lock:
                if not queue:
                    return
                i, token = queue.pop(0)
            ratings = {s: options[(i + n) % len(options)] for n, s in enumerate(subjects)}
            status, body = api(base, "POST", "/evaluations/%s/ballots" % EVALUATION, {"token": token, "ratings": ratings})
            if status == 202:
                with lock:
                    accepted.append(body["tracker"])
            time.sleep(0.15)  # a stream that outlasts the backup

    threads = [threading.Thread(target=voter) for _ in range(3)]
    for t in threads:
        t.start()
    check(poll(lambda: len(accepted) >= 15, 60, 0.01), "15 ballots accepted (202) before the backup")
    with lock:
        before = set(accepted)
    backup = run(minping, "backup", "--db", db, "--out", backups)
    with lock:
        by_end = len(accepted)
    for t in threads:
        t.join()
    stop_server(server)
    copy = backup.stdout.strip()
    check(backup.returncode == 0 and os.path.isfile(copy), "minping backup while ballots stream in: %s" % copy)
    check(len(before) < len(accepted), "the stream went on during the backup: %d ballots accepted before it began, %d by its end, %d in all"
          % (len(before), by_end, len(accepted)))
    check("checking evaluation %s (" % EVALUATION in backup.stderr and "done: " in backup.stderr,
          "the backup said what it checked and where the copy is")
    check(os.listdir(backups) == [os.path.basename(copy)], "the copy alone in --out, no key file: %s" % os.listdir(backups))

    restored_dir = os.path.join(work, "restored")
    os.mkdir(restored_dir)
    restored = os.path.join(restored_dir, "street.sqlite")
    no_key = run(minping, "restore", "--from", copy, "--db", restored)
    check(no_key.returncode == 2 and "no such key file" in no_key.stderr and not os.path.exists(restored),
          "restore into a fresh directory without the key file is refused (exit 2), nothing made")
    restore = run(minping, "restore", "--from", copy, "--db", restored, "--key-file", key_file)
    check(restore.returncode == 0 and os.path.isfile(restored), "restored with the same key file into a fresh directory")

    port = free_port()
    server = start_server([minping, "serve", "--db", restored, "--key-file", key_file, "--port", str(port)], port,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    try:
        base = local(port, "/api/v1")
        found = {t for t in accepted
                 if request(local(port, "/api/v1/evaluations/%s/receipts/%s" % (EVALUATION, t))).status == 200}
        missing = before - found
        check(not missing, "every ballot answered 202 before the backup began has its receipt on the restored server "
              "(%d of %d; %d of the %d accepted later are in the copy too)"
              % (len(before & found), len(before), len(found - before), len(accepted) - len(before)))
        ballots = api(base, "GET", "/evaluations/" + EVALUATION)[1].get("ballots")
        check(ballots == len(found), "the copy holds %s ballots, each of them answered 202 (%d found by receipt)" % (ballots, len(found)))
        busy = run(minping, "restore", "--from", copy, "--db", restored, "--key-file", key_file)
        check(busy.returncode == 2 and "is open (a server is running on it?): stop it first" in busy.stderr,
              "a restore over the running server is refused (exit 2)")
        reply = request(local(port, "/api/v1/evaluations/%s/bundle" % EVALUATION), key=reviewer)
        check(reply.status == 200, "the restored evaluation's bundle (%d bytes)" % len(reply.body))
        out = os.path.join(work, "bundle")
        with tarfile.open(fileobj=io.BytesIO(reply.body)) as archive:
            archive.extractall(out, filter="data")
        bundle = os.path.join(out, "%s-bundle" % EVALUATION)
        for name, command in (("minping audit verify", [minping, "audit", "verify", bundle]),
                              ("tools/verify_bundle.py", [sys.executable, VERIFY_BUNDLE, bundle])):
            verified = subprocess.run(command, capture_output=True, text=True, env=ENV)
            check(verified.returncode == 0, "%s: %s" % (name, (verified.stdout.strip() or verified.stderr.strip())[:150]))
    finally:
        stop_server(server)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: tools/tests/test_backup.py path/to/minping")
    sys.exit(main())
