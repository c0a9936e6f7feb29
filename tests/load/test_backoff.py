"""Issue 4 item 3: a model that cannot load.  Workers are respawned with exponential backoff (1, 2, 4, 8 s
...), not in a fork storm; /ping answers 500 with the error, /invocations 503 at once; once the model file
appears the next respawn loads it and /ping turns 200."""
import re
import time

from conftest import assert_error_reply, report, wait_until
from failure_helpers import model_lines

WATCH = 10.0


def test_model_that_cannot_load_backs_off_then_recovers_when_the_file_appears(server_factory):
    server = server_factory(script_file="needs_model_file.py", workers=2, wait_status=500)
    started = time.monotonic()
    spawned_at = server.log().count("started (pid")
    pings = []
    while time.monotonic() - started < WATCH:
        reply = server.request("GET", "/ping", timeout=2)
        pings.append(reply.status)
        if reply.status == 500:
            assert_error_reply(reply, 500, error="FileNotFoundError", message_contains="model.txt")
        begin = time.monotonic()
        invoke = server.invoke(b"x", content_type="text/plain", timeout=5)
        assert time.monotonic() - begin < 0.5, "503 took %.2f s" % (time.monotonic() - begin)
        assert_error_reply(invoke, 503, message_contains="failed to load")
        time.sleep(0.5)
    log = server.log()
    spawns = log.count("started (pid")
    attempts = len(model_lines(server, "attempts.txt"))
    delays = [int(seconds) for seconds in re.findall(r"respawning worker-1 in (\d+) s", log)]
    report("backoff", watch_s=WATCH, spawns=spawns, model_fn_attempts=attempts, worker1_delays=delays)
    assert set(pings) == {500}, pings
    # Two workers, each at 0, ~1, ~3, ~7 s (+ load time): at most 5 spawns each in the first 10+ s.
    assert 4 <= spawns <= 10, "%d spawns in %.0f s (started with %d)" % (spawns, WATCH, spawned_at)
    assert attempts <= spawns
    assert delays[:4] == [1, 2, 4, 8][:len(delays[:4])] and len(delays) >= 3, delays

    (server.model_dir / "model.txt").write_text("hello\n")
    appeared = time.monotonic()
    server.wait_ping(200, timeout=40)
    recovered = time.monotonic() - appeared
    report("backoff_recovery", seconds_after_file_appeared="%.1f" % recovered)
    assert recovered <= 30 + 5, recovered      # the backoff is capped at 30 s
    reply = server.invoke(b"x", content_type="text/plain", timeout=10)
    assert reply.status == 200 and reply.text == "model says hello", reply
    server.wait_log(r"worker-2 \(pid \d+\) loaded the model", timeout=40)
