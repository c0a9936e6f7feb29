"""CONTRACT.md section 3 (the hook chain) and the default codecs it falls back on (section 4)."""
import io
import json
import os
import re

import numpy
import pytest

from conftest import (LOG_LINE, assert_error_reply, mlp_forward, mlp_weights, script_text, wait_until)


# ----------------------------------------------------------------------------- arguments: body type

@pytest.mark.parametrize("content_type,expected_type", [
    ("application/json", "str"),
    ("text/csv", "str"),
    ("application/json; charset=utf-8", "str"),
    ("APPLICATION/JSON", "str"),
    ("Text/CSV; charset=latin-1", "str"),
    ("application/x-npy", "bytes"),
    ("application/octet-stream", "bytes"),
    ("text/plain", "bytes"),
    ("application/jsonx", "bytes"),
    ("image/jpeg", "bytes"),
])
def test_body_type_follows_media_type(hooks_server, content_type, expected_type):
    body = b"1,2,3\n" if "csv" in content_type.lower() else b"[1, 2, 3]"
    reply = hooks_server.invoke(body, content_type=content_type, accept="application/x-probe")
    assert reply.status == 200, reply
    answer = reply.json()
    assert answer["body_type"] == expected_type, answer
    assert bytes.fromhex(answer["body_hex"]) == body
    assert answer["content_type"] == content_type, "content_type not passed as sent"


def test_binary_body_bytes_unchanged(hooks_server):
    body = bytes(range(256)) * 4
    reply = hooks_server.invoke(body, content_type="application/x-npy", accept="application/x-probe")
    answer = reply.json()
    assert answer["body_type"] == "bytes"
    assert bytes.fromhex(answer["body_hex"]) == body


def test_json_body_invalid_utf8_is_replaced(hooks_server):
    body = b'["caf\xc3\xa9", "bad \xff\xfe byte"]'
    reply = hooks_server.invoke(body, content_type="application/json", accept="application/x-probe")
    answer = reply.json()
    assert answer["body_type"] == "str"
    assert answer["body_text"] == body.decode("utf-8", "replace")
    assert "\ufffd" in answer["body_text"] and "caf\u00e9" in answer["body_text"]


def test_empty_body(hooks_server):
    reply = hooks_server.invoke(b"", content_type="application/octet-stream", accept="application/x-probe")
    assert reply.status == 200
    assert reply.json()["body_hex"] == ""


# ----------------------------------------------------------------------------- arguments: content type

def test_contenttype_header_wins_over_content_type(hooks_server):
    reply = hooks_server.invoke(b"1,2", content_type="application/octet-stream", accept="application/x-probe",
                                headers={"ContentType": "text/csv"})
    answer = reply.json()
    assert answer["content_type"] == "text/csv"
    assert answer["body_type"] == "str", "the body rule must follow the ContentType header"


def test_contenttype_header_alone(hooks_server):
    reply = hooks_server.invoke(b"[5]", content_type=None, accept="application/x-probe",
                                headers={"ContentType": "application/json; charset=utf-8"})
    assert reply.json()["content_type"] == "application/json; charset=utf-8"


def test_content_type_missing_defaults_to_json(hooks_server):
    reply = hooks_server.invoke(b"[1]", content_type=None, accept="application/x-probe")
    answer = reply.json()
    assert answer["content_type"] == "application/json"
    assert answer["body_type"] == "str"


# ----------------------------------------------------------------------------- arguments: accept

def test_accept_passed_as_sent(hooks_server):
    accept = "application/x-first;q=0.5, text/x-second"
    reply = hooks_server.invoke(b"[1]", accept=accept)
    assert reply.json()["accept"] == accept


@pytest.mark.parametrize("accept_header", [None, "", "*/*"])
def test_default_accept_when_missing_empty_or_any(hooks_server, accept_header):
    # hooks_server runs with SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT=application/x-default-accept
    reply = hooks_server.invoke(b"[1]", accept=accept_header)
    assert reply.status == 200, reply
    assert reply.json()["accept"] == "application/x-default-accept"
    assert reply.content_type == "application/x-default-accept"


def test_default_accept_is_application_json(chainer_server):
    reply = chainer_server.invoke(b"[1, 2]", accept=None)
    assert reply.status == 200
    assert reply.content_type.split(";")[0] == "application/json"
    assert reply.body == b"[1.0, 2.0]"


