#!/usr/bin/env python3
"""Witnesses end to end, with real processes (SPEC §5 "Witnesses", §8; issue 15).

Two witnesses (`minping witness init/add-log/serve`, their own SQLite files) and a street's
`minping serve --witness URL=VKEY` (twice), on fresh files:
  1. both witnesses take the street's log key (`minping keys log-key`, before serve) for the
     origin prefix minping/chengqu/; the second gets it only while its `witness serve` runs
     (it refuses the street's checkpoint with 403 before, cosigns after, never restarted);
  2. a whole evaluation (fuyuan-2018 with publicity_days 0: ballots, close, preliminary,
     final); GET /evaluations/{id} reports both witnesses at the log's full size;
  3. one witness killed mid-evaluation: every ballot still 202 within seconds, its size lags,
     minping_witness_lag > 0 for it (0 for the other); restarted on its file, it catches up;
  4. the reviewer's bundle passes `minping audit verify` and tools/verify_bundle.py with both
     --witness-key and --witness-quorum 2; one cosignature stripped from the full checkpoint:
     both fail with check `witness` at the same seq; with --witness-quorum 1 both pass;
  5. a fork is refused: the server's files copied (stopped cleanly) to a second server B; A
     and B then take different ballots up to the same size. The witness, having cosigned A's,
     answers B's checkpoint 409 (its size) then 422 (another root for that size); B's
     submitter warns, B never reports the witness past the copy, B's extension past that size
     is refused too (bad consistency proof), and B's bundle fails the witness check in both
     verifiers while it passes without witness keys. A goes on being cosigned;
  6. protocol edges over HTTP: an unknown origin 403, a garbage body 400, a stale old size 409
     with Content-Type text/x.tlog.size and body "<size>\\n";
  7. the 公示栏 (/board/{id}) shows 见证方联署 and both witnesses' names.
Every process started is stopped in a finally block, pass or fail. Standard library only
(tools/verify_bundle.py needs `cryptography`).

Usage: tools/tests/test_witness.py path/to/minping
"""
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback

from support import ROOT, VERIFY_BUNDLE, api as api_call, check, failures, free_port, kill, local, poll, request, wait_for_healthz

BALLOT = os.path.join(ROOT, "Ballots", "fuyuan-2018.yaml")
EVALUATION = "fuyuan-2018"
STREET = "chengqu"
ORIGIN = "minping/%s/%s" % (STREET, EVALUATION)
W1, W2 = "zuzhibu.example/witness", "jiwei.example/witness"
CATCH_UP = 90   # seconds: the submitter's backoff doubles from 1 s to at most 60 s

ENV = {k: v for k, v in os.environ.items() if k != "MINPING_KEY_FILE"}  # each file's own .key


def http(port, method, path, body=None, key=None, content_type="application/json", timeout=30):
    """(status, headers, body bytes); status 0 when nothing answers."""
    reply = request(local(port, path), method, body, key=key, content_type=content_type, timeout=timeout)
    return reply.status, reply.headers, reply.body


def api(port, method, path, body=None, key=None):
    return api_call(local(port, "/api/v1"), method, path, body, key)


def run(minping, *args, quiet=False):
    out = subprocess.run([minping] + list(args), capture_output=True, text=True, env=ENV)
    if out.returncode != 0 and not quiet:
        print("     %s %s: exit %d: %s" % (os.path.basename(minping), " ".join(args[:2]), out.returncode, out.stderr.strip()[:300]))
    return out


def checkpoint(port):
    """The evaluation's latest signed note: (text, size, root)."""
    status, _, body = http(port, "GET", "/api/v1/evaluations/%s/log/checkpoint" % EVALUATION)
    if status != 200:
        return None, 0, None
    note = body.decode()
    lines = note.split("\n")
    return note, int(lines[1]), lines[2]


def witness_sizes(port):
    """{name: (size, key)} from GET /evaluations/{id}."""
    status, info = api(port, "GET", "/evaluations/" + EVALUATION)
    if status != 200:
        return {}
    return {w["name"]: (w["size"], w["key"]) for w in info.get("witnesses", [])}


def lag(port, name):
    status, _, body = http(port, "GET", "/metrics")
    match = re.search(r'^minping_witness_lag\{witness="%s"\} ([0-9.e+]+)$' % re.escape(name), body.decode(), re.M)
    return float(match.group(1)) if status == 200 and match else None


