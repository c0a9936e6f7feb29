"""hookhost's top level: exports, lazy imports, errors and Response."""
import os
import pickle
import re
import subprocess
import sys

import pytest

import hookhost
from hookhost import BadRequest, HTTPError, NotAcceptable, Response, UnsupportedMediaType

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_exports():
    for name in ("Response", "HTTPError", "BadRequest", "UnsupportedMediaType", "NotAcceptable",
                 "content_types", "decoders", "encoders", "negotiation", "defaults", "__version__"):
        assert hasattr(hookhost, name), name
    assert hookhost.decoders.decode is not None
    assert hookhost.encoders.encode is not None
    from hookhost import decoders, encoders   # the from-import form works too
    assert decoders is hookhost.decoders and encoders is hookhost.encoders
    with pytest.raises(AttributeError):
        hookhost.no_such_thing


def test_version_matches_configure():
    configure = os.path.join(os.path.dirname(PYTHON_DIR), "configure.ac")
    if not os.path.exists(configure):
        pytest.skip("configure.ac is not beside python/")
    with open(configure) as stream:
        version = re.search(r"AC_INIT\(\[hookhost\],\s*\[([^\]]+)\]", stream.read()).group(1)
    assert hookhost.__version__ == version


def test_import_loads_no_numpy():
    code = ("import sys, hookhost; print('numpy' in sys.modules); "
            "hookhost.encoders; print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=PYTHON_DIR, check=True,
                         capture_output=True, text=True).stdout.split()
    assert out == ["False", "True"]


@pytest.mark.parametrize("cls, status", [(BadRequest, 400), (NotAcceptable, 406),
                                         (UnsupportedMediaType, 415)])
def test_error_subclasses(cls, status):
    error = cls("bad thing")
    assert isinstance(error, HTTPError) and isinstance(error, Exception)
    assert error.status == status and error.status_code == status
    assert error.message == "bad thing" and str(error) == "bad thing"
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls and copy.status == status and copy.message == "bad thing"


def test_http_error():
    error = HTTPError(429, "slow down")
    assert (error.status, error.status_code) == (429, 429)
    assert error.message == str(error) == "slow down"
    assert pickle.loads(pickle.dumps(error)).status == 429
    error.status = 503
    assert error.status_code == 503
    assert HTTPError(400).message == ""
    for status in (200, 399, 600):
        with pytest.raises(ValueError):
            HTTPError(status, "x")
    for status in ("400", 400.0, True):
        with pytest.raises(TypeError):
            HTTPError(status, "x")


def test_response_defaults():
    response = Response("héllo")
    assert response.body == "héllo".encode("utf-8")
    assert response.status == 200 and response.status_code == 200
    assert response.headers == {} and response.content_type is None
    assert response.get_data() == response.body


def test_response_fields():
    response = Response(b"\x00\x01", status=201, content_type="application/octet-stream",
                        headers={"content-type": "text/plain", "X-Model": "v2"})
    assert response.body == b"\x00\x01" and response.status_code == 201
    assert response.headers == {"X-Model": "v2", "Content-Type": "application/octet-stream"}
    assert response.content_type == "application/octet-stream"
    assert Response(b"", headers=[("Content-Type", "text/csv")]).content_type == "text/csv"
    assert Response(bytearray(b"ab")).body == b"ab" and Response(memoryview(b"ab")).body == b"ab"
    assert Response(None).body == b""


def test_response_refuses_bad_values():
    with pytest.raises(TypeError):
        Response(123)
    with pytest.raises(TypeError):
        Response(b"", status="200")
    with pytest.raises(ValueError):
        Response(b"", status=99)
    with pytest.raises(ValueError):
        Response(b"", status=600)
