"""CONTRACT.md section 5: every error is JSON {"error", "error-message"}; statuses per cause."""
import io
import re
import select
import socket
import time

import numpy
import pytest

import threading

from conftest import assert_error_reply, read_raw_response, wait_until


def plain(server, command, **kwargs):
    return server.invoke(command.encode(), content_type="text/plain", **kwargs)


# ----------------------------------------------------------------------------- user exceptions

def test_predict_fn_exception_is_500_json(raising_server):
    mark = raising_server.mark()
    reply = plain(raising_server, "boom")
    body = assert_error_reply(reply, 500, error="ValueError", message_contains="boom happened in predict_fn")
    assert set(body) == {"error", "error-message"}
    log = raising_server.wait_log(r"Traceback", since=mark, timeout=5).string
    assert "boom happened in predict_fn" in log
    assert "predict_fn" in log


def test_server_keeps_serving_after_an_exception(raising_server):
    first = plain(raising_server, "ok")
    assert first.status == 200
    for _ in range(3):
        assert plain(raising_server, "boom").status == 500
        reply = plain(raising_server, "ok")
        assert reply.status == 200
        assert reply.body == first.body, "the worker was replaced after a plain exception"


@pytest.mark.parametrize("status", [400, 415, 418, 422, 503, 599])
def test_exception_status_code_is_used(raising_server, status):
    reply = plain(raising_server, "status_code:%d" % status)
    assert_error_reply(reply, status, error="TeapotError", message_contains="predict_fn says")


def test_exception_status_attribute_is_used(raising_server):
    reply = plain(raising_server, "status:429")
    assert_error_reply(reply, 429, error="TeapotError")


@pytest.mark.parametrize("command", ["status_code:200", "status_code:302", "status_code:600", "status_code:99",
                                     "status_code_str:418"])
def test_exception_status_outside_400_599_or_not_int_is_500(raising_server, command):
    reply = plain(raising_server, command)
    assert_error_reply(reply, 500, error="TeapotError")


@pytest.mark.parametrize("status", [400, 415])
def test_input_fn_can_answer_its_own_status(raising_server, status):
    reply = plain(raising_server, "input_status:%d" % status)
    assert_error_reply(reply, status, error="TeapotError", message_contains="input_fn refuses")


def test_stack_trace_returned_only_when_enabled(server_factory):
    server = server_factory(script_file="predict_raises.py", env={"HOOKHOST_ERROR_TRACEBACKS": "1"})
    body = assert_error_reply(plain(server, "boom"), 500, error="ValueError", traceback=True)
    assert "Traceback" in body["stack-trace"]
    assert "predict_fn" in body["stack-trace"]
    assert "boom happened in predict_fn" in body["stack-trace"]
    body = assert_error_reply(plain(server, "status_code:418"), 418, traceback=True)
    assert "TeapotError" in body["stack-trace"]


# ----------------------------------------------------------------------------- model_fn failure

@pytest.fixture(scope="module")
def broken_model_server(module_server_factory):
    return module_server_factory(script_file="model_fn_raises.py", wait_status=500)


def test_model_fn_failure_ping_is_500_json(broken_model_server):
    reply = broken_model_server.request("GET", "/ping")
    assert_error_reply(reply, 500, message_contains="xyzzy-missing.bin")
    reply = broken_model_server.request("HEAD", "/ping")
    assert reply.status == 500


def test_model_fn_failure_invocations_is_503_json(broken_model_server):
    reply = broken_model_server.invoke(b"[1, 2]")
    assert_error_reply(reply, 503)


def test_model_fn_failure_is_logged_with_traceback(broken_model_server):
    log = broken_model_server.log()
    assert "Traceback" in log
    assert "RuntimeError" in log and "xyzzy-missing.bin" in log


def test_model_fn_failure_server_stays_up(broken_model_server):
    time.sleep(0.5)
    assert broken_model_server.proc.poll() is None
    assert broken_model_server.request("GET", "/ping").status == 500
    assert broken_model_server.request("GET", "/nope").status == 404


