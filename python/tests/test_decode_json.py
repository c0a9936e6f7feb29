"""decoders.decode_json and decode_jsonlines, and decode's dispatch and 415."""
import math
import warnings

import numpy as np
import pytest

from hookhost.decoders import decode, decode_json, decode_jsonlines
from hookhost.errors import BadRequest, UnsupportedMediaType


def reference(text):
    """The contract's definition, for comparison."""
    import json
    with np.errstate(over="ignore"):
        return np.array(json.loads(text)).astype(np.float32)


def error(body, content_type="application/json"):
    with pytest.raises(BadRequest) as raised:
        decode(body, content_type)
    assert raised.value.status_code == 400
    return raised.value.message


@pytest.mark.parametrize("text, expected", [
    ("[42, 6, 9]", [42, 6, 9]),
    ('["42", "6", "9"]', [42, 6, 9]),
    ('[1, "1.5"]', [1, 1.5]),
    ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
    ("[[[1], [2]], [[3], [4]]]", [[[1], [2]], [[3], [4]]]),
    ("5", 5),
    ("-0.5", -0.5),
    ('"12"', 12),
    ("true", 1),
    ("[true, false, 2]", [1, 0, 2]),
    ("[]", np.zeros(0)),
    ("[[]]", np.zeros((1, 0))),
    ("[0.1]", [0.1]),
    ("  [1]\n", [1]),
])
def test_values(text, expected):
    result = decode(text, "application/json")
    expected = np.asarray(expected, dtype=np.float32)
    assert result.dtype == np.float32 and result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)
    np.testing.assert_array_equal(result, reference(text))


def test_nan_infinity_null():
    result = decode_json("[NaN, Infinity, -Infinity, null, 1e300, -1e300]")
    assert np.isnan(result[0]) and np.isnan(result[3])
    assert result[1] == np.inf and result[2] == -np.inf and result[4] == np.inf and result[5] == -np.inf
    assert np.isnan(decode_json("null")) and decode_json("null").shape == ()


def test_overflow_is_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert decode_json("[1e39]")[0] == np.inf
        assert decode_json('["1e39"]')[0] == np.inf


def test_numeric_strings_follow_python_float():
    # The reference converts strings with Python's float(): these are the spec.
    np.testing.assert_array_equal(decode_json('[" 42 ", "1_000", "nan", "-Infinity"]'),
                                  np.array([42, 1000, np.nan, -np.inf], dtype=np.float32))


def test_huge_integers():
    assert decode_json("[18446744073709551615]")[0] == np.float32(18446744073709551615)
    assert decode_json("[%d]" % 2 ** 70)[0] == np.float32(2 ** 70)
    assert "too large" in error("[1%s]" % ("0" * 400))


def test_bytes_body():
    np.testing.assert_array_equal(decode(b"[1, 2]", "application/json"), [1, 2])
    assert "not a number" in error(b'["\xff"]')


def test_content_type_parameters():
    assert decode("[1]", "Application/JSON; charset=utf-8").tolist() == [1.0]


def test_invalid_json():
    assert error("[1, 2").startswith("the body is not valid JSON: ")
    assert error("[1, 2] [3]").startswith("the body is not valid JSON: Extra data")
    assert error("{'a': 1}").startswith("the body is not valid JSON")
    assert error("\ufeff[1]").startswith("the body is not valid JSON")    # as json.loads
    assert error("[nan]").startswith("the body is not valid JSON")
    assert error("1" * 5000).startswith("the body is not valid JSON")      # over Python's int digit limit
    assert error("[" * 100000 + "]" * 100000) == "the body: JSON nested too deeply"


def test_empty():
    assert error("") == "the request body is empty; expected a JSON document"
    assert error(b"") == "the request body is empty; expected a JSON document"
    assert error("   ").startswith("the body is not valid JSON")


@pytest.mark.parametrize("text", ["[[1, 2], [3]]", "[[1, 2], 3]", "[[1, [2]], [3, 4]]",
                                  "[" * 40 + "1" + "]" * 40])
def test_ragged(text):
    message = error(text)
    assert message.startswith("the JSON body is not a rectangular array") and "ragged" in message


@pytest.mark.parametrize("text", ['{"a": 1}', '[1, {"a": 1}]', '[[1, 2], [3, {}]]'])
def test_objects(text):
    message = error(text)
    assert message.startswith("the JSON body holds a value that is neither a number nor a numeric string")
    assert "dict" in message


