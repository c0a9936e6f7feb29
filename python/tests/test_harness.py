"""hookhost.testing.Harness: loading as a worker does, answering as the server does.

Byte-for-byte parity with the real server over many requests is
tests/http/test_harness_parity.py; these are the rules one by one, without
a server.
"""
import io
import json
import os
import sys
import textwrap

import numpy
import pytest

from hookhost.testing import Harness, LoadError, error_json_body


def write_script(directory, text, name="inference.py"):
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def model_dir(tmp_path):
    path = tmp_path / "model"
    path.mkdir()
    return path


DOUBLING = """
    def model_fn(model_dir):
        return lambda data: data * 2
"""


# ----------------------------------------------------------------------------- loading

def test_model_fn_gets_model_dir_as_str_once(tmp_path, model_dir):
    script = write_script(tmp_path / "code", """
        calls = []

        def model_fn(model_dir):
            calls.append(model_dir)
            return {"dir": model_dir}

        def transform_fn(model, body, content_type, accept):
            return "%s %s %d" % (type(model["dir"]).__name__, model["dir"], len(calls))
    """)
    harness = Harness(script, model_dir)
    assert harness.invoke(b"x").body == ("str %s 1" % model_dir).encode()
    assert harness.invoke(b"x").body == ("str %s 1" % model_dir).encode()
    assert harness.module.calls == [str(model_dir)]


def test_hooks_report(tmp_path, model_dir):
    harness = Harness(write_script(tmp_path / "a", """
        def model_fn(model_dir): return None
        def predict_fn(data, model): return data
        def execution_parameters_fn(): return {"BatchStrategy": "SINGLE_RECORD"}
    """), model_dir)
    assert harness.hooks == {"model_fn": "user", "input_fn": "default", "predict_fn": "user",
                             "output_fn": "default", "transform_fn": "none", "execution_parameters_fn": "user"}
    assert json.loads(harness.execution_parameters) == {"BatchStrategy": "SINGLE_RECORD"}
    harness = Harness(write_script(tmp_path / "b", """
        def model_fn(model_dir): return None
        def transform_fn(model, body, content_type, accept): return body
    """), model_dir)
    assert harness.hooks["transform_fn"] == "user" and harness.hooks["input_fn"] == "none"
    assert harness.execution_parameters is None


def test_script_dir_first_on_sys_path_and_sibling_import(tmp_path, model_dir):
    code = tmp_path / "code"
    write_script(code, "VALUE = 'sibling'\n", name="helper.py")
    script = write_script(code, """
        import sys
        import helper

        def model_fn(model_dir):
            return sys.path[0]

        def transform_fn(model, body, content_type, accept):
            import helper as again                      # a lazy import inside a hook works too
            return "%s %s" % (again.VALUE, model)
    """)
    path_before = list(sys.path)
    harness = Harness(script, model_dir)
    assert harness.invoke(b"").body == ("sibling %s" % code).encode()
    assert sys.path == path_before, "the harness left its code dir on sys.path"


@pytest.mark.parametrize("others", [("input_fn",), ("predict_fn", "output_fn"),
                                    ("input_fn", "predict_fn", "output_fn")])
def test_transform_fn_mixed_is_refused_with_the_server_message(tmp_path, model_dir, others):
    hooks = "".join("def %s(a, b): return a\n" % name for name in others)
    script = write_script(tmp_path, "def model_fn(d): return 1\ndef transform_fn(m, b, c, a): return b\n" + hooks)
    with pytest.raises(LoadError) as caught:
        Harness(script, model_dir)
    error = caught.value
    assert error.fatal and error.name == "ScriptError"
    assert error.message.startswith("cannot use transform_fn with input_fn, predict_fn and/or output_fn: "
                                    "inference.py defines transform_fn")
    for name in others:
        assert " and %s" % name in error.message
    assert error.message.endswith("; define transform_fn alone, or the other three without it")


def test_missing_model_fn(tmp_path, model_dir):
    script = write_script(tmp_path, "def predict_fn(data, model): return data\nmodel_fn = 'not callable'\n")
    with pytest.raises(LoadError) as caught:
        Harness(script, model_dir)
    assert caught.value.fatal and caught.value.name == "ScriptError"
    assert caught.value.message == ("inference.py does not define model_fn(model_dir), which hookhost calls "
                                    "once per worker to load the model")


def test_import_error_carries_the_traceback(tmp_path, model_dir):
    script = write_script(tmp_path, "import no_such_module_for_hookhost\n")
    with pytest.raises(LoadError) as caught:
        Harness(script, model_dir)
    error = caught.value
    assert not error.fatal
    assert error.name == "ModuleNotFoundError"
    assert error.message == "No module named 'no_such_module_for_hookhost'"
    assert "Traceback (most recent call last)" in error.traceback
    assert "inference.py" in error.traceback