# ----------------------------------------------------------------------------- default decoder errors (400 / 415)

@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", "image/png"])
def test_unsupported_content_type_is_415(chainer_server, content_type):
    reply = chainer_server.invoke(b"1 2 3", content_type=content_type)
    assert_error_reply(reply, 415, message_contains=[content_type, "input_fn"])


@pytest.mark.parametrize("body", [b"[1, 2", b"[1, 2]]", b"", b"{", b"[1, 2] [3]", b"nope"])
def test_malformed_json_is_400(chainer_server, body):
    assert_error_reply(chainer_server.invoke(body, content_type="application/json"), 400)


@pytest.mark.parametrize("body", [b"[[1, 2], [3]]", b'{"a": 1}', b'["a", "b"]', b"[[1, 2], 3]"])
def test_json_that_is_not_a_numeric_array_is_400(chainer_server, body):
    assert_error_reply(chainer_server.invoke(body, content_type="application/json"), 400)


@pytest.mark.parametrize("body,line", [(b"1,2\n3\n", 2), (b"1,2\n3,abc\n", 2), (b"1,,3\n", 1),
                                       (b"1,2\n3,4\n5,6,7\n", 3)])
def test_malformed_csv_is_400_naming_line_and_column(chainer_server, body, line):
    reply = chainer_server.invoke(body, content_type="text/csv")
    message = assert_error_reply(reply, 400)["error-message"]
    assert re.search(r"line\D{0,3}%d\b" % line, message, re.I), message
    assert "column" in message.lower(), message


def test_npy_object_array_is_refused_400(chainer_server):
    buf = io.BytesIO()
    numpy.save(buf, numpy.array([{"pickled": 1}, None], dtype=object), allow_pickle=True)
    reply = chainer_server.invoke(buf.getvalue(), content_type="application/x-npy")
    assert_error_reply(reply, 400, message_contains="pickle")


def test_npy_garbage_is_400(chainer_server):
    reply = chainer_server.invoke(b"\x93NUMPY\x01\x00garbage", content_type="application/x-npy")
    assert_error_reply(reply, 400)


# ----------------------------------------------------------------------------- 406

@pytest.mark.parametrize("accept", ["image/png", "application/json;q=0", "text/html, image/*"])
def test_no_acceptable_output_type_is_406(chainer_server, accept):
    assert_error_reply(chainer_server.invoke(b"[1, 2]", accept=accept), 406)


def test_csv_of_3d_array_is_406(chainer_server):
    reply = chainer_server.invoke(b"[[[1, 2], [3, 4]]]", accept="text/csv")
    assert_error_reply(reply, 406)


# ----------------------------------------------------------------------------- 413