# ----------------------------------------------------------------------------- model_fn and the chain

def test_model_fn_gets_model_dir_as_str(hooks_server):
    answer = hooks_server.invoke(b"[1]", accept="application/x-probe").json()
    assert answer["model_dir_type"] == "str"
    assert os.path.realpath(answer["model_dir"]) == os.path.realpath(str(hooks_server.model_dir))


def test_model_fn_runs_in_a_worker_not_the_master(hooks_server):
    answer = hooks_server.invoke(b"[1]", accept="application/x-probe").json()
    assert answer["pid"] != hooks_server.proc.pid
    assert answer["pid"] in hooks_server.worker_pids()


def test_model_is_kept_between_requests(hooks_server):
    first = hooks_server.invoke(b"[1]", accept="application/x-probe").json()
    second = hooks_server.invoke(b"[1]", accept="application/x-probe").json()
    assert second["pid"] == first["pid"]
    assert second["requests"] == first["requests"] + 1


def test_str_return_uses_accept_as_content_type(hooks_server):
    reply = hooks_server.invoke(b"[1]", accept="application/x-str-type")
    assert reply.content_type == "application/x-str-type"
    assert reply.header("content-length") == str(len(reply.body))


def test_two_workers_each_call_model_fn_once(server_factory):
    server = server_factory(script_file="record_pid.py", workers=2)
    pid_file = server.model_dir / "model_fn_pids.txt"

    def recorded():
        return pid_file.read_text().split() if pid_file.exists() else []

    # No request is sent: model_fn must run at worker start.
    wait_until(lambda: len(recorded()) >= 2, 20, "two model_fn calls")
    served = {int(server.invoke(b"x", content_type="text/plain").text) for _ in range(12)}
    pids = [int(pid) for pid in recorded()]
    assert len(pids) == 2, "model_fn ran %d times for 2 workers: %r" % (len(pids), pids)
    assert len(set(pids)) == 2
    assert served <= set(pids)
    assert server.proc.pid not in pids, "model_fn ran in the master"
    assert sorted(pids) == server.worker_pids(), "model_fn pids are not the master's children"


def test_partial_hooks_fall_back_to_defaults(module_server_factory):
    server = module_server_factory(script_file="partial_hooks.py")
    reply = server.invoke(b"1 2.5 -3", content_type="text/plain", accept="application/json")
    assert reply.status == 200, reply
    assert reply.body == b"[2.0, 5.0, -6.0]"
    assert reply.content_type.split(";")[0] == "application/json"
    reply = server.invoke(b"1 2", content_type="text/plain", accept="text/csv")
    assert reply.body == b"2.0\n4.0\n"


# ----------------------------------------------------------------------------- transform_fn

@pytest.fixture(scope="module")
def transform_server(module_server_factory):
    return module_server_factory(script_file="transform_only.py")


def test_transform_fn_gets_model_body_type_and_accept(transform_server):
    reply = transform_server.invoke(b"a,b\n", content_type="text/csv", accept="application/x-wanted")
    assert reply.status == 200, reply
    answer = json.loads(reply.body)
    assert answer["hook"] == "transform_fn"
    assert answer["body_type"] == "str"
    assert bytes.fromhex(answer["body_hex"]) == b"a,b\n"
    assert answer["content_type"] == "text/csv"
    assert answer["accept"] == "application/x-wanted"
    assert os.path.realpath(answer["model_dir"]) == os.path.realpath(str(transform_server.model_dir))


def test_transform_fn_tuple_sets_content_type(transform_server):
    reply = transform_server.invoke(b"\x00\x01", content_type="application/x-npy", accept="application/json")
    assert reply.content_type == "application/x-transformed"
    answer = json.loads(reply.body)
    assert answer["body_type"] == "bytes"
    assert answer["accept"] == "application/json"


def test_transform_fn_default_accept(transform_server):
    reply = transform_server.invoke(b"[]", accept="*/*")
    assert json.loads(reply.body)["accept"] == "application/json"


