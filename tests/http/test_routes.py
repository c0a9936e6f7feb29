"""CONTRACT.md section 2: routes, methods, framing; section 6's access log line."""
import re
import select
import socket

import pytest
import requests

from conftest import LOG_LINE, assert_error_reply, raw_exchange, read_raw_response, wait_until


def allow_set(reply):
    allow = reply.header("allow")
    assert allow is not None, "405 without an Allow header: %r" % reply
    return {method.strip().upper() for method in allow.split(",") if method.strip()}


# ----------------------------------------------------------------------------- /ping

def test_get_ping_is_200_empty_json(hooks_server):
    reply = hooks_server.request("GET", "/ping")
    assert reply.status == 200
    assert reply.body == b""
    assert reply.content_type.split(";")[0].strip() == "application/json"


def test_head_ping_is_200_json_without_body(hooks_server):
    replies = raw_exchange(hooks_server.port, b"HEAD /ping HTTP/1.1\r\nHost: x\r\n\r\n", head_only=True)
    reply = replies[0]
    assert reply.status == 200
    assert reply.content_type.split(";")[0].strip() == "application/json"
    assert reply.header("content-length", "0") == "0"


def test_ping_with_requests_library(hooks_server):
    response = requests.get(hooks_server.url + "/ping", timeout=5)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Content-Type"].startswith("application/json")


def test_ping_query_string_ignored(hooks_server):
    reply = hooks_server.request("GET", "/ping?probe=1&x=%20y")
    assert reply.status == 200
    assert reply.body == b""


# ----------------------------------------------------------------------------- /invocations

def test_invocations_post_runs_the_hooks(hooks_server):
    reply = hooks_server.invoke(b'{"a": 1}', content_type="application/json", accept="application/x-echo")
    assert reply.status == 200
    answer = reply.json()
    assert answer["body_text"] == '{"a": 1}'
    assert answer["accept"] == "application/x-echo"


def test_invocations_query_string_ignored(hooks_server):
    reply = hooks_server.request("POST", "/invocations?model=abc&v=2", b"[1]",
                                 {"Content-Type": "application/json", "Accept": "application/x-q"})
    assert reply.status == 200
    assert reply.json()["body_text"] == "[1]"


def test_invocations_with_requests_library(hooks_server):
    response = requests.post(hooks_server.url + "/invocations", data=b"1,2\n3,4\n",
                             headers={"Content-Type": "text/csv", "Accept": "application/x-requests"}, timeout=10)
    assert response.status_code == 200
    assert response.json()["body_text"] == "1,2\n3,4\n"
    assert response.headers["Content-Type"] == "application/x-requests"


# ----------------------------------------------------------------------------- /execution-parameters