@pytest.mark.parametrize("text, bad", [('["abc"]', "abc"), ('[1.5, "x"]', "x"), ('[true, "1"]', "True"),
                                       ('"abc"', "abc"), ('[[1, 2], [3, "a"]]', "a"), ('["0x10"]', "0x10")])
def test_non_numeric_strings(text, bad):
    message = error(text)
    assert message.startswith("the JSON body holds a string that is not a number")
    assert repr(bad) in message


def test_unsupported_media_type():
    for content_type in ("text/plain", "application/octet-stream", "", None, "application/jsonl",
                         "application/json-seq", "application/x-npz", "image/png"):
        with pytest.raises(UnsupportedMediaType) as raised:
            decode(b"[1]", content_type)
        assert raised.value.status_code == 415
        assert repr(content_type) in raised.value.message
        assert "input_fn" in raised.value.message
        assert "application/json, text/csv, application/x-npy, application/jsonlines" in raised.value.message


def test_type_is_checked_before_the_body():
    with pytest.raises(UnsupportedMediaType):
        decode(b"", "text/plain")


# ---- JSON Lines ---------------------------------------------------------------

def jsonlines_error(body):
    return error(body, "application/jsonlines")


@pytest.mark.parametrize("body, expected", [
    (b"[1, 2]\n[3, 4]\n", [[1, 2], [3, 4]]),
    (b"[1, 2]\n[3, 4]", [[1, 2], [3, 4]]),
    (b"[1, 2, 3]", [[1, 2, 3]]),                        # one line is still 2-D
    (b"[5]\n", [[5]]),
    (b"\n[1, 2]\r\n\r\n  \t\n[3, 4]\r\n\n", [[1, 2], [3, 4]]),
    (b'["1", 2.5]\n[true, null]', [[1, 2.5], [1, np.nan]]),
    (b"[NaN, -Infinity]", [[np.nan, -np.inf]]),
    (b"[]\n[]", np.zeros((2, 0))),
    ("[1]\n[2]", [[1], [2]]),
])
def test_jsonlines_values(body, expected):
    result = decode(body, "application/jsonlines")
    expected = np.asarray(expected, dtype=np.float32)
    assert result.dtype == np.float32 and result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)


def test_jsonlines_errors():
    assert jsonlines_error(b"[1, 2]\n[3]") == "line 2: this row has 1 values but line 1 has 2"
    assert jsonlines_error(b"\n[1, 2]\n\n[3, 4, 5]\n") == "line 4: this row has 3 values but line 2 has 2"
    assert jsonlines_error(b'{"a": 1}') == "line 1: expected a JSON array of numbers, found an object"
    assert jsonlines_error(b"[1]\n5") == "line 2: expected a JSON array of numbers, found a number"
    assert jsonlines_error(b'"1"') == "line 1: expected a JSON array of numbers, found a string"
    assert jsonlines_error(b"null") == "line 1: expected a JSON array of numbers, found null"
    assert jsonlines_error(b"true") == "line 1: expected a JSON array of numbers, found true or false"
    assert jsonlines_error(b"[[1, 2]]") == \
        "line 1: expected a flat JSON array of numbers, found nested arrays"
    assert jsonlines_error(b"[1]\n[2]\n[3").startswith("line 3 is not valid JSON: ")
    assert jsonlines_error(b"[1] [2]").startswith("line 1 is not valid JSON: Extra data")
    assert jsonlines_error(b'[1, "x"]').startswith("line 1 holds a string that is not a number")
    assert jsonlines_error(b'[1, {}]').startswith("line 1 holds a value that is neither a number")
    assert jsonlines_error(b"[[1], [2, 3]]").startswith("line 1 is not a rectangular array")
    # a CR alone is not a line break
    assert jsonlines_error(b"[1, 2]\r[3, 4]").startswith("line 1 is not valid JSON")
    assert jsonlines_error(b"") == "the request body is empty; expected JSON Lines"
    assert jsonlines_error(b"\n \n\r\n") == "the JSON Lines body holds no rows (only blank lines)"
    assert jsonlines_error(b"[" * 100000) == "line 1: JSON nested too deeply"


def test_jsonlines_matches_row_by_row_json():
    lines = ["[0.1, 2, -3e5]", '["4", true, null]', "[1e39, -0.0, 7]"]
    result = decode_jsonlines("\n".join(lines).encode())
    for row, line in zip(result, lines):
        np.testing.assert_array_equal(row, reference(line))
    assert math.copysign(1, result[2, 1]) == -1