def test_model_fn_exception(tmp_path, model_dir):
    script = write_script(tmp_path, """
        def model_fn(model_dir):
            raise FileNotFoundError("no model file in %s" % model_dir)
    """)
    with pytest.raises(LoadError) as caught:
        Harness(script, model_dir)
    assert caught.value.name == "FileNotFoundError" and not caught.value.fatal
    assert caught.value.message == "no model file in %s" % model_dir
    assert "in model_fn" in caught.value.traceback


def test_missing_script(tmp_path, model_dir):
    with pytest.raises(LoadError) as caught:
        Harness(tmp_path / "nope.py", model_dir)
    assert "no such file" in caught.value.message


def test_each_harness_imports_afresh(tmp_path, model_dir):
    """Two scripts both called inference.py, with sibling modules called alike."""
    first = tmp_path / "one"
    second = tmp_path / "two"
    for directory, word in ((first, "one"), (second, "two")):
        write_script(directory, "WORD = %r\n" % word, name="words.py")
        write_script(directory, """
            import words
            state = []
            def model_fn(model_dir): return None
            def transform_fn(model, body, content_type, accept):
                import words as lazily
                state.append(1)
                return "%s %s %d" % (words.WORD, lazily.WORD, len(state))
        """)
    harness_one = Harness(first / "inference.py", model_dir)
    harness_two = Harness(second / "inference.py", model_dir)
    assert harness_two.invoke(b"").body == b"two two 1"
    assert harness_one.invoke(b"").body == b"one one 1"
    assert harness_one.module is not harness_two.module
    again = Harness(first / "inference.py", model_dir)
    assert again.invoke(b"").body == b"one one 1", "module state leaked into a new Harness"
    for harness in (harness_one, harness_two, again):
        harness.close()
    assert "words" not in sys.modules or not sys.modules["words"].__file__.startswith(str(tmp_path))


# ----------------------------------------------------------------------------- env

def test_env_is_laid_over_and_restored(tmp_path, model_dir, monkeypatch):
    monkeypatch.setenv("HOOKHOST_TEST_OUTSIDE", "outside")
    monkeypatch.delenv("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", raising=False)
    script = write_script(tmp_path, """
        import os
        seen = {}
        def model_fn(model_dir):
            seen["load"] = os.environ.get("MY_SETTING")
            return None
        def transform_fn(model, body, content_type, accept):
            return "%s %s %s %s" % (seen["load"], os.environ.get("MY_SETTING"),
                                    os.environ.get("HOOKHOST_TEST_OUTSIDE"), accept)
    """)
    harness = Harness(script, model_dir, env={"MY_SETTING": "on", "HOOKHOST_TEST_OUTSIDE": None,
                                              "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv"})
    assert harness.invoke(b"", accept=None).body == b"on on None text/csv"
    assert harness.invoke(b"", accept="*/*").body == b"on on None text/csv"
    assert harness.invoke(b"", accept="application/x-mine").body == b"on on None application/x-mine"
    assert "MY_SETTING" not in os.environ
    assert os.environ["HOOKHOST_TEST_OUTSIDE"] == "outside"


