"""Issue 4 item 5 under load: a 1 GB upload is refused with 413 without being buffered (the master's RSS,
sampled from /proc, stays flat), and 200 slowloris connections (one byte a second) neither block other
clients nor outlive HOOKHOST_REQUEST_TIMEOUT."""
import select
import socket
import time

import pytest

from conftest import assert_error_reply, read_raw_response, report
from failure_helpers import RssSampler, plain, rss_kib, wait_loads

GIB = 1 << 30
RSS_NOISE_KIB = 16 * 1024


def stream(port, head, chunks, limit_seconds=20.0):
    """Sends head, then chunks() pieces until it is exhausted, the server stops reading, or time runs out.
    Returns (bytes of body sent, the answer read afterwards or None)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        deadline = time.monotonic() + limit_seconds
        try:
            for piece in chunks():
                sock.sendall(piece)
                sent += len(piece)
                if time.monotonic() > deadline:
                    break
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
        try:
            reply = read_raw_response(sock.makefile("rb"))
        except (ConnectionResetError, OSError):
            reply = None
    return sent, reply


def early_answer(port, head):
    """The answer to a head alone, read before any body is sent (decided from Content-Length)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        ready = select.select([sock], [], [], 5)[0]
        assert ready, "no answer before the body"
        return read_raw_response(sock.makefile("rb"))


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_1_gib_upload_is_413_and_the_master_does_not_buffer_it(server_factory, framing):
    server = server_factory(script_file="failures.py", workers=1, env={"SAGEMAKER_MAX_PAYLOAD_IN_MB": "1"})
    wait_loads(server, 1)
    master = server.proc.pid
    before = rss_kib(master)
    piece = b"7" * (256 * 1024)
    if framing == "content-length":
        head = (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                b"Content-Length: %d\r\n\r\n" % GIB)
        early = early_answer(server.port, head)
        assert_error_reply(early, 413, message_contains="over the limit")

        def chunks():
            for _ in range(GIB // len(piece)):
                yield piece
    else:
        head = (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n")
        framed = b"%x\r\n%s\r\n" % (len(piece), piece)

        def chunks():
            for _ in range(GIB // len(piece)):
                yield framed
            yield b"0\r\n\r\n"
    sampler = RssSampler(master, interval=0.02)
    started = time.monotonic()
    sent, reply = stream(server.port, head, chunks)
    elapsed = time.monotonic() - started
    samples = sampler.stop()
    report("upload_1gib", framing=framing, sent_mib=sent >> 20, seconds="%.2f" % elapsed,
           master_rss_before_kib=before, master_rss_max_kib=max(samples), samples=len(samples))
    if reply is not None:
        assert_error_reply(reply, 413)
    assert len(samples) >= 3
    assert max(samples) - before < RSS_NOISE_KIB, "master RSS grew from %d to %d KiB" % (before, max(samples))
    assert sent >= 2 * 1024 * 1024, "the server took only %d bytes: nothing was streamed" % sent
    # the worker never saw it and the server is fine
    reply = plain(server, "ok:after", timeout=10)
    assert reply.status == 200, reply
    assert rss_kib(master) - before < RSS_NOISE_KIB


def test_200_slowloris_connections_do_not_block_others_and_are_cut_by_the_request_deadline(server_factory):
    timeout = 3
    server = server_factory(script_file="failures.py", workers=2, env={"HOOKHOST_REQUEST_TIMEOUT": str(timeout)})
    wait_loads(server, 2)
    head = b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 50\r\n\r\n"
    slow = []
    for i in range(200):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.setblocking(False)
        # half dribble the head, half the body (head sent whole, body one byte a second)
        if i % 2:
            sock.sendall(head)
        slow.append({"sock": sock, "first": None, "answer": None, "closed": None, "data": b"",
                     "pending": (head if i % 2 == 0 else b"z" * 50)})
    normal_latencies = []
    statuses = []
    started = time.monotonic()
    next_tick = started
    while time.monotonic() - started < timeout * 1.1 + 2.5:
        now = time.monotonic()
        if now >= next_tick:
            for conn in slow:
                if conn["closed"] is None and conn["pending"]:
                    try:
                        conn["sock"].send(conn["pending"][:1])
                        conn["pending"] = conn["pending"][1:]
                        if conn["first"] is None:
                            conn["first"] = now
                    except OSError:
                        conn["closed"] = now
            next_tick += 1.0
        readable = select.select([c["sock"] for c in slow if c["closed"] is None], [], [], 0.05)[0]
        for sock in readable:
            conn = next(c for c in slow if c["sock"] is sock)
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if data:
                conn["data"] += data
                if conn["answer"] is None:
                    conn["answer"] = time.monotonic()
            else:
                conn["closed"] = time.monotonic()
        # a normal client meanwhile
        if now - started < timeout + 1:
            reply = plain(server, "ok:n", timeout=5)
            statuses.append(reply.status)
            normal_latencies.append(reply.elapsed)
    for conn in slow:
        conn["sock"].close()
    answered = [c for c in slow if c["answer"] is not None]
    cut = [c for c in slow if c["closed"] is not None]
    lifetimes = [c["answer"] - c["first"] for c in answered]
    report("slowloris", connections=len(slow), answered_408=sum(c["data"].startswith(b"HTTP/1.1 408") for c in slow),
           closed=len(cut), normal_requests=len(statuses),
           normal_max_ms="%.1f" % (1000 * max(normal_latencies)),
           lifetime_max_s="%.2f" % max(lifetimes) if lifetimes else "-")
    assert statuses and set(statuses) == {200}, statuses
    assert max(normal_latencies) < 0.5, "normal requests slowed to %.2f s" % max(normal_latencies)
    assert len(answered) == len(slow), "%d slow connections got no answer" % (len(slow) - len(answered))
    for conn in slow:
        assert conn["data"].startswith(b"HTTP/1.1 408 "), conn["data"][:200]
        assert b"application/json" in conn["data"] and b"RequestTimeout" in conn["data"], conn["data"][:400]
    assert max(lifetimes) <= timeout * 1.1 + 1, "a slow client lived %.2f s" % max(lifetimes)
    assert min(lifetimes) >= timeout - 1.05, "cut after %.2f s" % min(lifetimes)
    assert len(cut) == len(slow), "%d slow connections were not closed" % (len(slow) - len(cut))