def send_oversized(port, length, timeout=10):
    """POSTs a body of `length` bytes; returns the response, read as early as the server sends it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % length)
        ready, _, _ = select.select([sock], [], [], 0.5)
        if not ready:
            chunk = b"1" * 65536
            sent = 0
            try:
                while sent < length:
                    sock.sendall(chunk[:min(len(chunk), length - sent)])
                    sent += min(len(chunk), length - sent)
            except (BrokenPipeError, ConnectionResetError):
                pass
        reader = sock.makefile("rb")
        return read_raw_response(reader)


def test_body_over_payload_limit_is_413(server_factory):
    server = server_factory(script_file="all_hooks.py", env={"SAGEMAKER_MAX_PAYLOAD_IN_MB": "1"})
    reply = send_oversized(server.port, 1024 * 1024 + 1)
    assert_error_reply(reply, 413)
    ok = server.invoke(b"1" * (1024 * 1024 - 64), content_type="application/octet-stream",
                       accept="application/x-fits")
    assert ok.status == 200
    assert server.request("GET", "/execution-parameters").json()["MaxPayloadInMB"] == 1


def test_chunked_body_over_payload_limit_is_413(server_factory):
    server = server_factory(script_file="all_hooks.py", env={"SAGEMAKER_MAX_PAYLOAD_IN_MB": "1"})
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"1" * 65536
        try:
            for _ in range(20):           # 1.25 MiB in 64 KiB chunks
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                if select.select([sock], [], [], 0)[0]:
                    break
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        reply = read_raw_response(sock.makefile("rb"))
    assert_error_reply(reply, 413)


# ----------------------------------------------------------------------------- worker crash, timeout

def test_worker_crash_is_500_and_the_next_request_is_served(server_factory):
    server = server_factory(script_file="slow_predict.py", workers=1)
    before = plain(server, "ok")
    assert before.status == 200
    reply = plain(server, "exit:3")
    assert_error_reply(reply, 500)
    after = plain(server, "ok", timeout=30)
    assert after.status == 200, after
    assert after.body != before.body, "a dead worker's pid answered"
    assert server.proc.poll() is None


@pytest.mark.slow
def test_request_over_timeout_is_504_and_the_next_is_served(server_factory):
    server = server_factory(script_file="slow_predict.py", workers=1, timeout=1)
    started = time.monotonic()
    reply = plain(server, "sleep:8:timeout", timeout=20)
    elapsed = time.monotonic() - started
    assert_error_reply(reply, 504)
    assert elapsed < 6, "504 took %.1f s with --timeout 1" % elapsed
    after = plain(server, "ok", timeout=30)
    assert after.status == 200, after
    wait_until(lambda: server.proc.poll() is None, 1, "server alive")


class Background:
    """One text/plain request on a thread."""

    def __init__(self, server, command, timeout=30):
        self.reply = self.error = None
        self.thread = threading.Thread(target=self._run, args=(server, command, timeout), daemon=True)
        self.thread.start()

    def _run(self, server, command, timeout):
        try:
            self.reply = plain(server, command, timeout=timeout)
        except Exception as error:
            self.error = error

    def join(self, timeout=30):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "request still running after %.0f s" % timeout
        assert self.error is None, repr(self.error)
        return self.reply


def busy(server, token, since):
    server.wait_log(r"\[worker-\d+ \d+\] .*slow-start %s" % token, since=since, timeout=10)


def test_crash_costs_only_its_request_queued_one_is_served(server_factory):
    server = server_factory(script_file="slow_predict.py", workers=1)
    mark = server.mark()
    doomed = Background(server, "sleep_exit:0.8:crash")
    busy(server, "crash", mark)
    queued = Background(server, "ok")
    assert_error_reply(doomed.join(), 500)
    reply = queued.join()
    assert reply.status == 200, reply
    assert reply.text.startswith("ok ")


@pytest.mark.slow
def test_timeout_costs_only_its_request_other_worker_unaffected(server_factory):
    """2 workers: one request times out on one worker while another runs on the other worker.
    (A request queued behind the timed-out one is not tested: its deadline counts from arrival.)"""
    server = server_factory(script_file="slow_predict.py", workers=2, timeout=1)
    mark = server.mark()
    doomed = Background(server, "sleep:8:late")
    busy(server, "late", mark)
    other = Background(server, "sleep:0.5:other")
    busy(server, "other", mark)
    assert_error_reply(doomed.join(), 504)
    reply = other.join()
    assert reply.status == 200, reply
    assert reply.text.startswith("slept other ")
    assert plain(server, "ok", timeout=20).status == 200


def test_full_queue_is_503(server_factory):
    """HOOKHOST_QUEUE_MAX=1 (hookhost's own variable): one request running, one waiting, the next gets 503."""
    server = server_factory(script_file="slow_predict.py", workers=1, env={"HOOKHOST_QUEUE_MAX": "1"})
    mark = server.mark()
    running = Background(server, "sleep:1.5:full")
    busy(server, "full", mark)
    waiting = Background(server, "ok")
    time.sleep(0.2)
    started = time.monotonic()
    reply = plain(server, "ok", timeout=10)
    assert_error_reply(reply, 503)
    assert time.monotonic() - started < 1.0, "503 for a full queue must come at once"
    assert running.join().status == 200
    assert waiting.join().status == 200