@pytest.mark.parametrize("other_hook", ["input_fn", "predict_fn", "output_fn"])
def test_transform_fn_mixed_with_other_hooks_refuses_to_start(server_factory, other_hook):
    server = server_factory(script_file="transform_mixed_%s.py" % other_hook, start=True, wait_status=None)
    rc = server.wait_exit(20)
    output = server.output()
    assert rc != 0, "hookhost accepted transform_fn with %s" % other_hook
    assert "transform_fn" in output, output[-3000:]
    assert other_hook in output or "input_fn, predict_fn and/or output_fn" in output, output[-3000:]
    assert re.search(r"cannot use transform_fn with", output), output[-3000:]


# ----------------------------------------------------------------------------- no model_fn

def test_missing_model_fn_is_reported(server_factory):
    """Either a refused start or /ping 500; in both cases the message names model_fn."""
    server = server_factory(script_file="no_model_fn.py", wait_status=None)
    outcome = {}

    def settled():
        if server.proc.poll() is not None:
            outcome["exit"] = server.proc.returncode
            return True
        try:
            reply = server.request("GET", "/ping", timeout=2)
        except OSError:
            return False
        if reply.status == 500:
            outcome["ping"] = reply
            return True
        return False

    wait_until(settled, 20, "a refused start or /ping 500")
    if "exit" in outcome:
        server.exit_checked = True
        assert outcome["exit"] != 0
        assert "model_fn" in server.output(), server.output()[-3000:]
    else:
        body = assert_error_reply(outcome["ping"], 500)
        assert "model_fn" in body["error-message"], body
        assert "model_fn" in server.log()
        assert_error_reply(server.invoke(b"[1]"), 503)


# ----------------------------------------------------------------------------- output_fn return shapes

@pytest.fixture(scope="module")
def output_server(module_server_factory):
    return module_server_factory(script_file="output_types.py")


def test_output_bytes(output_server):
    reply = output_server.invoke(b"bytes", content_type="text/plain", accept="application/x-bytes")
    assert reply.status == 200
    assert reply.body == b"raw bytes \x00\xff end"
    assert reply.content_type == "application/x-bytes"


def test_output_str_is_utf8(output_server):
    reply = output_server.invoke(b"str", content_type="text/plain", accept="text/plain")
    assert reply.status == 200
    assert reply.body == "h\u00e9llo w\u00f6rld \u2713".encode("utf-8")
    assert reply.content_type.startswith("text/plain")


def test_output_str_with_default_accept(output_server):
    reply = output_server.invoke(b"str", content_type="text/plain", accept="*/*")
    assert reply.content_type == "application/json"


def test_output_tuple(output_server):
    reply = output_server.invoke(b"tuple", content_type="text/plain", accept="application/json")
    assert reply.status == 200
    assert reply.body == b"tuple body"
    assert reply.content_type == "application/x-tuple"


def test_output_tuple_with_str_body(output_server):
    reply = output_server.invoke(b"tuple_str", content_type="text/plain")
    assert reply.body == "tuple str body \u00e9".encode("utf-8")
    assert reply.content_type == "text/plain; charset=utf-8"


def test_output_hookhost_response(output_server):
    reply = output_server.invoke(b"hookhost", content_type="text/plain")
    assert reply.status == 201, reply
    assert reply.body == b"hookhost body"
    assert reply.content_type == "application/x-hookhost"
    assert reply.header("x-hookhost") == "yes"


def test_output_flask_style_response(output_server):
    reply = output_server.invoke(b"flask", content_type="text/plain")
    assert reply.status == 202, reply
    assert reply.body == b"flask body"
    assert reply.content_type == "application/x-flask"
    assert reply.header("x-flask") == "1"


def test_output_flask_style_content_type_header(output_server):
    reply = output_server.invoke(b"flask_header_type", content_type="text/plain")
    assert reply.status == 200, reply
    assert reply.body == b"flask header type"
    assert reply.content_type == "application/x-from-header"
    assert reply.header("x-flask") == "2"
    assert len([n for n, _ in reply.header_list if n.lower() == "content-type"]) == 1


def test_output_werkzeug_iterable_response(output_server):
    reply = output_server.invoke(b"werkzeug_iter", content_type="text/plain")
    assert reply.status == 203, reply
    assert reply.body == b"part one, part two"
    assert reply.content_type == "text/x-iter"
    assert reply.header("x-iter") == "3"


@pytest.mark.parametrize("command,type_name", [("widget", "Widget"), ("none", "NoneType")])
def test_output_unsupported_type_is_500_naming_it(output_server, command, type_name):
    reply = output_server.invoke(command.encode(), content_type="text/plain")
    assert_error_reply(reply, 500, message_contains=type_name)
    assert output_server.invoke(b"bytes", content_type="text/plain").status == 200