@pytest.mark.parametrize("name,value", [("HOOKHOST_ERROR_TRACEBACKS", "maybe"), ("HOOKHOST_FASTPATH", "2"),
                                        ("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "text/csv\n")])
def test_bad_settings_are_refused_as_the_server_refuses_them(tmp_path, model_dir, name, value):
    script = write_script(tmp_path, DOUBLING)
    with pytest.raises(ValueError, match=name):
        Harness(script, model_dir, env={name: value})


def test_tracebacks_setting(tmp_path, model_dir):
    script = write_script(tmp_path, """
        def model_fn(model_dir): return None
        def predict_fn(data, model): raise KeyError("k")
    """)
    plain = Harness(script, model_dir).invoke(b"[1]")
    assert plain.status == 500 and plain.json() == {"error": "KeyError", "error-message": "'k'"}
    traced = Harness(script, model_dir, env={"HOOKHOST_ERROR_TRACEBACKS": " Yes "}).invoke(b"[1]")
    trace = traced.json()["stack-trace"]
    assert trace.startswith("Traceback (most recent call last):\n")
    assert "in predict_fn" in trace and trace.endswith("KeyError: 'k'\n")
    assert "testing.py" not in trace, "the harness's own frames leaked into the trace"


# ----------------------------------------------------------------------------- requests

def test_default_codecs_and_result_helpers(tmp_path, model_dir):
    harness = Harness(write_script(tmp_path, DOUBLING), model_dir)
    result = harness.invoke(b"[[1, 2], [3, 4]]")
    assert result.status == 200 and result.ok
    assert result.headers["Content-Type"] == "application/json"
    assert result.headers["content-length"] == str(len(result.body))
    assert result.json() == [[2.0, 4.0], [6.0, 8.0]]
    assert result.array().tolist() == [[2.0, 4.0], [6.0, 8.0]]

    result = harness.invoke("1,2\n3,4\n", content_type="text/csv", accept="text/csv")
    assert result.content_type == "text/csv; charset=utf-8"
    assert result.body == b"2.0,4.0\n6.0,8.0\n"
    assert result.array().tolist() == [[2.0, 4.0], [6.0, 8.0]]

    buffer = io.BytesIO()
    numpy.save(buffer, numpy.arange(4, dtype=numpy.int16))
    result = harness.invoke(buffer.getvalue(), content_type="application/x-npy", accept="application/x-npy")
    assert result.array().dtype == numpy.int16 and result.array().tolist() == [0, 2, 4, 6]

    result = harness.invoke(b"[1, 2]\n[3, 4]\n", content_type="application/jsonlines",
                            accept="application/jsonlines")
    assert result.array().tolist() == [[2.0, 4.0], [6.0, 8.0]]


@pytest.mark.parametrize("body,content_type,accept,status,name", [
    (b"[1,", "application/json", None, 400, "BadRequest"),
    (b"", "application/json", None, 400, "BadRequest"),
    (b"1 2", "text/plain", None, 415, "UnsupportedMediaType"),
    (b"[1]", "application/json", "text/html", 406, "NotAcceptable"),
    (b"[[[1]]]", "application/json", "text/csv", 406, "NotAcceptable"),
])
def test_default_codec_errors(tmp_path, model_dir, body, content_type, accept, status, name):
    result = Harness(write_script(tmp_path, DOUBLING), model_dir).invoke(body, content_type, accept)
    assert result.status == status
    assert result.content_type == "application/json"
    assert result.error["error"] == name and result.error["error-message"]
    with pytest.raises(ValueError):
        result.array()


def test_content_type_none_means_json_and_body_types(tmp_path, model_dir):
    harness = Harness(write_script(tmp_path, """
        def model_fn(model_dir): return None
        def transform_fn(model, body, content_type, accept):
            return "%s|%s|%s" % (type(body).__name__, content_type, accept), "text/plain"
    """), model_dir)
    assert harness.invoke(b"[1]", content_type=None).body == b"str|application/json|application/json"
    assert harness.invoke(b"1", content_type="Text/CSV; charset=x").body.startswith(b"str|Text/CSV; charset=x|")
    assert harness.invoke(b"\x00", content_type="application/x-npy").body.startswith(b"bytes|")


def test_exception_status_rules(tmp_path, model_dir):
    harness = Harness(write_script(tmp_path, """
        class Failure(Exception):
            pass

        def model_fn(model_dir): return None

        def transform_fn(model, body, content_type, accept):
            error = Failure("failed: " + body)
            if body == "code":
                error.status_code = 451
            elif body == "status":
                error.status = 409
            elif body == "bool":
                error.status_code = True
            elif body == "low":
                error.status_code = 200
            elif body == "empty":
                raise Failure()
            raise error
    """), model_dir)
    expected = {"code": 451, "status": 409, "bool": 500, "low": 500, "other": 500}
    for body, status in expected.items():
        result = harness.invoke(body)
        assert result.status == status, body
        assert result.body == error_json_body("Failure", "failed: " + body)
    assert harness.invoke("empty").error["error-message"] == "Failure was raised without a message"


def test_response_shapes(tmp_path, model_dir):
    harness = Harness(write_script(tmp_path, """
        from hookhost import Response

        def model_fn(model_dir): return None

        def transform_fn(model, body, content_type, accept):
            if body == "response":
                return Response(b"made", status=201, content_type="application/x-made",
                                headers={"X-Made": "yes", "Content-Length": "1"})
            if body == "tuple":
                return b"\\x00\\x01", "application/octet-stream"
            if body == "no-content":
                return Response(b"ignored", status=204)
            if body == "bad":
                return 42
            return body
    """), model_dir)
    result = harness.invoke("response")
    assert (result.status, result.content_type, result.body) == (201, "application/x-made", b"made")
    assert result.headers["X-Made"] == "yes"
    assert result.header_list == [("Content-Length", "4"), ("Content-Type", "application/x-made"),
                                  ("X-Made", "yes")]
    assert harness.invoke("tuple").body == b"\x00\x01"
    result = harness.invoke("no-content")
    assert result.status == 204 and result.body == b"" and "Content-Length" not in result.headers
    result = harness.invoke("bad")
    assert result.status == 500
    assert result.error == {"error": "TypeError", "error-message": "transform_fn returned int; expected bytes, str, "
                                                                   "a (body, content_type) tuple or a response object"}
    result = harness.invoke("echo", accept="application/x-echo")
    assert (result.content_type, result.body) == ("application/x-echo", b"echo")


def test_error_json_body_is_janssons_compact_form():
    assert error_json_body("E", "m") == b'{"error":"E","error-message":"m"}'
    assert error_json_body("E", 'q"\\\b\f\n\r\t\x01\x1f\x7f\u00e9', "t\n") == (
        b'{"error":"E","error-message":"q\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001F\x7f\xc3\xa9","stack-trace":"t\\n"}')


def test_closed_harness_refuses(tmp_path, model_dir):
    with Harness(write_script(tmp_path, DOUBLING), model_dir) as harness:
        assert harness.invoke(b"[1]").status == 200
    with pytest.raises(RuntimeError):
        harness.invoke(b"[1]")
