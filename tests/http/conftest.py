"""Black-box HTTP tests: the real hookhost binary on a free loopback port.

The binary is $HOOKHOST_BIN (default <repo>/build/src/hookhost, then
<repo>/src/hookhost).  Each server gets its own temporary code and model
directories, its stderr captured to a file, and a clean environment (no
SAGEMAKER_* or HOOKHOST_* from the caller's shell) with HOOKHOST_PYTHON_DIR
pointing at <repo>/python unless the caller set it.

Every wait here is bounded in time and in tries; a server that is still
running at teardown gets SIGTERM and must exit 0 (or the status the test
expected) within GRACEFUL_WAIT seconds, else it is killed and the test fails.
"""
import atexit
import base64
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SCRIPTS = HERE / "scripts"
PYTHON = "/usr/bin/python3"

READY_TIMEOUT = 30.0          # seconds for a server to answer /ping as expected
GRACEFUL_WAIT = 25.0          # HOOKHOST_GRACEFUL_TIMEOUT defaults to 20 s
EXIT_WAIT = 20.0              # a refused start must exit within this
POLL = 0.05

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR|CRITICAL) "
    r"\[(master|worker-\d+) (\d+)\] ")

_LIVE = []                    # every started process, for the atexit safety net


def hookhost_bin():
    """The binary under test; fails the test (not the collection) when missing."""
    explicit = os.environ.get("HOOKHOST_BIN")
    candidates = [Path(explicit)] if explicit else [REPO / "build" / "src" / "hookhost", REPO / "src" / "hookhost"]
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    pytest.fail("hookhost binary not found: set HOOKHOST_BIN to the built binary (looked at %s)"
                % ", ".join(str(p) for p in candidates), pytrace=False)


def python_dir():
    return os.environ.get("HOOKHOST_PYTHON_DIR") or str(REPO / "python")


def base_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SAGEMAKER_", "HOOKHOST_")) and k not in ("PYTHONPATH", "PYTHONHOME")}
    env["HOOKHOST_PYTHON_DIR"] = python_dir()
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def script_text(name):
    return (SCRIPTS / name).read_text()


@atexit.register
def _kill_leftovers():
    for proc in _LIVE:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass


# --------------------------------------------------------------------------- HTTP helpers

class Reply:
    """One HTTP answer: status, headers (names lower-cased, last wins; all kept in .header_list), body."""

    def __init__(self, status, reason, header_list, body, elapsed=0.0):
        self.status = status
        self.reason = reason
        self.header_list = header_list
        self.headers = {name.lower(): value for name, value in header_list}
        self.body = body
        self.elapsed = elapsed

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    @property
    def content_type(self):
        return self.headers.get("content-type")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return "<Reply %d %r %r>" % (self.status, self.header_list, self.body[:300])


def http_request(port, method, path, body=None, headers=None, timeout=15.0, host="127.0.0.1"):
    """One request on a fresh connection with exactly the headers given (plus Host, Content-Length)."""
    started = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body is not None:
            if isinstance(body, str):
                body = body.encode("utf-8")
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        data = response.read()
        return Reply(response.status, response.reason, response.getheaders(), data,
                     time.monotonic() - started)
    finally:
        conn.close()


def read_raw_response(reader, head_only=False):
    """Reads one HTTP/1.1 response from a binary file object; returns a Reply (status -1 on EOF)."""
    line = reader.readline(65536)
    if not line:
        return Reply(-1, "EOF", [], b"")
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ?(.*)\r?\n$", line)
    assert match, "not a status line: %r" % line
    status, reason = int(match.group(1)), match.group(2).decode("latin-1").strip()
    header_list = []
    for _ in range(200):
        line = reader.readline(65536)
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        header_list.append((name.strip(), value.strip()))
    reply = Reply(status, reason, header_list, b"")
    if head_only or status in (100, 204, 304) or 100 <= status < 200:
        return reply
    if reply.header("transfer-encoding", "").lower() == "chunked":
        chunks = []
        for _ in range(100000):
            size = int(reader.readline(1024).split(b";")[0].strip(), 16)
            if size == 0:
                while reader.readline(65536) not in (b"\r\n", b"\n", b""):
                    pass
                break
            chunks.append(reader.read(size))
            reader.readline(16)
        reply.body = b"".join(chunks)
    elif reply.header("content-length") is not None:
        reply.body = reader.read(int(reply.header("content-length")))
    else:
        reply.body = reader.read()
    return reply