# ----------------------------------------------------------------------------- sibling modules

def test_sibling_module_import(server_factory):
    server = server_factory(script_file="sibling_import.py", files={
        "sibling_helper.py": script_text("sibling_helper.py"),
        "helpers_pkg/__init__.py": script_text("helpers_pkg/__init__.py"),
        "helpers_pkg/inner.py": script_text("helpers_pkg/inner.py"),
    })
    reply = server.invoke(b"hello", content_type="text/plain")
    assert reply.status == 200, reply
    prediction, helper_file, inner = reply.text.split("|")
    assert prediction == "sibling-magic-4711:b'hello'"
    assert os.path.realpath(helper_file) == os.path.realpath(str(server.code_dir / "sibling_helper.py"))
    assert inner == "inner-value-99"


# ----------------------------------------------------------------------------- user output in the log

def test_user_print_and_logging_reach_the_log_tagged(server_factory):
    server = server_factory(script_file="logging_user.py")
    mark = server.mark()
    reply = server.invoke(b"tok-123", content_type="text/plain")
    assert reply.status == 200
    for text in ("request print tok-123", "request stderr tok-123", "request logging tok-123"):
        match = server.wait_log(r"^.*%s.*$" % re.escape(text), since=mark, timeout=5)
        line = match.group(0)
        parsed = LOG_LINE.match(line)
        assert parsed, line
        assert parsed.group(2).startswith("worker-"), line
        assert int(parsed.group(3)) in server.worker_pids(), line
    assert "model_fn print pid=" in server.log()
    assert "import-time print from user script" in server.log()


# ----------------------------------------------------------------------------- default predict_fn, Chainer style

@pytest.fixture(scope="module")
def fake_chainer_server(module_server_factory):
    return module_server_factory(script_file="chainer_fake_model.py", files={"chainer.py": script_text("chainer.py")})


def test_default_predict_fn_turns_train_and_backprop_off_and_unwraps_variable(fake_chainer_server):
    reply = fake_chainer_server.invoke(b"[1, 3]", accept="application/json")
    assert reply.status == 200, reply
    train, backprop, total = json.loads(reply.body)
    assert train == 0.0, "chainer.config.train was on inside predict"
    assert backprop == 0.0, "backprop was on inside predict"
    assert total == 4.0


def test_default_predict_fn_unwraps_variables_in_a_tuple(fake_chainer_server):
    reply = fake_chainer_server.invoke(b"[2, 3]", accept="application/json")
    assert reply.status == 200, reply
    assert json.loads(reply.body) == [[0.0, 0.0, 5.0], [0.0, 0.0, 10.0]]


def test_default_predict_fn_unwraps_variable_by_duck_typing_without_chainer(server_factory):
    server = server_factory(script_file="duck_variable.py")
    reply = server.invoke(b"[1, 5]", accept="application/json")
    assert reply.status == 200, reply
    assert reply.body == b"[2.0, 6.0]"
    reply = server.invoke(b"[2, 3]", accept="application/json")
    assert reply.status == 200, reply
    assert reply.body == b"[[20.0, 30.0], [200.0, 300.0]]"


# ----------------------------------------------------------------------------- default codecs through the chain

WEIGHTS = mlp_weights()


def npy_bytes(array):
    buf = io.BytesIO()
    numpy.save(buf, array)
    return buf.getvalue()


def csv_bytes(array):
    buf = io.BytesIO()
    numpy.savetxt(buf, array, delimiter=",", fmt="%s")
    return buf.getvalue()


X = numpy.array([[0.1, -0.2, 0.3, 0.4], [1.5, 2.5, -3.5, 0.0], [7, 8, 9, 10]], dtype=numpy.float32)
EXPECTED = mlp_forward(WEIGHTS, X)


def test_mlp_json_in_json_out(chainer_server):
    reply = chainer_server.invoke(json.dumps(X.tolist()), content_type="application/json",
                                  accept="application/json")
    assert reply.status == 200, reply
    assert reply.content_type == "application/json"
    assert reply.body == json.dumps(EXPECTED.tolist()).encode()


