"""hookhost.testing.Harness answers exactly as the server does.

Every request below goes to a real hookhost server ($HOOKHOST_BIN) and to a
Harness loading the very same script file and model directory with the same
environment; status, Content-Type, the other headers (Date and Connection
aside, which only HTTP has) and the body bytes must be identical.  The
requests cover every hook shape, the default codecs (JSON, CSV, NPY, JSON
Lines), Accept negotiation and defaulting, errors 400/406/415/500, statuses
from exceptions, response objects and tuples, hookhost's own refusals of a
return value, and the server's switches (HOOKHOST_FASTPATH=0,
HOOKHOST_ERROR_TRACEBACKS=1, SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT).
"""
import io
import os
import sys
from pathlib import Path

import numpy
import pytest

from conftest import REPO, python_dir

# The harness must run the server's own C codecs (hookhost._codecs) to answer as it does: the build
# tree's, beside the binary under test, unless HOOKHOST_EXTENSION_DIR (set by make check) says otherwise.
os.environ.setdefault("HOOKHOST_EXTENSION_DIR", str(
    Path(os.environ.get("HOOKHOST_BIN") or REPO / "build" / "src" / "hookhost").resolve().parent.parent
    / "python" / "hookhost"))
sys.path.insert(0, python_dir())
from hookhost import _fastpath  # noqa: E402
from hookhost.testing import Harness  # noqa: E402

# ----------------------------------------------------------------------------- the scripts

DEFAULTS_SCRIPT = r'''
"""model_fn only: the default input_fn, predict_fn and output_fn serve.
The model doubles its input, or does something else when the first value is a code."""
import numpy


class Model:
    def __call__(self, data):
        data = numpy.asarray(data)
        code = float(data.flat[0]) if data.size else 0.0
        if code == 1001:
            return data.reshape((1, 1) + data.shape)
        if code == 1002:
            return {"labels": ["a", "b"], "scores": data.tolist()}
        if code == 1003:
            return data.astype(numpy.int64)
        if code == 1004:
            raise ValueError("the model refuses input starting with 1004")
        if code == 1005:
            return numpy.array([numpy.nan, numpy.inf, -numpy.inf, -0.0, 1e-45, 3.4028235e38, 0.1])
        if code == 1006:
            return [data, data * 2]
        if code == 1007:
            return numpy.float32(3.5)
        if code == 1008:
            return data > 1008.5
        if code == 1009:
            return numpy.array(["x", "y\u00e9"])
        return data * 2


def model_fn(model_dir):
    return Model()
'''

HOOKS_SCRIPT = r'''
"""input_fn, predict_fn and output_fn; the body picks what happens."""
import json

from hookhost import UnsupportedMediaType


class StatusError(Exception):
    def __init__(self, message, **attributes):
        super().__init__(message)
        for name, value in attributes.items():
            setattr(self, name, value)


class Silent(Exception):
    pass


class MessageList(Exception):
    message = ["not", "a", "str"]


def model_fn(model_dir):
    return {"model_dir": model_dir}


def input_fn(body, content_type):
    if content_type == "application/x-reject":
        raise UnsupportedMediaType("this script does not read %s" % content_type)
    text = body if isinstance(body, str) else body.decode("latin-1")
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return {"type": type(body).__name__, "content_type": content_type, "text": text, "hex": raw.hex()}


def predict_fn(data, model):
    command = data["text"].strip()
    if command == "teapot":
        raise StatusError("short and stout", status_code=418)
    if command == "status-attr":
        raise StatusError("unprocessable", status=422)
    if command == "status-str":
        raise StatusError("status is text", status_code="503")
    if command == "status-bool":
        raise StatusError("status is a bool", status_code=True)
    if command == "status-302":
        raise StatusError("not an error status", status_code=302)
    if command == "silent":
        raise Silent()
    if command == "odd-message":
        raise ValueError('quotes " and \\ backslash\nnew line\ttab \x01\x1f\x7f caf\u00e9 \u2028 \U0001F600 end')
    if command == "nul-message":
        raise ValueError("before the NUL\x00after it")
    if command == "message-list":
        raise MessageList("the str of it")
    if command == "exit":
        raise SystemExit(3)
    if command == "key":
        return {}["missing"]
    data["model_dir_type"] = type(model["model_dir"]).__name__
    return data


def output_fn(prediction, accept):
    prediction["accept"] = accept
    return json.dumps(prediction, sort_keys=True)
'''

