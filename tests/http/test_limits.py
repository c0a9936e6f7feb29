"""Issue 4, quick limits: header size and count (431), bad request lines, NUL bytes, huge URLs (400/414),
the connection cap (HOOKHOST_MAX_CONNECTIONS), the whole-request deadline (HOOKHOST_REQUEST_TIMEOUT) and the
keep-alive idle timeout (HOOKHOST_IDLE_TIMEOUT).  Slowloris, 1 GB uploads and the rest: tests/load."""
import select
import socket
import time

import pytest

from conftest import assert_error_reply, raw_exchange, read_raw_response, wait_until
from failure_helpers import plain


@pytest.fixture(scope="module")
def limits_server(module_server_factory):
    return module_server_factory(script_file="failures.py", workers=1)


def request_head(target=b"/invocations", headers=b""):
    return b"POST " + target + b" HTTP/1.1\r\nHost: x\r\n" + headers + b"Content-Length: 2\r\n\r\nok"


def assert_refused(port, data, status, message=None):
    reply = raw_exchange(port, data)[0]
    assert_error_reply(reply, status, message_contains=message)
    assert reply.header("connection") == "close", reply
    return reply


def assert_still_serving(server):
    reply = plain(server, "ok:still")
    assert reply.status == 200 and reply.text.startswith("ok still "), reply


def test_headers_over_64_kib_are_431(limits_server):
    big = b"X-Big: " + b"a" * 8000 + b"\r\n"
    assert_refused(limits_server.port, request_head(headers=big * 9), 431, "larger than 65536 bytes")
    assert_still_serving(limits_server)


def test_headers_just_under_64_kib_are_served(limits_server):
    field = b"X-Big: " + b"a" * 8000 + b"\r\n"
    reply = raw_exchange(limits_server.port, request_head(headers=field * 7 + b"Content-Type: text/plain\r\n"))[0]
    assert reply.status == 200, reply


def test_more_than_100_header_fields_is_431(limits_server):
    fields = b"".join(b"X-F%d: v\r\n" % i for i in range(101))
    assert_refused(limits_server.port, request_head(headers=fields), 431, "more than 100 header fields")
    assert_still_serving(limits_server)


def test_100_header_fields_are_served(limits_server):
    # Host and Content-Length count: 98 more make 100.
    fields = b"".join(b"X-F%d: v\r\n" % i for i in range(97)) + b"Content-Type: text/plain\r\n"
    reply = raw_exchange(limits_server.port, request_head(headers=fields))[0]
    assert reply.status == 200, reply


@pytest.mark.parametrize("line", [
    b"GARBAGE\r\n\r\n",
    b"POST /invocations\r\n\r\n",
    b"POST  /invocations HTTP/1.1\r\n\r\n",
    b"POST /invocations HTTP/9.9\r\n\r\n",
    b"POST /invoc\x01ations HTTP/1.1\r\n\r\n",
    b"\xff\xfe / HTTP/1.1\r\n\r\n",
])
def test_bad_request_line_is_400(limits_server, line):
    assert_refused(limits_server.port, line, 400)


def test_nul_byte_in_a_header_value_is_400(limits_server):
    assert_refused(limits_server.port, request_head(headers=b"X-Evil: a\x00b\r\n"), 400, "control character")
    assert_still_serving(limits_server)


def test_nul_byte_in_a_header_name_is_400(limits_server):
    assert_refused(limits_server.port, request_head(headers=b"X-E\x00vil: ab\r\n"), 400)


def test_10_kib_url_is_414(limits_server):
    assert_refused(limits_server.port, request_head(target=b"/invocations?" + b"q" * 10240), 414,
                   "request target longer than")
    assert_still_serving(limits_server)


def test_garbage_after_a_good_request_gets_the_good_answer_then_400(limits_server):
    replies = raw_exchange(limits_server.port, request_head(headers=b"Content-Type: text/plain\r\n")
                           + b"NOT HTTP AT ALL\r\n\r\n", count=2)
    assert replies[0].status == 200, replies
    assert_error_reply(replies[1], 400)


# ----------------------------------------------------------------------------- connection cap

def test_connection_cap_answers_503_and_frees_up(server_factory):
    server = server_factory(script_file="failures.py", workers=1, env={"HOOKHOST_MAX_CONNECTIONS": "3"})
    # wait until the pings of start-up have left the server's count
    time.sleep(0.3)
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(3)]
    try:
        time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as extra:
            extra.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
            reply = read_raw_response(extra.makefile("rb"))
        assert_error_reply(reply, 503, message_contains="too many open connections")
        # the held connections work
        held[0].sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_raw_response(held[0].makefile("rb")).status == 200
    finally:
        for sock in held:
            sock.close()

    def served():
        try:
            return server.request("GET", "/ping", timeout=2).status == 200
        except OSError:
            return False
    wait_until(served, 5, "a new connection to be served once the held ones closed")