def test_mlp_csv_in_csv_out(chainer_server):
    reply = chainer_server.invoke(csv_bytes(X), content_type="text/csv", accept="text/csv")
    assert reply.status == 200, reply
    assert reply.content_type == "text/csv; charset=utf-8"
    assert reply.body == csv_bytes(EXPECTED)


def test_mlp_npy_in_npy_out(chainer_server):
    reply = chainer_server.invoke(npy_bytes(X), content_type="application/x-npy", accept="application/x-npy")
    assert reply.status == 200, reply
    assert reply.content_type == "application/x-npy"
    assert reply.body == npy_bytes(EXPECTED)
    result = numpy.load(io.BytesIO(reply.body))
    assert result.dtype == numpy.float32 and result.shape == (3, 3)


def test_mlp_json_with_charset_parameter(chainer_server):
    reply = chainer_server.invoke(json.dumps(X.tolist()), content_type="application/json; charset=utf-8",
                                  accept="application/json")
    assert reply.status == 200, reply
    assert reply.body == json.dumps(EXPECTED.tolist()).encode()


def test_json_decodes_to_float32(chainer_server):
    for body in (b"[42, 6, 9]", b'["42", "6", "9"]'):
        reply = chainer_server.invoke(body, accept="application/x-npy")
        assert reply.status == 200, reply
        array = numpy.load(io.BytesIO(reply.body))
        assert array.dtype == numpy.float32
        assert array.tolist() == [42.0, 6.0, 9.0]


def test_json_float32_repr(chainer_server):
    reply = chainer_server.invoke(b"[0.1, 2, -3]", accept="application/json")
    assert reply.body == b"[0.10000000149011612, 2.0, -3.0]"


def test_csv_one_row_is_one_dimensional(chainer_server):
    reply = chainer_server.invoke(b"1,2,3\n", content_type="text/csv", accept="application/json")
    assert reply.body == b"[1.0, 2.0, 3.0]"
    reply = chainer_server.invoke(b"1,2,3\n", content_type="text/csv", accept="text/csv")
    assert reply.body == b"1.0\n2.0\n3.0\n"


def test_npy_other_dtype_passes_through(chainer_server):
    array = numpy.arange(6, dtype=">i4").reshape(2, 3)
    reply = chainer_server.invoke(npy_bytes(array), content_type="application/x-npy", accept="application/x-npy")
    assert reply.status == 200, reply
    assert reply.body == npy_bytes(array)


def test_jsonlines_in_and_out(chainer_server):
    body = b"[1, 2]\n[3, 4]\n"
    reply = chainer_server.invoke(body, content_type="application/jsonlines", accept="application/jsonlines")
    assert reply.status == 200, reply
    assert reply.body == b"[1.0, 2.0]\n[3.0, 4.0]\n"


@pytest.mark.parametrize("accept,expected_type", [
    ("text/csv;q=0.5, application/json;q=0.9", "application/json"),
    ("application/x-npy;q=0.1, text/csv", "text/csv; charset=utf-8"),
    ("image/png, text/csv;q=0.2", "text/csv; charset=utf-8"),
    ("text/*;q=0.3, application/x-npy;q=0.2", "text/csv; charset=utf-8"),
    ("application/json, text/csv", "application/json"),
    ("text/csv, application/json", "text/csv; charset=utf-8"),
    ("APPLICATION/X-NPY", "application/x-npy"),
    ("application/json;q=0, text/csv;q=0.1", "text/csv; charset=utf-8"),
])
def test_accept_negotiation(chainer_server, accept, expected_type):
    reply = chainer_server.invoke(b"[[1, 2], [3, 4]]", accept=accept)
    assert reply.status == 200, reply
    assert reply.content_type == expected_type
    expected = numpy.array([[1, 2], [3, 4]], dtype=numpy.float32)
    encoders = {"application/json": lambda a: json.dumps(a.tolist()).encode(),
                "text/csv; charset=utf-8": csv_bytes, "application/x-npy": npy_bytes}
    assert reply.body == encoders[expected_type](expected)


def test_accept_wildcard_excluding_by_q0(chainer_server):
    reply = chainer_server.invoke(b"[1, 2]", accept="application/json;q=0, */*;q=0.5")
    assert reply.status == 200, reply
    assert reply.content_type != "application/json"
    assert reply.content_type in ("text/csv; charset=utf-8", "application/x-npy", "application/jsonlines")