TRANSFORM_SCRIPT = r'''
"""model_fn + transform_fn: the body names the return value."""
import collections

from hookhost import Response

Pair = collections.namedtuple("Pair", "body content_type")


class FakeResponse:
    def __init__(self, body, status_code=200, headers=None, status=None):
        self.body = body
        if status_code is not None:
            self.status_code = status_code
        if status is not None:
            self.status = status
        self.headers = headers or []


def model_fn(model_dir):
    return "the model"


def transform_fn(model, body, content_type, accept):
    command = (body if isinstance(body, str) else body.decode("latin-1")).strip()
    if command == "tuple-none":
        return "body for the accept", None
    if command == "tuple-int":
        return "x", 5
    if command == "tuple-3":
        return b"a", "b", "c"
    if command == "namedtuple":
        return Pair(b"named", "application/x-named")
    if command == "bytearray":
        return bytearray(b"from a bytearray")
    if command == "memoryview":
        return memoryview(b"from a memoryview")
    if command == "surrogate":
        return "lone \udc80 surrogate"
    if command == "ct-newline":
        return b"x", "text/plain\r\nX-Evil: 1"
    if command == "ct-control":
        return b"x", "text/plain\x01"
    if command == "ct-empty":
        return b"no type", ""
    if command == "ct-nul":
        return b"x", "text/pl\x00ain"
    if command == "status-204":
        return Response(b"dropped", status=204, content_type="text/plain")
    if command == "status-150":
        return Response(b"early", status=150, content_type="text/plain")
    if command == "status-418":
        return Response("I'm a teapot", status=418, content_type="text/plain")
    if command == "status-text":
        return FakeResponse(b"created", status_code=None, status="201 CREATED")
    if command == "status-bool":
        return FakeResponse(b"x", status_code=True)
    if command == "headers":
        return FakeResponse(b"headers", headers=[
            ("X-Good", "1"), ("X-Bad\r\n", "2"), ("X-Inject", "a\r\nb"), ("Content-Length", "99"),
            ("Transfer-Encoding", "chunked"), ("X Space", "3"), ("X-Tab", "a\tb"), ("X-Ctl", "a\x01b"),
            ("X-Utf8", "caf\u00e9"), ("X-Dup", "1"), ("X-Dup", "2"), ("content-type", "text/x-from-headers")])
    if command == "big-headers":
        return FakeResponse(b"x", headers=[("X-Big-%d" % i, "v" * 1000) for i in range(80)])
    if command == "mapping-headers":
        return Response(b"mapped", status=202, headers={"X-One": "1", "X-Two": "2"})
    if command == "none":
        return None
    if command == "array":
        import numpy
        return numpy.zeros(2)
    return "echo: %s | %s | %s | %s" % (command, type(body).__name__, content_type, accept)
'''

# ----------------------------------------------------------------------------- the requests


def npy(array, allow_pickle=False):
    buffer = io.BytesIO()
    numpy.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


SERVERS = {
    # name: (script text or None, script file, env)
    "defaults": (DEFAULTS_SCRIPT, None, {}),
    "defaults-python": (DEFAULTS_SCRIPT, None, {"HOOKHOST_FASTPATH": "0"}),
    "defaults-csv-default": (DEFAULTS_SCRIPT, None, {"SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv"}),
    "hooks": (HOOKS_SCRIPT, None, {"SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/x-default-accept"}),
    "hooks-traces": (HOOKS_SCRIPT, None, {"HOOKHOST_ERROR_TRACEBACKS": "1"}),
    "output-types": (None, "output_types.py", {}),
    "transform": (TRANSFORM_SCRIPT, None, {}),
}

JSON, CSV, NPY, JSONL = "application/json", "text/csv", "application/x-npy", "application/jsonlines"

