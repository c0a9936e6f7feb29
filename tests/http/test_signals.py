"""SIGTERM/SIGINT: stop accepting, finish in-flight requests, exit 0; /ping never waits for a busy worker."""
import os
import signal
import socket
import threading
import time

import pytest

from conftest import http_request, wait_until


class Background:
    """One request on a thread; .reply or .error once it is done."""

    def __init__(self, server, body, timeout=30):
        self.reply = None
        self.error = None
        self.thread = threading.Thread(target=self._run, args=(server, body, timeout), daemon=True)
        self.thread.start()

    def _run(self, server, body, timeout):
        try:
            self.reply = server.invoke(body.encode(), content_type="text/plain", timeout=timeout)
        except Exception as error:        # reported by the test
            self.error = error

    def join(self, timeout):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the request did not finish within %.0f s" % timeout
        assert self.error is None, "the request failed: %r" % (self.error,)
        return self.reply


def wait_busy(server, token, since):
    server.wait_log(r"\[worker-\d+ \d+\] .*slow-start %s" % token, since=since, timeout=10)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def busy_server(module_server_factory):
    return module_server_factory(script_file="slow_predict.py", workers=1)


def test_ping_answers_within_100ms_while_the_only_worker_is_busy(busy_server):
    mark = busy_server.mark()
    slow = Background(busy_server, "sleep:2:pingcheck")
    wait_busy(busy_server, "pingcheck", mark)
    timings = []
    for _ in range(5):
        reply = http_request(busy_server.port, "GET", "/ping", timeout=2)
        assert reply.status == 200, reply
        timings.append(reply.elapsed)
        time.sleep(0.05)
    assert slow.thread.is_alive(), "the slow request ended before the pings were measured"
    assert max(timings) < 0.1, "ping times while busy: %r" % timings
    execution = http_request(busy_server.port, "GET", "/execution-parameters", timeout=2)
    assert execution.status == 200 and execution.elapsed < 0.1
    reply = slow.join(15)
    assert reply.status == 200 and reply.text.startswith("slept pingcheck ")


def test_requests_queue_behind_a_busy_worker(busy_server):
    mark = busy_server.mark()
    slow = Background(busy_server, "sleep:1:queue")
    wait_busy(busy_server, "queue", mark)
    queued = Background(busy_server, "ok")
    assert slow.join(15).status == 200
    reply = queued.join(15)
    assert reply.status == 200 and reply.text.startswith("ok ")


def test_sigterm_during_a_slow_request_completes_it_then_exits_0(server_factory):
    server = server_factory(script_file="slow_predict.py", workers=1)
    mark = server.mark()
    slow = Background(server, "sleep:1.5:term")
    wait_busy(server, "term", mark)
    workers = server.worker_pids()
    assert workers
    server.send_signal(signal.SIGTERM)
    reply = slow.join(20)
    assert reply.status == 200, reply
    assert reply.text.startswith("slept term "), reply
    rc = server.wait_exit(25)
    assert rc == 0, "exit status %s after SIGTERM; log:\n%s" % (rc, server.log()[-3000:])
    wait_until(lambda: not any(alive(pid) for pid in workers), 5, "workers to be gone")


def test_sigterm_stops_accepting_new_connections(server_factory):
    server = server_factory(script_file="slow_predict.py", workers=1)
    mark = server.mark()
    slow = Background(server, "sleep:1.5:accept")
    wait_busy(server, "accept", mark)
    server.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    assert server.proc.poll() is None, "exited before its in-flight request finished"
    try:
        reply = http_request(server.port, "GET", "/ping", timeout=2)
    except (ConnectionRefusedError, ConnectionResetError, socket.timeout, OSError):
        reply = None
    assert reply is None or reply.status == 503, "a new request was served during shutdown: %r" % reply
    assert slow.join(20).status == 200
    assert server.wait_exit(25) == 0


def test_sigterm_idle_exits_0_quickly_and_takes_the_workers(server_factory):
    server = server_factory(script_file="record_pid.py", workers=2)
    pid_file = server.model_dir / "model_fn_pids.txt"
    wait_until(lambda: pid_file.exists() and len(pid_file.read_text().split()) == 2, 20, "two workers")
    workers = [int(pid) for pid in pid_file.read_text().split()]
    started = time.monotonic()
    assert server.stop(signal.SIGTERM, timeout=10) == 0
    assert time.monotonic() - started < 5, "an idle server took %.1f s to stop" % (time.monotonic() - started)
    wait_until(lambda: not any(alive(pid) for pid in workers), 5, "workers to be gone")


def test_sigint_idle_exits_0(server_factory):
    server = server_factory(script_file="exec_params.py")
    assert server.stop(signal.SIGINT, timeout=10) == 0


def test_sigterm_with_a_broken_model_exits_0(server_factory):
    server = server_factory(script_file="model_fn_raises.py", wait_status=500)
    assert server.stop(signal.SIGTERM, timeout=10) == 0
