"""Issue 4 item 7: SIGTERM under load - in-flight and queued requests complete, new connections are refused,
exit 0 within HOOKHOST_GRACEFUL_TIMEOUT; a second SIGTERM, or the end of the grace period, ends it at once."""
import signal
import socket
import time

from conftest import report, wait_until
from failure_helpers import Background, alive, loads, wait_loads, wait_started


def connection_refused(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


def test_sigterm_under_load_finishes_in_flight_and_queued_requests_then_exits_0(server_factory):
    server = server_factory(script_file="failures.py", workers=2, env={"HOOKHOST_GRACEFUL_TIMEOUT": "20"})
    workers = wait_loads(server, 2)
    requests = [Background(server, "sleep:0.6:r%d" % i, timeout=30) for i in range(10)]
    wait_started(server, "sleep", "r0")
    wait_started(server, "sleep", "r1")
    time.sleep(0.2)                   # the other 8 are queued
    signalled = time.monotonic()
    server.send_signal(signal.SIGTERM)
    wait_until(lambda: connection_refused(server.port), 2, "new connections to be refused")
    refused_after = time.monotonic() - signalled
    replies = [background.join(30) for background in requests]
    rc = server.wait_exit(25)
    exited_after = time.monotonic() - signalled
    report("sigterm_under_load", requests=len(replies), refused_after_s="%.2f" % refused_after,
           exited_after_s="%.2f" % exited_after)
    assert [reply.status for reply in replies] == [200] * len(replies), replies
    assert sorted(reply.text.split()[1] for reply in replies) == sorted("r%d" % i for i in range(10))
    assert rc == 0, server.log()[-3000:]
    assert exited_after < 20
    wait_until(lambda: not any(alive(pid) for pid in workers), 5, "workers to be gone")


def test_second_sigterm_ends_at_once(server_factory):
    server = server_factory(script_file="failures.py", workers=1, env={"HOOKHOST_GRACEFUL_TIMEOUT": "20"})
    workers = wait_loads(server, 1)
    stuck = Background(server, "sleep:30:stuck", timeout=40)
    wait_started(server, "sleep", "stuck")
    server.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert server.proc.poll() is None, "exited with a request in flight"
    second = time.monotonic()
    server.send_signal(signal.SIGTERM)
    rc = server.wait_exit(5)
    report("second_sigterm", exited_after_s="%.2f" % (time.monotonic() - second), status=rc)
    assert time.monotonic() - second < 1.5
    assert rc != 0, "a forced exit must not look like a clean one"
    server.expected_exit = rc
    wait_until(lambda: not any(alive(pid) for pid in workers), 5, "workers to be killed")
    stuck.thread.join(10)
    assert stuck.reply is None or stuck.reply.status >= 500


def test_graceful_timeout_ends_a_drain_that_takes_too_long(server_factory):
    server = server_factory(script_file="failures.py", workers=1, env={"HOOKHOST_GRACEFUL_TIMEOUT": "2"})
    workers = wait_loads(server, 1)
    stuck = Background(server, "sleep:30:stuck", timeout=40)
    wait_started(server, "sleep", "stuck")
    signalled = time.monotonic()
    server.send_signal(signal.SIGTERM)
    rc = server.wait_exit(10)
    elapsed = time.monotonic() - signalled
    report("graceful_timeout", timeout_s=2, exited_after_s="%.2f" % elapsed, status=rc)
    assert 1.9 <= elapsed <= 2 * 1.1 + 1, elapsed
    assert rc != 0
    server.expected_exit = rc
    wait_until(lambda: not any(alive(pid) for pid in workers), 5, "workers to be killed")
    stuck.thread.join(10)


def test_sigterm_while_a_body_is_still_uploading_answers_it(server_factory):
    """A request whose head arrived before SIGTERM is in flight: the drain waits for the rest of its body
    and answers it."""
    server = server_factory(script_file="failures.py", workers=1, env={"HOOKHOST_GRACEFUL_TIMEOUT": "10"})
    wait_loads(server, 1)
    body = b"ok:uploaded"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body[:3]))
        time.sleep(0.3)
        server.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        try:
            sock.sendall(body[3:])
            data = sock.makefile("rb").read()
        except OSError as error:
            data = repr(error).encode()
    rc = server.wait_exit(15)
    assert data.startswith(b"HTTP/1.1 200 "), data[:300]
    assert data.endswith(b"ok uploaded %d" % loads(server)[0]), data[-200:]
    assert rc == 0
