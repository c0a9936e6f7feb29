"""Issue 4, the quick part: a worker dying mid-request costs only that request; clients hanging up
disturb no worker; HOOKHOST_MAX_REQUESTS recycles a worker.  The heavy versions are in tests/load."""
import os
import signal
import socket
import time

import pytest

from conftest import assert_error_reply, read_raw_response, wait_until
from failure_helpers import Background, alive, loads, plain, wait_loads, wait_started


@pytest.fixture
def pair(server_factory):
    """scripts/failures.py on 2 workers, both loaded."""
    server = server_factory(script_file="failures.py", workers=2)
    wait_loads(server, 2)
    return server


def kill_from_outside(server, token):
    pid = wait_started(server, "sleep", token)
    os.kill(pid, signal.SIGKILL)
    return pid


DEATHS = {
    # command sent, what the 500's message must say
    "segv": ("segv", "signal 11"),
    "os_exit": ("exit:3", "exited with status 3"),
    "sigkill_from_outside": ("sleep:30:victim", "signal 9"),
}


@pytest.mark.parametrize("death", sorted(DEATHS))
def test_worker_death_mid_request_is_500_json_and_the_worker_reloads(pair, death):
    """The dying request gets 500 JSON; a request running on the other worker meanwhile is unaffected;
    the dead worker is respawned and runs model_fn again; the next requests are served."""
    command, says = DEATHS[death]
    first_loads = loads(pair)
    other = Background(pair, "sleep:1.5:bystander")
    bystander_pid = wait_started(pair, "sleep", "bystander")
    doomed = Background(pair, command)
    if death == "sigkill_from_outside":
        victim = kill_from_outside(pair, "victim")
        assert victim != bystander_pid
    reply = doomed.join(20)
    body = assert_error_reply(reply, 500, error="WorkerDied", message_contains=says)
    assert "while serving the request" in body["error-message"], body
    survivor = other.join(20)
    assert survivor.status == 200 and survivor.text == "slept bystander %d" % bystander_pid, survivor
    reloaded = wait_loads(pair, len(first_loads) + 1)
    new_pid = reloaded[-1]
    assert new_pid not in first_loads, "no new worker loaded the model: %r" % reloaded
    assert alive(new_pid)
    seen = set()
    for i in range(6):
        ok = plain(pair, "ok:%d" % i, timeout=20)
        assert ok.status == 200, ok
        seen.add(int(ok.text.split()[-1]))
    assert seen <= {bystander_pid, new_pid}, seen
    assert pair.proc.poll() is None


def test_memory_error_is_500_json_and_the_worker_serves_on(server_factory):
    """An allocation the machine cannot satisfy raises MemoryError: an exception like any other
    (the interpreter is intact), so 500 JSON and the same worker answers the next request."""
    server = server_factory(script_file="failures.py", workers=1)
    before = plain(server, "ok:a")
    assert before.status == 200
    reply = plain(server, "memory")
    assert reply.status == 500, reply
    assert reply.content_type == "application/json", reply
    assert reply.json()["error"] == "MemoryError", reply
    after = plain(server, "ok:b")
    assert after.status == 200
    assert after.text.split()[-1] == before.text.split()[-1], "the worker was replaced after a MemoryError"
    assert len(loads(server)) == 1


def test_exception_without_a_message_still_has_an_error_message(server_factory):
    """Section 5: "error-message" says what went wrong; MemoryError() has an empty str()."""
    server = server_factory(script_file="failures.py", workers=1)
    assert_error_reply(plain(server, "memory"), 500, error="MemoryError")


# ----------------------------------------------------------------------------- clients hanging up

@pytest.fixture
def single(server_factory):
    server = server_factory(script_file="failures.py", workers=1)
    wait_loads(server, 1)
    return server


def assert_same_worker_serves(server, pid):
    reply = plain(server, "ok:after", timeout=20)
    assert reply.status == 200, reply
    assert int(reply.text.split()[-1]) == pid, "the worker was replaced: %r" % reply
    assert loads(server) == [pid]
    assert "died" not in server.log() and "killed by signal" not in server.log(), server.log()[-3000:]


def test_client_hang_up_mid_body_does_not_reach_the_worker(single):
    pid = loads(single)[0]
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", single.port), timeout=5) as sock:
            sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                         b"Content-Length: 1000000\r\n\r\n" + b"o" * 300000)
    assert_same_worker_serves(single, pid)