def raw_exchange(port, data, count=1, timeout=10.0, head_only=False):
    """Sends raw bytes on one connection and reads `count` responses from it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        reader = sock.makefile("rb")
        replies = [read_raw_response(reader, head_only=head_only) for _ in range(count)]
        reader.close()
        return replies


def assert_error_reply(reply, status, error=None, message_contains=None, traceback=False):
    """The section 5 error shape: status, Content-Type application/json, JSON {error, error-message}."""
    assert reply.status == status, "expected %d, got %r" % (status, reply)
    content_type = (reply.content_type or "").split(";")[0].strip().lower()
    assert content_type == "application/json", "error Content-Type is %r: %r" % (reply.content_type, reply)
    try:
        body = reply.json()
    except ValueError:
        pytest.fail("error body is not JSON: %r" % reply)
    assert isinstance(body, dict), body
    assert isinstance(body.get("error"), str) and body["error"], "no 'error' string: %r" % body
    assert isinstance(body.get("error-message"), str) and body["error-message"], \
        "no 'error-message' string: %r" % body
    if error is not None:
        assert body["error"] == error, body
    if message_contains is not None:
        needles = [message_contains] if isinstance(message_contains, str) else message_contains
        for needle in needles:
            assert needle.lower() in body["error-message"].lower(), "%r not in %r" % (needle, body)
    if traceback:
        assert isinstance(body.get("stack-trace"), str) and body["stack-trace"], body
    else:
        assert "stack-trace" not in body, "stack-trace returned without HOOKHOST_ERROR_TRACEBACKS=1: %r" % body
    return body


def wait_until(predicate, timeout, what, interval=POLL):
    """Polls predicate() until it returns a true value; bounded in time and tries."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / interval) + 2):
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    pytest.fail("timed out after %.1f s waiting for %s" % (timeout, what))


# --------------------------------------------------------------------------- the server

class ServerExited(Exception):
    pass