CASES = [
    # (id, server, body, content type, accept)
    ("json-json", "defaults", b"[[1, 2], [3, 4.5]]", JSON, JSON),
    ("json-csv", "defaults", b"[[1, 2], [3, 4.5]]", JSON, CSV),
    ("json-npy", "defaults", b"[[1, 2], [3, 4.5]]", JSON, NPY),
    ("json-jsonlines", "defaults", b"[[1, 2], [3, 4.5]]", JSON, JSONL),
    ("csv-json", "defaults", b"1,2\n3,4\n", CSV, JSON),
    ("csv-quotes-comments", "defaults", b'# header\n"1", 2.5e1\r\n  \n3,"-4"\n', CSV, CSV),
    ("npy-float64-npy", "defaults", npy(numpy.arange(6, dtype=numpy.float64).reshape(2, 3) / 7), NPY, NPY),
    ("npy-int32-json", "defaults", npy(numpy.arange(5, dtype=numpy.int32)), NPY, JSON),
    ("npy-fortran-npy", "defaults", npy(numpy.asfortranarray(numpy.arange(6.0).reshape(2, 3))), NPY, NPY),
    ("jsonlines-csv", "defaults", b"[1, 2]\n[3, 4]\n", JSONL, CSV),
    ("accept-q-values", "defaults", b"[1]", JSON, "text/csv;q=0.5, application/x-npy;q=0.9"),
    ("accept-any", "defaults", b"[1]", JSON, "*/*"),
    ("accept-empty", "defaults", b"[1]", JSON, ""),
    ("accept-missing", "defaults", b"[1]", JSON, None),
    ("accept-type-wildcard", "defaults", b"[1]", JSON, "text/*"),
    ("accept-q0-excludes", "defaults", b"[1]", JSON, "application/json;q=0, */*;q=0.1"),
    ("content-type-missing", "defaults", b"[1, 2]", None, None),
    ("content-type-params", "defaults", b"[1, 2]", "Application/JSON; charset=utf-8", "TEXT/CSV"),
    ("400-bad-json", "defaults", b"[1,", JSON, JSON),
    ("400-ragged", "defaults", b"[[1], [1, 2]]", JSON, JSON),
    ("400-csv-field", "defaults", b"1,2\n3,abc\n", CSV, JSON),
    ("400-csv-width", "defaults", b"1,2\n3\n", CSV, JSON),
    ("400-npy-magic", "defaults", b"not an npy file", NPY, JSON),
    ("400-npy-truncated", "defaults", npy(numpy.arange(10.0))[:-8], NPY, JSON),
    ("400-npy-pickle", "defaults", npy(numpy.array([{"a": 1}], dtype=object), allow_pickle=True), NPY, JSON),
    ("400-empty", "defaults", b"", JSON, JSON),
    ("400-invalid-utf8", "defaults", b"[1, 2]\xff", JSON, JSON),
    ("400-jsonlines-object", "defaults", b'{"a": 1}\n', JSONL, JSON),
    ("415-text-plain", "defaults", b"1 2 3", "text/plain", JSON),
    ("415-wildcard-type", "defaults", b"[1]", "*/*", JSON),
    ("406-html", "defaults", b"[1]", JSON, "text/html"),
    ("406-csv-3d", "defaults", b"[1001, 2]", JSON, CSV),
    ("dict-json", "defaults", b"[1002, 2]", JSON, JSON),
    ("dict-csv", "defaults", b"[1002, 2]", JSON, CSV),
    ("int64-csv", "defaults", b"[1003, 2.7]", JSON, CSV),
    ("500-model-raises", "defaults", b"[1004]", JSON, JSON),
    ("special-floats-json", "defaults", b"[1005]", JSON, JSON),
    ("special-floats-csv", "defaults", b"[1005]", JSON, CSV),
    ("list-of-arrays-json", "defaults", b"[1006, 1]", JSON, JSON),
    ("list-of-arrays-jsonlines", "defaults", b"[1006, 1]", JSON, JSONL),
    ("scalar-csv", "defaults", b"[1007]", JSON, CSV),
    ("bool-npy", "defaults", b"[1008, 1009]", JSON, NPY),
    ("unicode-array-csv", "defaults", b"[1009]", JSON, CSV),
    ("python-json-csv", "defaults-python", b"[[1, 2], [3, 4.5]]", JSON, CSV),
    ("python-400", "defaults-python", b"[1,", JSON, JSON),
    ("python-406", "defaults-python", b"[1]", JSON, "text/html"),
    ("python-npy", "defaults-python", npy(numpy.arange(3, dtype=">f4")), NPY, NPY),
    ("default-accept-csv", "defaults-csv-default", b"[[1, 2]]", JSON, None),
    ("default-accept-csv-any", "defaults-csv-default", b"[[1, 2]]", JSON, "*/*"),
    ("hooks-json-str", "hooks", b'{"x": 1}', JSON, "application/x-wanted"),
    ("hooks-bytes", "hooks", bytes(range(0, 256, 7)), "application/octet-stream", "application/x-wanted"),
    ("hooks-csv-invalid-utf8", "hooks", b"caf\xc3\xa9,\xff\xfe", "text/csv; charset=latin-1", "text/plain"),
    ("hooks-default-accept", "hooks", b"plain", "text/plain", None),
    ("hooks-default-accept-any", "hooks", b"plain", "text/plain", " */* "),
    ("hooks-415", "hooks", b"x", "application/x-reject", JSON),
    ("hooks-418", "hooks", b"teapot", "text/plain", JSON),
    ("hooks-422-status-attr", "hooks", b"status-attr", "text/plain", JSON),
    ("hooks-status-str", "hooks", b"status-str", "text/plain", JSON),
    ("hooks-status-bool", "hooks", b"status-bool", "text/plain", JSON),
    ("hooks-status-302", "hooks", b"status-302", "text/plain", JSON),
    ("hooks-silent", "hooks", b"silent", "text/plain", JSON),
    ("hooks-odd-message", "hooks", b"odd-message", "text/plain", JSON),
    ("hooks-nul-message", "hooks", b"nul-message", "text/plain", JSON),
    ("hooks-message-list", "hooks", b"message-list", "text/plain", JSON),
    ("hooks-system-exit", "hooks", b"exit", "text/plain", JSON),
    ("traces-key-error", "hooks-traces", b"key", "text/plain", JSON),
    ("traces-teapot", "hooks-traces", b"teapot", "text/plain", JSON),
    ("traces-415", "hooks-traces", b"x", "application/x-reject", JSON),
    ("output-bytes", "output-types", b"bytes", "text/plain", "application/x-bytes"),
    ("output-str", "output-types", b"str", "text/plain", None),
    ("output-tuple", "output-types", b"tuple", "text/plain", JSON),
    ("output-tuple-str", "output-types", b"tuple_str", "text/plain", JSON),
    ("output-hookhost-response", "output-types", b"hookhost", "text/plain", JSON),
    ("output-flask", "output-types", b"flask", "text/plain", JSON),
    ("output-flask-header-type", "output-types", b"flask_header_type", "text/plain", JSON),
    ("output-werkzeug-iter", "output-types", b"werkzeug_iter", "text/plain", JSON),
    ("output-widget", "output-types", b"widget", "text/plain", JSON),
    ("output-none", "output-types", b"none", "text/plain", JSON),
    ("transform-echo", "transform", b"hello", CSV, "application/x-echo"),
    ("transform-tuple-none", "transform", b"tuple-none", "text/plain", "application/x-accepted"),
    ("transform-tuple-int", "transform", b"tuple-int", "text/plain", JSON),
    ("transform-tuple-3", "transform", b"tuple-3", "text/plain", JSON),
    ("transform-namedtuple", "transform", b"namedtuple", "text/plain", JSON),
    ("transform-bytearray", "transform", b"bytearray", "text/plain", "application/x-ba"),
    ("transform-memoryview", "transform", b"memoryview", "text/plain", "application/x-mv"),
    ("transform-surrogate", "transform", b"surrogate", "text/plain", JSON),
    ("transform-ct-newline", "transform", b"ct-newline", "text/plain", JSON),
    ("transform-ct-control", "transform", b"ct-control", "text/plain", JSON),
    ("transform-ct-empty", "transform", b"ct-empty", "text/plain", JSON),
    ("transform-ct-nul", "transform", b"ct-nul", "text/plain", JSON),
    ("transform-204", "transform", b"status-204", "text/plain", JSON),
    ("transform-150", "transform", b"status-150", "text/plain", JSON),
    ("transform-418-response", "transform", b"status-418", "text/plain", JSON),
    ("transform-status-text", "transform", b"status-text", "text/plain", "application/x-st"),
    ("transform-status-bool", "transform", b"status-bool", "text/plain", JSON),
    ("transform-headers", "transform", b"headers", "text/plain", JSON),
    ("transform-big-headers", "transform", b"big-headers", "text/plain", JSON),
    ("transform-mapping-headers", "transform", b"mapping-headers", "text/plain", "application/x-m"),
    ("transform-none", "transform", b"none", "text/plain", JSON),
    ("transform-array", "transform", b"array", "text/plain", JSON),
]