def add_checkpoint(port, old, note, proof=()):
    body = ("old %d\n" % old + "".join(p + "\n" for p in proof) + "\n" + note).encode()
    return http(port, "POST", "/add-checkpoint", body, content_type="text/plain; charset=utf-8")


class Processes:
    """Every process the test starts, so that `finally` stops each one."""
    def __init__(self, minping, work):
        self.minping, self.work, self.all = minping, work, []

    def start(self, name, args, port):
        log = open(os.path.join(self.work, name + ".log"), "a")
        proc = subprocess.Popen([self.minping] + args, stdout=log, stderr=subprocess.STDOUT, env=ENV)
        proc.log_path = log.name
        self.all.append(proc)
        wait_for_healthz(proc, local(port), name=name, log_path=log.name)
        return proc

    def stop_all(self):
        kill(*self.all)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def main():
    minping = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="minping-witness-")
    started = time.monotonic()
    procs = Processes(minping, work)
    # Stopped from outside (SIGTERM, as by a CI timeout): still stop every process, in finally.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("test_witness.py: terminated"))
    try:
        scenario(minping, work, procs)
    except Exception as e:  # a crash is a failure too; the processes still stop below
        traceback.print_exc()
        check(False, "the test ran to its end (%s: %s)" % (type(e).__name__, e))
    finally:
        procs.stop_all()
    if failures:
        for path in dict.fromkeys(proc.log_path for proc in procs.all):
            print("     --- %s (last lines)" % os.path.basename(path))
            print("     " + "\n     ".join(read(path).strip().splitlines()[-12:]))
    print("witness: %d failed, %.0f s%s" % (len(failures), time.monotonic() - started,
                                             " (logs and files in %s)" % work if failures else ""))
    if not failures:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


