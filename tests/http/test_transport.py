"""How bodies travel between the master and the workers (README "Layout").

Bodies under 64 KiB go over the worker's socketpair; larger ones through the worker's request and
reply memfds.  Every size must arrive byte for byte, around the threshold and far above it, in
both directions, through user hooks (bytes) and through the C fast paths (NPY from the array's
own memory), and the files must shrink back after a large body.
"""
import hashlib
import io
import os
import random

import numpy
import pytest

from conftest import http_request, wait_until

THRESHOLD = 64 * 1024
SIZES = [0, 1, THRESHOLD - 1, THRESHOLD, THRESHOLD + 1, 3 * THRESHOLD + 7, 5 * 1024 * 1024 + 3]


def pattern(size):
    block = hashlib.sha256(str(size).encode()).digest() * 32
    return (block * (size // len(block) + 1))[:size]


@pytest.fixture(scope="module")
def echo_server(module_server_factory):
    return module_server_factory(script_file="echo_bytes.py", workers=1,
                                 env={"SAGEMAKER_MAX_PAYLOAD_IN_MB": "16"})


def worker_pids(server):
    children = "/proc/%d/task/%d/children" % (server.proc.pid, server.proc.pid)
    with open(children) as listing:
        return [int(pid) for pid in listing.read().split()]


@pytest.mark.parametrize("size", SIZES)
def test_request_bodies_arrive_byte_for_byte(echo_server, size):
    body = bytes(random.Random(size).getrandbits(8) for _ in range(min(size, 4096))) * (size // 4096 + 1)
    body = body[:size]
    reply = http_request(echo_server.port, "POST", "/invocations", body=body,
                         headers={"Content-Type": "application/octet-stream"}, timeout=60)
    assert reply.status == 200, reply
    assert len(reply.body) == size
    assert reply.body == body


@pytest.mark.parametrize("size", SIZES[1:])
def test_reply_bodies_arrive_byte_for_byte(echo_server, size):
    reply = http_request(echo_server.port, "POST", "/invocations", body=b"size:%d\n" % size,
                         headers={"Content-Type": "application/octet-stream"}, timeout=60)
    assert reply.status == 200, reply
    assert reply.header("Content-Length") == str(size)
    assert reply.body == pattern(size)


def test_sizes_alternate_on_one_connection(echo_server):
    """A small body after a large one must not see the large one's leftovers (files are reused)."""
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", echo_server.port, timeout=60)
    for size in (4 * 1024 * 1024, 70000, 100, 4 * 1024 * 1024 - 1, THRESHOLD, 5):
        body = pattern(size + 1)[1:]
        connection.request("POST", "/invocations", body=body, headers={"Content-Type": "application/octet-stream"})
        response = connection.getresponse()
        data = response.read()
        assert response.status == 200
        assert data == body, size
        connection.request("POST", "/invocations", body=b"size:%d\n" % size,
                           headers={"Content-Type": "application/octet-stream"})
        response = connection.getresponse()
        assert response.read() == pattern(size), size
    connection.close()


def test_workers_hold_both_body_files(echo_server):
    (pid,) = worker_pids(echo_server)
    names = {fd: os.readlink("/proc/%d/fd/%d" % (pid, fd)) for fd in (3, 4, 5)}
    assert names[3].startswith("socket:")
    assert names[4] == "/memfd:hookhost-request-body (deleted)"
    assert names[5] == "/memfd:hookhost-reply-body (deleted)"


def file_size(pid, fd):
    return os.stat("/proc/%d/fd/%d" % (pid, fd)).st_size


def test_body_files_shrink_after_a_large_body(echo_server):
    (pid,) = worker_pids(echo_server)
    big = 8 * 1024 * 1024
    reply = http_request(echo_server.port, "POST", "/invocations", body=pattern(big),
                         headers={"Content-Type": "application/octet-stream"}, timeout=60)
    assert reply.status == 200 and len(reply.body) == big
    assert file_size(pid, 4) >= big and file_size(pid, 5) >= big
    small = 100 * 1024
    reply = http_request(echo_server.port, "POST", "/invocations", body=pattern(small),
                         headers={"Content-Type": "application/octet-stream"}, timeout=60)
    assert reply.body == pattern(small)
    # both files now hold the small body only, not the 8 MB one
    assert file_size(pid, 4) == small
    assert file_size(pid, 5) == small


def test_large_npy_round_trip_through_the_fast_paths(module_server_factory):
    """Default hooks: a 4 MB NPY in, the decoded array (a view of the request bytes) out again
    from the array's own memory through the reply file."""
    server = module_server_factory(script="def model_fn(model_dir):\n    return lambda x: x * 2\n", workers=1)
    array = numpy.random.default_rng(7).standard_normal((10000, 100)).astype(numpy.float32)
    buffer = io.BytesIO()
    numpy.save(buffer, array)
    reply = http_request(server.port, "POST", "/invocations", body=buffer.getvalue(),
                         headers={"Content-Type": "application/x-npy", "Accept": "application/x-npy"}, timeout=60)
    assert reply.status == 200, reply
    result = numpy.load(io.BytesIO(reply.body))
    assert result.dtype == numpy.float32 and result.shape == (10000, 100)
    assert numpy.array_equal(result, array * 2)
    # and as JSON, a large text reply
    reply = http_request(server.port, "POST", "/invocations", body=buffer.getvalue(),
                         headers={"Content-Type": "application/x-npy", "Accept": "application/json"}, timeout=60)
    assert reply.status == 200
    assert numpy.array_equal(numpy.array(reply.json(), dtype=numpy.float32), array * 2)