class Server:
    """One hookhost process.

    script: the user script's text (or scripts/<script_file>), written as
    <code dir>/<program>.  files: {relative path: text or bytes} added to the
    code dir; model_files likewise for the model dir.  flags=False passes no
    --program/--code-dir/--model-dir flags (env only).  workers/timeout/
    log_level None: the flag is left out.
    """

    def __init__(self, workdir, script=None, script_file=None, program="inference.py", files=None,
                 model_files=None, env=None, workers=1, timeout=None, log_level="INFO", flags=True,
                 bind=True, extra_args=(), code_dir=None, model_dir=None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.code_dir = Path(code_dir) if code_dir else self.workdir / "code"
        self.model_dir = Path(model_dir) if model_dir else self.workdir / "model"
        self.code_dir.mkdir(parents=True, exist_ok=True)
        self.model_dir.mkdir(parents=True, exist_ok=True)
        if script_file is not None:
            script = script_text(script_file)
        if script is not None:
            # With program=None (SAGEMAKER_PROGRAM left unset) the script is still there as inference.py.
            (self.code_dir / (program or "inference.py")).write_text(script)
        for tree, extra in ((self.code_dir, files), (self.model_dir, model_files)):
            for rel, content in (extra or {}).items():
                path = tree / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, bytes):
                    path.write_bytes(content)
                else:
                    path.write_text(content)
        self.program = program
        self.extra_env = dict(env or {})
        self.workers = workers
        self.timeout = timeout
        self.log_level = log_level
        self.flags = flags
        self.bind = bind
        self.extra_args = list(extra_args)
        self.port = None
        self.proc = None
        self.stderr_path = self.workdir / "stderr.log"
        self.stdout_path = self.workdir / "stdout.log"
        self.expected_exit = 0
        self.exit_checked = False

    # ---- life cycle

    def command(self):
        argv = [hookhost_bin(), "serve"]
        if self.bind:
            argv += ["--bind", "127.0.0.1:%d" % self.port]
        if self.workers is not None:
            argv += ["--workers", str(self.workers)]
        if self.timeout is not None:
            argv += ["--timeout", str(self.timeout)]
        if self.log_level is not None:
            argv += ["--log-level", str(self.log_level)]
        if self.flags:
            argv += ["--model-dir", str(self.model_dir), "--code-dir", str(self.code_dir)]
            if self.program is not None:
                argv += ["--program", self.program]
        return argv + self.extra_args

    def environment(self):
        env = base_env()
        env.setdefault("TMPDIR", str(self.workdir))
        for name, value in self.extra_env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def spawn(self):
        port = self.extra_env.get("SAGEMAKER_BIND_TO_PORT") or ""
        self.port = int(port) if port.isdigit() else free_port()
        with open(self.stderr_path, "wb") as err, open(self.stdout_path, "wb") as out:
            self.proc = subprocess.Popen(self.command(), env=self.environment(), stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=err, cwd=str(self.workdir),
                                         start_new_session=True)
        _LIVE.append(self.proc)
        return self

    def start(self, wait_status=200, timeout=READY_TIMEOUT):
        """Spawns and waits for /ping == wait_status (None: do not wait)."""
        for attempt in range(3):
            self.spawn()
            if wait_status is None:
                return self
            try:
                self.wait_ping(wait_status, timeout)
                return self
            except ServerExited:
                if attempt < 2 and "in use" in self.log():
                    continue        # lost the free-port race; try another port
                pytest.fail("hookhost exited with status %s before /ping answered %s; output:\n%s"
                            % (self.proc.returncode, wait_status, self.output()[-6000:]), pytrace=False)
        return self

    def wait_ping(self, status=200, timeout=READY_TIMEOUT):
        deadline = time.monotonic() + timeout
        last = None
        for _ in range(int(timeout / POLL) + 2):
            if self.proc.poll() is not None:
                raise ServerExited()
            try:
                reply = http_request(self.port, "GET", "/ping", timeout=2.0)
                last = reply
                if reply.status == status:
                    return reply
            except OSError as error:
                last = error
            if time.monotonic() >= deadline:
                break
            time.sleep(POLL)
        pytest.fail("/ping did not answer %s within %.0f s (last: %r); log:\n%s"
                    % (status, timeout, last, self.log()[-6000:]), pytrace=False)

    def wait_exit(self, timeout=EXIT_WAIT):
        """Waits for the process to exit by itself; returns its status."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail("hookhost did not exit within %.0f s; log:\n%s" % (timeout, self.log()[-6000:]),
                        pytrace=False)
        self.exit_checked = True
        return rc

    def send_signal(self, signum=signal.SIGTERM):
        self.proc.send_signal(signum)

    def stop(self, signum=signal.SIGTERM, timeout=GRACEFUL_WAIT):
        """Signals the master (only) and waits; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        return self.wait_exit(timeout)

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def finish(self):
        """Teardown: SIGTERM, bounded wait, exit status as expected; kill stragglers of the group."""
        if self.proc is None:
            return
        try:
            if self.proc.poll() is None:
                rc = self.stop()
            elif self.exit_checked:
                return
            else:
                rc = self.proc.returncode
            if self.expected_exit is not None:
                assert rc == self.expected_exit, \
                    "hookhost exited %s (expected %s); log tail:\n%s" % (rc, self.expected_exit, self.log()[-4000:])
        finally:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)     # any worker left behind
            except OSError:
                pass

    # ---- logs

    def log(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def output(self):
        """stdout and stderr together (messages of a refused start may be on either)."""
        text = self.log()
        try:
            text += self.stdout_path.read_text(errors="replace")
        except FileNotFoundError:
            pass
        return text

    def mark(self):
        return len(self.log())

    def log_since(self, mark):
        return self.log()[mark:]

    def wait_log(self, pattern, since=0, timeout=10.0):
        """Waits until regex `pattern` matches the log after offset `since`; returns the match."""
        regex = re.compile(pattern, re.M)
        return wait_until(lambda: regex.search(self.log()[since:]), timeout, "log line %r" % pattern)

    # ---- requests

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def request(self, method, path, body=None, headers=None, timeout=15.0):
        return http_request(self.port, method, path, body, headers, timeout)

    def invoke(self, body=b"", content_type="application/json", accept=None, headers=None, timeout=15.0):
        all_headers = {}
        if content_type is not None:
            all_headers["Content-Type"] = content_type
        if accept is not None:
            all_headers["Accept"] = accept
        all_headers.update(headers or {})
        return self.request("POST", "/invocations", body, all_headers, timeout)

    def worker_pids(self):
        """Pids of the master's live children (from /proc)."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path("/proc", entry, "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2:].split()
            if int(fields[1]) == self.proc.pid and fields[0] != "Z":
                pids.append(int(entry))
        return sorted(pids)


class ServerFactory:
    def __init__(self, tmp_factory):
        self.tmp_factory = tmp_factory
        self.servers = []

    def __call__(self, *args, start=True, wait_status=200, **kwargs):
        workdir = self.tmp_factory("hookhost")
        server = Server(workdir, *args, **kwargs)
        self.servers.append(server)
        if start:
            server.start(wait_status=wait_status)
        return server

    def finish_all(self):
        failures = []
        for server in self.servers:
            try:
                server.finish()
            except AssertionError as error:
                failures.append(str(error))
        if failures:
            pytest.fail("\n\n".join(failures), pytrace=False)


@pytest.fixture
def server_factory(tmp_path_factory):
    """Function scope: start servers with server_factory(script_file=..., ...)."""
    factory = ServerFactory(lambda name: tmp_path_factory.mktemp(name))
    yield factory
    factory.finish_all()


@pytest.fixture(scope="module")
def module_server_factory(tmp_path_factory):
    factory = ServerFactory(lambda name: tmp_path_factory.mktemp(name))
    yield factory
    factory.finish_all()


@pytest.fixture(scope="session")
def session_server_factory(tmp_path_factory):
    factory = ServerFactory(lambda name: tmp_path_factory.mktemp(name))
    yield factory
    factory.finish_all()


# --------------------------------------------------------------------------- shared servers

def mlp_weights(seed=7):
    import numpy
    rng = numpy.random.default_rng(seed)
    return {
        "W1": rng.standard_normal((4, 8)).astype(numpy.float32),
        "b1": rng.standard_normal(8).astype(numpy.float32),
        "W2": rng.standard_normal((8, 3)).astype(numpy.float32),
        "b2": rng.standard_normal(3).astype(numpy.float32),
    }


def mlp_forward(weights, x):
    """What scripts/chainer_style.py computes, for expected values."""
    import numpy
    x = numpy.asarray(x, dtype=numpy.float32)
    hidden = numpy.maximum(x @ weights["W1"] + weights["b1"], numpy.float32(0))
    return hidden @ weights["W2"] + weights["b2"]


def npz_bytes(arrays):
    import io
    import numpy
    buf = io.BytesIO()
    numpy.savez(buf, **arrays)
    return buf.getvalue()


@pytest.fixture(scope="session")
def hooks_server(session_server_factory):
    """scripts/all_hooks.py, 1 worker, SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT=application/x-default-accept."""
    return session_server_factory(script_file="all_hooks.py",
                                  env={"SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/x-default-accept"})


@pytest.fixture(scope="session")
def chainer_server(session_server_factory):
    """scripts/chainer_style.py (only model_fn; every other hook the default) with model/mlp.npz."""
    return session_server_factory(script_file="chainer_style.py", model_files={"mlp.npz": npz_bytes(mlp_weights())})


@pytest.fixture(scope="session")
def raising_server(session_server_factory):
    """scripts/predict_raises.py, 1 worker, tracebacks not returned."""
    return session_server_factory(script_file="predict_raises.py")


# --------------------------------------------------------------------------- packaging helpers

def build_wheel(dest_dir, name, version, source):
    """Writes a pure-Python wheel <name>-<version>-py3-none-any.whl holding <name>/__init__.py = source."""
    dist_info = "%s-%s.dist-info" % (name, version)
    files = {
        "%s/__init__.py" % name: source.encode("utf-8"),
        "%s/METADATA" % dist_info: ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)).encode(),
        "%s/WHEEL" % dist_info: b"Wheel-Version: 1.0\nGenerator: hookhost-tests\nRoot-Is-Purelib: true\n"
                                b"Tag: py3-none-any\n",
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    record.append("%s/RECORD,," % dist_info)
    files["%s/RECORD" % dist_info] = ("\n".join(record) + "\n").encode()
    wheel = Path(dest_dir) / ("%s-%s-py3-none-any.whl" % (name, version))
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


def add_tar_member(tar, name, data=b"", kind=tarfile.REGTYPE, linkname=""):
    import io
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = 0o644
    info.mtime = int(time.time())
    if kind == tarfile.REGTYPE:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    else:
        info.linkname = linkname
        tar.addfile(info)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes a few seconds (timeouts, signals)")