HTTP_ONLY_HEADERS = ("date", "connection", "keep-alive")


def test_there_are_at_least_fifty_requests():
    assert len(CASES) >= 50
    assert len({case[0] for case in CASES}) == len(CASES), "duplicate case ids"


# ----------------------------------------------------------------------------- the pairs

def _clean_env(extra):
    """The server's environment as the harness sees it: the caller's SAGEMAKER_* and
    hookhost switches removed (the server's Server helper drops them too), then extra."""
    env = {name: None for name in os.environ
           if name.startswith("SAGEMAKER_") or name in ("HOOKHOST_FASTPATH", "HOOKHOST_ERROR_TRACEBACKS",
                                                        "HOOKHOST_NPY_ALLOW_PICKLE")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def pairs(module_server_factory):
    """name -> (server, harness), started on first use."""
    if _fastpath._codecs is None:
        pytest.fail("hookhost._codecs (the server's C codecs for Python) is not built or not found: build the tree "
                    "and set HOOKHOST_EXTENSION_DIR to <build>/python/hookhost", pytrace=False)
    started = {}

    def get(name):
        if name not in started:
            script, script_file, env = SERVERS[name]
            server = module_server_factory(script=script, script_file=script_file, env=env)
            harness = Harness(server.code_dir / "inference.py", str(server.model_dir), env=_clean_env(env))
            started[name] = (server, harness)
        return started[name]

    yield get
    for _, harness in started.values():
        harness.close()


def _comparable(header_list, from_http=False):
    # http.client reads header bytes as latin-1; the harness holds the text the script wrote.
    return [(name.lower(), value.encode("latin-1").decode("utf-8") if from_http else value)
            for name, value in header_list if name.lower() not in HTTP_ONLY_HEADERS]


@pytest.mark.parametrize("case_id,server_name,body,content_type,accept", CASES, ids=[case[0] for case in CASES])
def test_harness_answers_as_the_server(pairs, case_id, server_name, body, content_type, accept):
    server, harness = pairs(server_name)
    reply = server.invoke(body, content_type=content_type, accept=accept)
    result = harness.invoke(body, content_type=content_type, accept=accept)
    assert result.status == reply.status, (case_id, reply, result)
    assert result.content_type == reply.content_type, (case_id, reply, result)
    assert result.body == reply.body, (case_id, reply, result)
    assert _comparable(result.header_list) == _comparable(reply.header_list, from_http=True), \
        (case_id, reply, result)


# ----------------------------------------------------------------------------- the cases check what they claim

def test_cases_reach_every_status_class(pairs):
    """A parity test that compared only 200s would prove little: the cases above
    must produce each of 200, 204, 400, 406, 415, 418, 422 and 500 (checked on the server)."""
    seen = set()
    for case_id, server_name, body, content_type, accept in CASES:
        server, _ = pairs(server_name)
        seen.add(server.invoke(body, content_type=content_type, accept=accept).status)
    assert {200, 201, 202, 204, 400, 406, 415, 418, 422, 500} <= seen, sorted(seen)


def test_tracebacks_match_when_enabled(pairs):
    server, harness = pairs("hooks-traces")
    reply = server.invoke(b"key", content_type="text/plain")
    result = harness.invoke(b"key", content_type="text/plain")
    trace = reply.json()["stack-trace"]
    assert "KeyError" in trace and "predict_fn" in trace, trace
    assert result.json()["stack-trace"] == trace