def scenario(minping, work, procs):
    # ------------------------------------------------ 1. two witnesses take the street's log key
    os.makedirs(os.path.join(work, "a"))
    db_a = os.path.join(work, "a", "street.sqlite")
    log_key = run(minping, "keys", "log-key", "--street", STREET, "--db", db_a).stdout.strip().splitlines()[-1]
    check(log_key.startswith("minping/%s+" % STREET), "minping keys log-key before serve: %s" % log_key)
    w_db = {W1: os.path.join(work, "w1.sqlite"), W2: os.path.join(work, "w2.sqlite")}
    vkey = {}
    for name in (W1, W2):
        out = run(minping, "witness", "init", "--name", name, "--db", w_db[name])
        vkey[name] = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
        check(out.returncode == 0 and vkey[name].startswith(name + "+") and os.path.exists(w_db[name] + ".key"),
              "witness init %s: verifier key %s, key file beside its database" % (name, vkey[name]))
    again = run(minping, "witness", "init", "--name", "other.example/witness", "--db", w_db[W1], quiet=True)
    check(again.returncode == 2 and "already" in again.stderr,
          "witness init on a witness's file again is refused (exit %d)" % again.returncode)
    out = run(minping, "witness", "add-log", "--origin", "minping/%s/" % STREET, "--key", log_key, "--db", w_db[W1])
    check(out.returncode == 0, "witness add-log %s --origin minping/%s/ (before it serves)" % (W1, STREET))

    w_port = {W1: free_port(), W2: free_port()}
    w_proc = {}

    def start_witness(name):
        w_proc[name] = procs.start(name.split(".")[0], ["witness", "serve", "--db", w_db[name], "--port", str(w_port[name])],
                                   w_port[name])

    start_witness(W1)
    start_witness(W2)
    with open(BALLOT, encoding="utf-8") as f:
        definition = f.read()
    check("\npublicity_days: 5\n" in definition, "the sample definition has publicity_days 5 (set to 0 here)")
    ballot = os.path.join(work, "fuyuan-2018.yaml")
    with open(ballot, "w", encoding="utf-8") as f:
        f.write(definition.replace("\npublicity_days: 5\n", "\npublicity_days: 0\n"))

    a_port = free_port()
    witness_args = ["--witness", "http://127.0.0.1:%d=%s" % (w_port[W1], vkey[W1]),
                    "--witness", "http://127.0.0.1:%d=%s" % (w_port[W2], vkey[W2])]
    server_a = procs.start("server-a", ["serve", "--db", db_a, "--port", str(a_port), "--load", ballot, "--slips", "20"]
                           + witness_args, a_port)
    printed = poll(lambda: "pages:" in read(server_a.log_path) and read(server_a.log_path), 10)
    admin = re.search(r"^admin key:\s+(\S+)", printed, re.M).group(1)
    reviewer = re.search(r"^reviewer key:\s+(\S+)", printed, re.M).group(1)
    tokens = re.findall(r"#t=([A-Za-z0-9_-]{20,})", printed)
    check(len(tokens) == 20, "serve --load with both --witness: admin and reviewer keys, %d slips" % len(tokens))
    info = api(a_port, "GET", "/evaluations/" + EVALUATION)[1]
    ratings = {s["id"]: "satisfied" for s in info["subjects"]}
    other = {s["id"]: "dissatisfied" for s in info["subjects"]}

    note, size, _ = checkpoint(a_port)
    check(note is not None and note.startswith(ORIGIN + "\n"), "the log's origin is %s (size %d)" % (ORIGIN, size))
    status, _, body = add_checkpoint(w_port[W2], 0, note)
    check(status == 403, "%s, running without the street's log, refuses its checkpoint: %d %s"
          % (W2, status, body.decode().strip()[:80]))
    out = run(minping, "witness", "add-log", "--origin", "minping/%s/" % STREET, "--key", log_key, "--db", w_db[W2])
    check(out.returncode == 0, "witness add-log %s while its witness serve runs" % W2)
    status, _, body = http(w_port[W2], "GET", "/")
    check(status == 200 and ("minping/%s/ %s" % (STREET, log_key)) in body.decode(),
          "the running witness lists the new log at GET / at once")

    def cast(port, token, choice=ratings):
        begin = time.monotonic()
        status, body = api(port, "POST", "/evaluations/%s/ballots" % EVALUATION, {"token": token, "ratings": choice})
        return status, time.monotonic() - begin

    def cast_and_integrate(port, batch, choice=ratings):
        """Casts; waits until the log holds them; (statuses, slowest, new size)."""
        before = checkpoint(port)[1]
        answers = [cast(port, t, choice) for t in batch]
        size = poll(lambda: checkpoint(port)[1] == before + len(batch) and before + len(batch), 20)
        return [s for s, _ in answers], max(d for _, d in answers), size

    def both_at(port, size, names=(W1, W2)):
        return poll(lambda: all(witness_sizes(port).get(n, (None,))[0] == size for n in names), CATCH_UP)

    statuses, slowest, size = cast_and_integrate(a_port, tokens[0:4])
    check(statuses == [202] * 4 and size, "4 ballots: all 202, in the log at size %s" % size)
    check(both_at(a_port, size), "GET evaluation: both witnesses at the full size %s (%s)" % (size, witness_sizes(a_port)))
    check(w_proc[W2].poll() is None and len(procs.all) == 3,
          "%s cosigns the street's log it took while running (never restarted)" % W2)
    sizes = witness_sizes(a_port)
    check(sizes.get(W1, (0, ""))[1] == vkey[W1] and sizes.get(W2, (0, ""))[1] == vkey[W2],
          "GET evaluation names each witness with its verifier key")

    # ------------------------------------------------ 3. a witness down never blocks voting
    w_proc[W2].kill()
    w_proc[W2].wait()
    statuses, slowest, size = cast_and_integrate(a_port, tokens[4:8])
    check(statuses == [202] * 4 and slowest < 5,
          "%s killed: 4 more ballots all 202, slowest %.2f s (voting never waits for a witness)" % (W2, slowest))
    check(bool(size), "those ballots are in the log (size %s)" % size)
    check(both_at(a_port, size, (W1,)), "%s still cosigns: at the full size %s" % (W1, size))
    # A POST to a witness that is down fails only at the client's 10 s timeout (AsyncHTTPClient
    # retries the connection until then); the gauge is set after it.
    lagging = poll(lambda: (lag(a_port, W2) or 0) > 0 and lag(a_port, W2), 40)
    sizes = witness_sizes(a_port)
    check(sizes.get(W2, (size,))[0] < size, "%s's size lags: %s < %s" % (W2, sizes.get(W2), size))
    check(bool(lagging), 'minping_witness_lag{witness="%s"} %s > 0' % (W2, lagging))
    check(poll(lambda: lag(a_port, W1) == 0, 20), 'minping_witness_lag{witness="%s"} 0 (it keeps up)' % W1)
    start_witness(W2)  # the same file and port
    check(both_at(a_port, size, (W2,)), "%s restarted on its file catches up to the full size %s" % (W2, size))
    check(poll(lambda: lag(a_port, W2) == 0, 20), 'minping_witness_lag{witness="%s"} back to 0' % W2)
    warned = [l for l in read(server_a.log_path).splitlines() if "unreachable" in l and W2 in l]
    check(bool(warned), "the server warned in its log while %s was down (unreachable; retrying with backoff)" % W2)

    # ------------------------------------------------ 5. a fork: A's files copied to a server B
    copy_size = size
    server_a.send_signal(signal.SIGTERM)
    try:
        server_a.wait(timeout=30)
        check(True, "server A stops cleanly on SIGTERM (exit %s)" % server_a.returncode)
    except subprocess.TimeoutExpired:
        check(False, "server A stops within 30 s of SIGTERM")
        server_a.kill()
        server_a.wait()
    os.makedirs(os.path.join(work, "b"))
    db_b = os.path.join(work, "b", "street.sqlite")
    for suffix in ("", "-wal", "-shm", ".key"):
        if os.path.exists(db_a + suffix):
            shutil.copy2(db_a + suffix, db_b + suffix)
    server_a = procs.start("server-a", ["serve", "--db", db_a, "--port", str(a_port)] + witness_args, a_port)
    statuses, _, fork_size = cast_and_integrate(a_port, tokens[8:11])
    check(statuses == [202] * 3 and fork_size == copy_size + 3,
          "A restarted: 3 more ballots, size %s -> %s" % (copy_size, fork_size))
    check(both_at(a_port, fork_size), "both witnesses cosign A at %s" % fork_size)
    a_note, _, a_root = checkpoint(a_port)

    b_port = free_port()
    server_b = procs.start("server-b", ["serve", "--db", db_b, "--port", str(b_port), "--witness",
                                        "http://127.0.0.1:%d=%s" % (w_port[W1], vkey[W1])], b_port)
    statuses, _, b_size = cast_and_integrate(b_port, tokens[11:14], other)
    b_note, _, b_root = checkpoint(b_port)
    check(statuses == [202] * 3 and b_size == fork_size and b_root != a_root,
          "B (the copy at %d) takes 3 other ballots: size %s like A, another root" % (copy_size, b_size))
    status, headers, body = add_checkpoint(w_port[W1], 0, b_note)
    check(status == 409 and body == b"%d\n" % fork_size,
          "B's checkpoint with old 0: 409, the witness holds %r" % body.decode())
    status, _, body = add_checkpoint(w_port[W1], fork_size, b_note)
    check(status == 422, "B's checkpoint with old %d (same size, another root): %d %s"
          % (fork_size, status, body.decode().strip()[:90]))
    check(bool(poll(lambda: "forked" in read(server_b.log_path), 30)),
          "B's submitter warns in its log that %s refuses its checkpoint (the log forked)" % W1)
    statuses, _, b_size = cast_and_integrate(b_port, tokens[14:15], other)
    check(statuses == [202] and b_size == fork_size + 1, "B extends its fork to %s" % b_size)
    check(bool(poll(lambda: "does not verify" in read(server_b.log_path), 40)),
          "the witness refuses B's extension: the consistency proof from %d does not verify (B's log)" % fork_size)
    check(witness_sizes(b_port).get(W1, (None,))[0] == copy_size,
          "B reports %s at %s, the copy's size, never past it (%s)" % (W1, copy_size, witness_sizes(b_port)))
    bundle_b = fetch_bundle(b_port, reviewer, os.path.join(work, "bundle-b"))
    outcomes = verifiers(minping, bundle_b, [])
    check(all(r == 0 for r, _ in outcomes), "B's bundle verifies as a log without witness keys: %s" % outcomes[0][1])
    outcomes = verifiers(minping, bundle_b, ["--witness-key", vkey[W1], "--witness-quorum", "1"])
    check(all(r == 1 and ("FAIL seq %d: witness:" % b_size) in o for r, o in outcomes),
          "B's bundle with --witness-key %s --witness-quorum 1 fails in both verifiers: %s" % (W1, outcomes[0][1]))
    server_b.send_signal(signal.SIGTERM)
    server_b.wait(timeout=30)

    # ------------------------------------------------ 6. protocol edges against a running witness
    status, _, body = add_checkpoint(w_port[W1], 0, a_note.replace(ORIGIN + "\n", "minping/elsewhere/x\n", 1))
    check(status == 403, "an unknown origin: 403 %s" % body.decode().strip()[:70])
    status, _, body = http(w_port[W1], "POST", "/add-checkpoint", b"\x00garbage", content_type="text/plain")
    check(status == 400, "a garbage body: 400 %s" % body.decode(errors="replace").strip()[:70])
    status, headers, body = add_checkpoint(w_port[W1], 1, a_note)
    check(status == 409 and headers.get("Content-Type") == "text/x.tlog.size" and body == b"%d\n" % fork_size,
          "a stale old size: 409, %s, body %r" % (headers.get("Content-Type"), body.decode()))

    # ------------------------------------------------ 2. the evaluation to its end on A
    for batch in (tokens[15:17],):
        statuses, _, size = cast_and_integrate(a_port, batch)
        check(statuses == [202] * len(batch), "A goes on after the fork: %d more ballots, size %s" % (len(batch), size))
    check(api(a_port, "POST", "/evaluations/%s/close" % EVALUATION, key=admin)[0] == 200, "closed")
    for stage in ("preliminary", "final"):
        status, body = api(a_port, "POST", "/evaluations/%s/publish" % EVALUATION, {"stage": stage}, key=admin)
        check(status == 200 and body.get("stage") == stage, "published %s (%s)" % (stage, status))
    full_note, full, _ = checkpoint(a_port)
    check(api(a_port, "GET", "/evaluations/" + EVALUATION)[1].get("state") == "final", "the evaluation is final at size %d" % full)
    check(both_at(a_port, full), "GET evaluation: both witnesses at the full size %d (%s)" % (full, witness_sizes(a_port)))
    check(poll(lambda: lag(a_port, W1) == 0 and lag(a_port, W2) == 0, 20), "minping_witness_lag 0 for both")

    # ------------------------------------------------ 7. the 公示栏
    status, _, page = http(a_port, "GET", "/board/" + EVALUATION)
    page = page.decode()
    named = ['class="witness-name">%s</span>：已联署日志条数 %d<' % (name, full) in page for name in (W1, W2)]
    check(status == 200 and "见证方联署" in page and all(named) and "尚待联署" not in page,
          "the board page shows 见证方联署: %s and %s, each at %d entries cosigned" % (W1, W2, full))

    # ------------------------------------------------ 4. the bundle and its witness check
    bundle = fetch_bundle(a_port, reviewer, os.path.join(work, "bundle-a"))
    both = ["--witness-key", vkey[W1], "--witness-key", vkey[W2], "--witness-quorum", "2"]
    outcomes = verifiers(minping, bundle, both)
    check(all(r == 0 and o.startswith("OK ") for r, o in outcomes),
          "the bundle with both --witness-key and --witness-quorum 2: %s | %s" % (outcomes[0][1], outcomes[1][1]))
    path = os.path.join(bundle, "checkpoints", "%d.txt" % full)
    text = read(path)
    line = [l for l in text.splitlines(keepends=True) if l.startswith("\u2014 %s " % W2)]
    check(len(line) == 1, "checkpoints/%d.txt carries %s's cosignature line" % (full, W2))
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(line[0], "") if line else text)
    outcomes = verifiers(minping, bundle, both)
    check(all(r == 1 and ("FAIL seq %d: witness:" % full) in o for r, o in outcomes),
          "%s's cosignature stripped: both fail, check witness at seq %d: %s | %s" % (W2, full, outcomes[0][1], outcomes[1][1]))
    outcomes = verifiers(minping, bundle, ["--witness-key", vkey[W1], "--witness-key", vkey[W2], "--witness-quorum", "1"])
    check(all(r == 0 for r, _ in outcomes), "the stripped bundle with --witness-quorum 1 passes in both: %s" % outcomes[0][1])


def fetch_bundle(port, reviewer, out):
    status, _, tar = http(port, "GET", "/api/v1/evaluations/%s/bundle" % EVALUATION, key=reviewer)
    check(status == 200, "the reviewer's bundle (%d bytes)" % len(tar))
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(out, filter="data")
    return os.path.join(out, "%s-bundle" % EVALUATION)


def verifiers(minping, bundle, args):
    """[(exit, first line)] of minping audit verify and tools/verify_bundle.py."""
    results = []
    for command in ([minping, "audit", "verify", bundle], [sys.executable, VERIFY_BUNDLE, bundle]):
        out = subprocess.run(command + args, capture_output=True, text=True, env=ENV)
        results.append((out.returncode, (out.stdout.strip() or out.stderr.strip()).splitlines()[0][:150]))
    return results


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: tools/tests/test_witness.py path/to/minping")
    sys.exit(main())