# ----------------------------------------------------------------------------- timeouts of the HTTP layer

def test_request_timeout_cuts_a_slow_client_with_408(server_factory):
    server = server_factory(script_file="failures.py", workers=1, env={"HOOKHOST_REQUEST_TIMEOUT": "1"})
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
        for _ in range(40):           # one body byte every 0.1 s: never done within 1 s
            if select.select([sock], [], [], 0.1)[0]:
                break                 # the answer is there
            try:
                sock.sendall(b"z")
            except OSError:
                break
        reply = read_raw_response(sock.makefile("rb"))
        elapsed = time.monotonic() - started
    assert_error_reply(reply, 408, message_contains="not received within 1000 ms")
    assert 0.9 <= elapsed < 2.5, elapsed
    assert_still_serving(server)


def test_idle_keep_alive_connection_is_closed_after_the_idle_timeout(server_factory):
    server = server_factory(script_file="failures.py", workers=1, env={"HOOKHOST_IDLE_TIMEOUT": "1"})
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request_head(headers=b"Content-Type: text/plain\r\n"))
        reader = sock.makefile("rb")
        assert read_raw_response(reader).status == 200
        idle_since = time.monotonic()
        time.sleep(0.5)               # still open at half the timeout: a second request is served
        sock.sendall(request_head(headers=b"Content-Type: text/plain\r\n"))
        assert read_raw_response(reader).status == 200
        idle_since = time.monotonic()
        closed = reader.read(1)       # blocks until the server closes
        idle = time.monotonic() - idle_since
    assert closed == b""
    assert 0.9 <= idle < 2.5, "closed after %.2f s with HOOKHOST_IDLE_TIMEOUT=1" % idle


def test_default_idle_timeout_keeps_a_connection_for_a_while(limits_server):
    with socket.create_connection(("127.0.0.1", limits_server.port), timeout=10) as sock:
        time.sleep(1.2)
        sock.sendall(request_head(headers=b"Content-Type: text/plain\r\n"))
        assert read_raw_response(sock.makefile("rb")).status == 200


# ----------------------------------------------------------------------------- framing edge cases

def test_pipelined_requests_over_two_workers_are_answered_in_order(server_factory):
    server = server_factory(script_file="failures.py", workers=2)
    data = b""
    for i in range(20):
        # the early ones are the slow ones: answers must still come back in request order
        body = b"sleep:%.3f:p%d" % ((20 - i) * 0.004, i)
        data += (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    replies = raw_exchange(server.port, data, count=20, timeout=20)
    assert [reply.status for reply in replies] == [200] * 20, replies
    assert [reply.text.split()[1] for reply in replies] == ["p%d" % i for i in range(20)]


def test_expect_100_continue_over_the_limit_is_413_without_continue(server_factory):
    server = server_factory(script_file="failures.py", workers=1, env={"SAGEMAKER_MAX_PAYLOAD_IN_MB": "1"})
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                     b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % (2 * 1024 * 1024))
        assert select.select([sock], [], [], 5)[0], "no answer within 5 s"
        reply = read_raw_response(sock.makefile("rb"))
    assert_error_reply(reply, 413)


def test_chunked_body_with_extensions_and_trailers(limits_server):
    body = b"ok:chunky"
    data = (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
            b"3;name=value\r\n" + body[:3] + b"\r\n" + b"%x\r\n%s\r\n" % (len(body) - 3, body[3:]) +
            b"0\r\nX-Trailer: yes\r\n\r\n")
    reply = raw_exchange(limits_server.port, data)[0]
    assert reply.status == 200 and reply.text.startswith("ok chunky "), reply


@pytest.mark.parametrize("headers", [
    b"Transfer-Encoding: chunked\r\nContent-Length: 9\r\n",
    b"Content-Length: 9\r\nContent-Length: 10\r\n",
    b"Content-Length: 9, 10\r\n",
    b"Transfer-Encoding: gzip, chunked\r\n",
    b"Transfer-Encoding: xchunked\r\n",
    b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
    b"Content-Length: -9\r\n",
    b"Content-Length: 0x9\r\n",
    b"Content-Length : 9\r\n",
    b" Transfer-Encoding: chunked\r\n",
], ids=["te+cl", "two-cl", "cl-list", "te-gzip", "te-xchunked", "two-te", "cl-negative", "cl-hex",
        "space-before-colon", "folded-te"])
def test_request_smuggling_shapes_are_400(limits_server, headers):
    data = (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n" + headers +
            b"\r\n9\r\nok:smuggl\r\n0\r\n\r\n")
    assert_refused(limits_server.port, data, 400)
