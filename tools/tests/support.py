"""What the Python tests share (STYLE 16): ok/FAIL lines, an HTTP client, a free port,
`minping serve` started and stopped, and a throwaway PostgreSQL database. Standard library only.

    check(condition, what)            prints "ok   what" or "FAIL what"; failures lists the FAILs
    request(url, method, body, ...)   one HTTP request -> Reply(status, headers, body); status 0
                                      when nothing answered (unanswered=() lets that raise)
    api(base, method, path, ...)      (status, JSON of a 2xx or bytes if raw; an error's JSON or bytes)
    free_port(), local(port, path)    a port nothing listens on; "http://127.0.0.1:PORT/path"
    start_server(command, port, ...)  Popen, then wait_until_serving; stop_server(process, log)
                                      (SIGTERM, 30 s), kill(*processes) (SIGKILL)
    fresh_database(base_url, name)    an empty PostgreSQL database on the test cluster; its URL
"""
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VERIFY_BUNDLE = os.path.join(ROOT, "tools", "verify_bundle.py")
JSON = "application/json"

failures = []


def check(condition, what):
    """Prints ok or FAIL; a failure is remembered for the exit status."""
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)
    return condition


def poll(probe, timeout, interval=0.25):
    """probe() until it returns something true, or `timeout` seconds; its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


# ---------------------------------------------------------------- HTTP

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def local(port, path=""):
    return "http://127.0.0.1:%d%s" % (port, path)


class Reply:
    """A server's answer: status (0 when nothing answered), headers, body bytes; `error`, the
    exception's text when nothing answered (the body then holds it too, encoded)."""

    def __init__(self, url, status, reason, headers, body, error=None):
        self.url, self.status, self.reason, self.headers, self.body, self.error = url, status, reason, headers, body, error

    def json(self, empty=None):
        """The body as JSON (`empty` for an empty body); ValueError if it is not JSON."""
        text = self.body.decode()
        return json.loads(text) if text else empty

    def parsed(self):
        """The body as JSON, or the bytes when it is not JSON (an empty body among them)."""
        try:
            return json.loads(self.body.decode())
        except ValueError:
            return self.body

    def ok(self):
        """The reply itself when the status is 2xx; else HTTPError, as urlopen raises it."""
        if not 200 <= self.status < 300:
            raise urllib.error.HTTPError(self.url, self.status, self.reason, self.headers, io.BytesIO(self.body))
        return self


def request(url, method="GET", body=None, key=None, content_type=JSON, timeout=30, typed=False, unanswered=(OSError,),
            headers=None):
    """One request. `body`: bytes are sent as they are, None sends none, anything else is sent
    as JSON. Content-Type goes with a body (typed=True: with none too); `key` as a bearer token;
    `headers`, any others (a session's Cookie and X-CSRF-Token).
    A 4xx or 5xx is a Reply like any other. The exceptions in `unanswered` (by default OSError:
    refused, reset, timed out) give status 0; pass () to have them raised, or add
    http.client.HTTPException to count a reply cut short (IncompleteRead) as none."""
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if content_type and (data is not None or typed):
        req.add_header("Content-Type", content_type)
    if key:
        req.add_header("Authorization", "Bearer " + key)
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Reply(url, r.status, r.reason, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Reply(url, e.code, e.reason, e.headers, e.read())
    except unanswered as e:
        return Reply(url, 0, "", {}, str(e).encode(), error=str(e))


def api(base, method, path, body=None, key=None, raw=False, **options):
    """(status, body) of request(base + path, ...): a 2xx body as JSON (ValueError if it is not;
    the bytes with raw=True), an error's as JSON or its bytes, and (0, the error's text) when
    nothing answered. `options` go to request()."""
    reply = request(base + path, method, body, key=key, **options)
    if reply.status == 0:
        return 0, reply.error
    if 200 <= reply.status < 300:
        return reply.status, reply.body if raw else reply.json()
    return reply.status, reply.parsed()


# ---------------------------------------------------------------- servers

def wait_for_healthz(process, base, timeout=60, name="minping serve", log_path=None):
    """Until `base`/healthz answers 2xx (`minping serve` prints before its port is bound).
    RuntimeError if the process exits first (with the end of its log, if given) or after
    `timeout` seconds; the process is left as it is."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):
                return
        except OSError:
            if process.poll() is not None:
                tail = ""
                if log_path:
                    with open(log_path, encoding="utf-8", errors="replace") as f:
                        tail = ":\n" + f.read()[-2000:]
                raise RuntimeError("%s exited with %s%s" % (name, process.returncode, tail)) from None
            time.sleep(0.1)
    raise RuntimeError("%s did not answer /healthz within %d s" % (name, timeout))


def wait_until_serving(process, base, timeout=60):
    """wait_for_healthz, or the test ends (sys.exit) with why; a process still running is killed."""
    try:
        wait_for_healthz(process, base, timeout)
    except RuntimeError as e:
        if process.poll() is None:
            process.kill()
        sys.exit(str(e))


def start_server(command, port, timeout=60, **popen):
    """subprocess.Popen(command, **popen), serving on 127.0.0.1:port (wait_until_serving)."""
    process = subprocess.Popen(command, **popen)
    wait_until_serving(process, local(port), timeout)
    return process


def kill(*processes):
    """SIGKILL to each process still running, then waits for it (a `finally`'s clean-up)."""
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def stop_server(server, log=None):
    """Stops a `minping serve` started by a test (killed if it does not stop in 30 s)."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    if log is not None:
        log.close()


# ---------------------------------------------------------------- PostgreSQL

def fresh_database(base, name):
    """A new database called `name` on the cluster of `base` (tools/postgres-cluster's URL); its URL."""
    url = urllib.parse.urlsplit(base)
    socket_dir = urllib.parse.parse_qs(url.query)["host"][0]
    subprocess.run(["psql", "-q", "-h", socket_dir, "-U", url.username or "minping", "-d", "postgres",
                    "-c", "DROP DATABASE IF EXISTS %s" % name, "-c", "CREATE DATABASE %s" % name], check=True,
                   env=dict(os.environ, PGOPTIONS="--client-min-messages=warning"))
    return urllib.parse.urlunsplit((url.scheme, url.netloc, "/" + name, url.query, ""))