def test_client_hang_up_mid_response_does_not_disturb_the_worker(single):
    pid = loads(single)[0]
    size = 32 * 1024 * 1024
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", single.port), timeout=10) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            body = b"big:%d" % size
            sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            head = sock.recv(4096)
            assert head.startswith(b"HTTP/1.1 200"), head[:200]
        # closed after reading a few KiB of a 32 MiB answer
    assert_same_worker_serves(single, pid)


def test_client_hang_up_while_the_worker_runs_its_request(single):
    pid = loads(single)[0]
    sock = socket.create_connection(("127.0.0.1", single.port), timeout=5)
    body = b"sleep:0.5:abandoned"
    sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    wait_started(single, "sleep", "abandoned")
    sock.close()
    mark = single.mark()
    single.wait_log(r"POST /invocations 200 ", since=mark, timeout=10)    # answered into the void
    assert_same_worker_serves(single, pid)


# ----------------------------------------------------------------------------- HOOKHOST_MAX_REQUESTS

def test_max_requests_recycles_the_worker_and_loses_nothing(server_factory):
    """HOOKHOST_MAX_REQUESTS=3, one worker: after 3 answers a replacement loads while the old worker serves
    on; once it is ready the old one retires (exit 0, not respawned).  Every request succeeds."""
    server = server_factory(script_file="failures.py", workers=1, env={"HOOKHOST_MAX_REQUESTS": "3"})
    first = wait_loads(server, 1)[0]
    pids = []
    for i in range(3):
        reply = plain(server, "ok:%d" % i)
        assert reply.status == 200, reply
        pids.append(int(reply.text.split()[-1]))
    assert pids == [first] * 3
    second = wait_loads(server, 2)[1]
    server.wait_log(r"worker-1 \(pid %d\) retires after \d+ requests" % first, timeout=10)
    server.wait_log(r"worker-1 \(pid %d\) exited with status 0 \(retired\)" % first, timeout=15)
    wait_until(lambda: not alive(first), 5, "the retired worker to be gone")
    for i in range(3, 6):
        reply = plain(server, "ok:%d" % i)
        assert reply.status == 200, reply
        assert int(reply.text.split()[-1]) == second
    third = wait_loads(server, 3)[2]
    assert third not in (first, second)
    assert server.worker_pids().count(first) == 0
    log = server.log()
    assert "respawning" not in log and "WARNING" not in log, log[-3000:]


def test_max_requests_replacement_that_cannot_load_leaves_the_old_worker_serving(server_factory):
    """The replacement fails to load: the old worker serves on (/ping stays 200, nothing fails) and the
    replacement is retried with backoff; once loading works again, it takes over and the old one retires."""
    server = server_factory(script_file="failures.py", workers=1, env={"HOOKHOST_MAX_REQUESTS": "2"})
    first = wait_loads(server, 1)[0]
    (server.model_dir / "fail_load.txt").write_text("no\n")
    mark = server.mark()
    for i in range(2):
        assert plain(server, "ok:%d" % i).status == 200
    server.wait_log(r"respawning worker-1 in 1 s", since=mark, timeout=10)
    for i in range(2, 8):
        reply = plain(server, "ok:%d" % i)
        assert reply.status == 200 and int(reply.text.split()[-1]) == first, reply
        assert server.request("GET", "/ping").status == 200
    (server.model_dir / "fail_load.txt").unlink()
    second = wait_loads(server, 2, timeout=15)[1]
    server.wait_log(r"worker-1 \(pid %d\) exited with status 0 \(retired\)" % first, since=mark, timeout=15)
    reply = plain(server, "ok:last")
    assert reply.status == 200 and int(reply.text.split()[-1]) == second, reply


def test_max_requests_old_worker_dying_while_its_replacement_loads(server_factory):
    """The old worker dies while its replacement loads: its request gets 500, the replacement takes its
    place, and the slot is not respawned on top of it (one load, not two)."""
    server = server_factory(script_file="failures.py", workers=1, env={"HOOKHOST_MAX_REQUESTS": "1"},
                            model_files={"load_delay.txt": "1.5"})
    first = wait_loads(server, 1, timeout=20)[0]
    assert plain(server, "ok:0").status == 200          # the replacement starts loading (1.5 s)
    assert_error_reply(plain(server, "exit:3"), 500, error="WorkerDied", message_contains="status 3")
    second = wait_loads(server, 2, timeout=20)[1]
    reply = plain(server, "ok:1", timeout=20)
    assert reply.status == 200 and int(reply.text.split()[-1]) == second, reply
    time.sleep(0.5)
    assert loads(server) == [first, second], "the dead worker's slot was respawned too: %r" % loads(server)
    assert "its replacement (worker-1, loading) takes its place" in server.log()