def test_execution_parameters_default(hooks_server):
    reply = hooks_server.request("GET", "/execution-parameters")
    assert reply.status == 200
    assert reply.content_type.split(";")[0].strip() == "application/json"
    assert reply.json() == {"MaxConcurrentTransforms": 1, "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 100}


def test_execution_parameters_follow_workers_and_payload_limit(module_server_factory):
    server = module_server_factory(script_file="record_pid.py", workers=2,
                                   env={"SAGEMAKER_MAX_PAYLOAD_IN_MB": "7"})
    reply = server.request("GET", "/execution-parameters?x=1")
    assert reply.status == 200
    assert reply.json() == {"MaxConcurrentTransforms": 2, "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 7}


def test_execution_parameters_fn_overrides(module_server_factory):
    server = module_server_factory(script_file="exec_params.py")
    reply = server.request("GET", "/execution-parameters")
    assert reply.status == 200
    assert reply.json() == {"MaxConcurrentTransforms": 7, "BatchStrategy": "SINGLE_RECORD", "MaxPayloadInMB": 6,
                            "Custom": "from execution_parameters_fn"}


# ----------------------------------------------------------------------------- 405 / 404

@pytest.mark.parametrize("method,path,allowed", [
    ("POST", "/ping", {"GET", "HEAD"}),
    ("PUT", "/ping", {"GET", "HEAD"}),
    ("DELETE", "/ping", {"GET", "HEAD"}),
    ("GET", "/invocations", {"POST"}),
    ("PUT", "/invocations", {"POST"}),
    ("DELETE", "/invocations", {"POST"}),
    ("POST", "/execution-parameters", {"GET"}),
    ("PUT", "/execution-parameters", {"GET"}),
])
def test_wrong_method_is_405_with_allow(hooks_server, method, path, allowed):
    body = b"{}" if method in ("POST", "PUT") else None
    reply = hooks_server.request(method, path, body, {"Content-Type": "application/json"} if body else None)
    assert_error_reply(reply, 405)
    methods = allow_set(reply)
    assert allowed <= methods, "Allow %r lacks %r" % (reply.header("allow"), allowed)
    assert method not in methods


def test_wrong_method_with_query_string_is_still_405(hooks_server):
    reply = hooks_server.request("GET", "/invocations?x=1")
    assert_error_reply(reply, 405)
    assert "POST" in allow_set(reply)


@pytest.mark.parametrize("method,path", [
    ("GET", "/"),
    ("GET", "/nope"),
    ("POST", "/nope"),
    ("GET", "/pingx"),
    ("GET", "/ping/extra"),
    ("POST", "/invocations/extra"),
    ("GET", "/models"),
])
def test_unknown_path_is_404_json(hooks_server, method, path):
    reply = hooks_server.request(method, path, b"{}" if method == "POST" else None,
                                 {"Content-Type": "application/json"} if method == "POST" else None)
    assert_error_reply(reply, 404)


def test_unknown_path_with_requests_library(hooks_server):
    response = requests.get(hooks_server.url + "/does-not-exist?q=1", timeout=5)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert set(response.json()) >= {"error", "error-message"}


# ----------------------------------------------------------------------------- HTTP/1.1 framing

def test_keep_alive_reuses_the_connection(hooks_server):
    with socket.create_connection(("127.0.0.1", hooks_server.port), timeout=10) as sock:
        reader = sock.makefile("rb")
        for index in range(3):
            body = b'{"n": %d}' % index
            sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Accept: application/x-ka\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            reply = read_raw_response(reader)
            assert reply.status == 200, reply
            assert reply.json()["body_text"] == body.decode()
            sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_raw_response(reader).status == 200


def test_pipelined_requests_answered_in_order(hooks_server):
    data = b""
    for index in range(3):
        body = b"[%d]" % index
        data += (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Accept: application/x-pipe\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    data += b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"
    data += b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
    replies = raw_exchange(hooks_server.port, data, count=5)
    assert [r.status for r in replies] == [200, 200, 200, 200, 404]
    assert [r.json()["body_text"] for r in replies[:3]] == ["[0]", "[1]", "[2]"]


def test_expect_100_continue(hooks_server):
    body = b'{"expect": true}'
    with socket.create_connection(("127.0.0.1", hooks_server.port), timeout=10) as sock:
        sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Accept: application/x-100\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
        reader = sock.makefile("rb")
        ready, _, _ = select.select([sock], [], [], 5)
        assert ready, "no 100 Continue within 5 s"
        interim = read_raw_response(reader)
        assert interim.status == 100, interim
        sock.sendall(body)
        reply = read_raw_response(reader)
        assert reply.status == 200, reply
        assert reply.json()["body_text"] == body.decode()


def test_chunked_request_body(hooks_server):
    chunks = [b'{"chunked"', b": [1, 2, ", b"3]}"]
    data = (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Accept: application/x-chunk\r\nTransfer-Encoding: chunked\r\n\r\n")
    for chunk in chunks:
        data += b"%x\r\n%s\r\n" % (len(chunk), chunk)
    data += b"0\r\n\r\n"
    reply = raw_exchange(hooks_server.port, data)[0]
    assert reply.status == 200, reply
    assert reply.json()["body_text"] == b"".join(chunks).decode()


def test_transfer_encoding_with_content_length_is_400(hooks_server):
    data = (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n3\r\n[1]\r\n0\r\n\r\n")
    reply = raw_exchange(hooks_server.port, data)[0]
    assert_error_reply(reply, 400)


def test_two_different_content_lengths_is_400(hooks_server):
    data = (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 3\r\nContent-Length: 5\r\n\r\n[1]  ")
    reply = raw_exchange(hooks_server.port, data)[0]
    assert_error_reply(reply, 400)


# ----------------------------------------------------------------------------- logging (section 6)

def test_access_log_line_for_invocations(hooks_server):
    mark = hooks_server.mark()
    body = b'{"access": "%s"}' % (b"x" * 1200)
    reply = hooks_server.invoke(body, accept="application/x-access")
    assert reply.status == 200
    bytes_in, bytes_out = len(body), len(reply.body)
    pattern = r"^.* INFO .*POST /invocations.*$"
    wait_until(lambda: re.search(pattern, hooks_server.log_since(mark), re.M), 5, "an access line")
    lines = [line for line in hooks_server.log_since(mark).splitlines() if re.search(pattern, line)]
    assert len(lines) == 1, lines
    line = lines[0]
    assert LOG_LINE.match(line), line
    assert re.search(r"\b200\b", line), line
    assert re.search(r"\b%d\b" % bytes_in, line), "bytes in (%d) missing: %s" % (bytes_in, line)
    assert re.search(r"\b%d\b" % bytes_out, line), "bytes out (%d) missing: %s" % (bytes_out, line)
    assert re.search(r"\d+(\.\d+)?\s*ms\b", line), "milliseconds missing: %s" % line


def test_access_log_line_for_an_error_counts_the_error_body(raising_server):
    mark = raising_server.mark()
    reply = raising_server.invoke(b"boom", content_type="text/plain")
    assert reply.status == 500
    match = raising_server.wait_log(r"^.* INFO .*POST /invocations.*$", since=mark, timeout=5)
    line = match.group(0)
    assert re.search(r"\b500\b", line), line
    assert re.search(r"\b4\b", line), "bytes in (4) missing: %s" % line
    assert re.search(r"\b%d\b" % len(reply.body), line), \
        "bytes out should be the %d-byte error body: %s" % (len(reply.body), line)


def test_ping_not_logged_at_info(hooks_server):
    mark = hooks_server.mark()
    for _ in range(5):
        assert hooks_server.request("GET", "/ping").status == 200
    reply = hooks_server.invoke(b"[2]", accept="application/x-ping-marker")      # flushes a line we can wait for
    assert reply.status == 200
    wait_until(lambda: "/invocations" in hooks_server.log_since(mark), 5, "the access line after the pings")
    pings = [line for line in hooks_server.log_since(mark).splitlines() if "/ping" in line]
    assert pings == [], "ping logged at INFO: %r" % pings


def test_ping_logged_at_debug(server_factory):
    server = server_factory(script_file="exec_params.py", log_level="DEBUG")
    mark = server.mark()
    assert server.request("GET", "/ping").status == 200
    server.wait_log(r"DEBUG .*/ping", since=mark, timeout=5)


@pytest.mark.parametrize("which", ["hooks_server", "raising_server"])
def test_every_log_line_is_formatted(request, which):
    server = request.getfixturevalue(which)
    server.invoke(b"boom", content_type="text/plain")        # a traceback in raising_server's log
    lines = [line for line in server.log().splitlines() if line.strip()]
    assert lines, "no log output at all"
    bad = [line for line in lines if not LOG_LINE.match(line)]
    assert bad == [], "log lines not in 'TIME LEVEL [who pid] message' form: %r" % bad[:10]
    assert any(LOG_LINE.match(line).group(2) == "master" for line in lines)
    assert all(int(LOG_LINE.match(line).group(3)) > 1 for line in lines)


def test_master_log_pid_is_the_process(hooks_server):
    masters = {int(LOG_LINE.match(line).group(3)) for line in hooks_server.log().splitlines()
               if LOG_LINE.match(line) and LOG_LINE.match(line).group(2) == "master"}
    assert masters == {hooks_server.proc.pid}

