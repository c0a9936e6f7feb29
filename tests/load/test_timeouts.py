"""Issue 4 item 2 (and the deadline half of item 4): a request over SAGEMAKER_MODEL_SERVER_TIMEOUT gets
504 on time (within 10 % + 1 s) whatever the worker is doing - sleeping, spinning in Python, or stuck in C
with every signal blocked - the worker is replaced and the next request is served."""
import time

import pytest

from conftest import assert_error_reply, report
from failure_helpers import Background, alive, loads, plain, wait_loads, wait_started

TIMEOUT = 2


@pytest.mark.parametrize("command", ["sleep:30:%s", "spin:30:%s", "csleep:30:%s", "chang:%s"],
                         ids=["sleep", "python-spin", "c-sleep-signals-blocked", "c-pause-signals-blocked"])
def test_request_over_the_timeout_is_504_on_time_and_the_worker_is_replaced(server_factory, command):
    server = server_factory(script_file="failures.py", workers=1, timeout=TIMEOUT)
    first = wait_loads(server, 1)[0]
    token = "t%d" % time.monotonic_ns()
    started = time.monotonic()
    reply = plain(server, command % token, timeout=TIMEOUT * 3 + 10)
    elapsed = time.monotonic() - started
    report("timeout", command=command.split(":")[0], timeout_s=TIMEOUT, answered_s="%.2f" % elapsed)
    assert_error_reply(reply, 504, error="Timeout", message_contains="SAGEMAKER_MODEL_SERVER_TIMEOUT")
    assert TIMEOUT - 0.05 <= elapsed <= TIMEOUT * 1.1 + 1, "504 after %.2f s with a %d s timeout" % (elapsed, TIMEOUT)
    verb = command.split(":")[0]
    assert wait_started(server, verb, token, timeout=1) == first
    server.wait_log(r"worker-1 \(pid %d\) timed out after %d s; replacing it" % (first, TIMEOUT), timeout=2)
    server.wait_log(r"worker-1 \(pid %d\) was killed by signal 9" % first, timeout=5)
    second = wait_loads(server, 2)[1]
    assert second != first and not alive(first)
    after = plain(server, "ok:next", timeout=20)
    assert after.status == 200 and after.text == "ok next %d" % second, after


def test_a_queued_request_keeps_its_deadline_from_arrival(server_factory):
    """One worker, busy past its timeout; a request queued 1 s later times out 2 s after *its* arrival,
    not 2 s after it reached a worker.  A request after that is served normally."""
    server = server_factory(script_file="failures.py", workers=1, timeout=TIMEOUT)
    wait_loads(server, 1)
    first = Background(server, "sleep:30:first", timeout=20)
    wait_started(server, "sleep", "first")
    time.sleep(1.0)
    queued = Background(server, "sleep:30:queued", timeout=20)
    assert_error_reply(first.join(20), 504)
    assert_error_reply(queued.join(20), 504)
    report("queued_deadline", first_s="%.2f" % first.elapsed, queued_s="%.2f" % queued.elapsed)
    assert queued.elapsed <= TIMEOUT * 1.1 + 1, "the queued request got its 504 after %.2f s" % queued.elapsed
    assert queued.elapsed >= TIMEOUT - 0.05
    wait_loads(server, 2)
    after = plain(server, "ok:next", timeout=20)
    assert after.status == 200, after


def test_queue_bound_is_503_at_once_while_queued_requests_are_served(server_factory):
    """HOOKHOST_QUEUE_MAX=4, 1 busy worker: 4 wait, the 5th to 8th get 503 at once; the 4 are served."""
    server = server_factory(script_file="failures.py", workers=1, env={"HOOKHOST_QUEUE_MAX": "4"})
    wait_loads(server, 1)
    busy = Background(server, "sleep:1.5:hold")
    wait_started(server, "sleep", "hold")
    waiting = [Background(server, "ok:w%d" % i) for i in range(4)]
    time.sleep(0.3)
    timings = []
    for i in range(4):
        started = time.monotonic()
        reply = plain(server, "ok:over%d" % i, timeout=10)
        timings.append(time.monotonic() - started)
        assert_error_reply(reply, 503, message_contains="HOOKHOST_QUEUE_MAX")
    assert max(timings) < 0.2, "503 for a full queue took %r" % timings
    assert busy.join(20).status == 200
    for background in waiting:
        reply = background.join(20)
        assert reply.status == 200, reply
    report("queue_full", worst_503_ms="%.1f" % (1000 * max(timings)))
