"""encoders.encode: byte-exactness against json.dumps / numpy.savetxt / numpy.save, and 406."""
import io
import json

import numpy as np
import pytest

from hookhost.decoders import decode
from hookhost.encoders import encode, encode_csv, encode_json, encode_jsonlines, encode_npy
from hookhost.errors import NotAcceptable

F32 = np.finfo(np.float32)

ARRAYS = [
    np.array([0.1, 1e16, 1e-4, 9.999e-5, 123456789.0, -0.0, np.nan, np.inf, -np.inf, 1e-45, F32.max],
             dtype=np.float32),
    np.array([0.1, 1e16, 1e-4, 1e-5, 1 / 3, 5e-324, np.finfo(np.float64).max, 1e22, 123.0], dtype=np.float64),
    np.array([0.1, 65504, 6e-8, 1e-4, np.nan], dtype=np.float16),
    np.array([[1, -2], [2 ** 62, -(2 ** 63)]], dtype=np.int64),
    np.array([0, 255], dtype=np.uint8),
    np.array([2 ** 64 - 1], dtype=np.uint64),
    np.array([[-128, 127]], dtype=np.int8),
    np.array([True, False]),
    np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
    np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)),
    np.arange(24, dtype=np.float32).reshape(2, 3, 4),
    np.zeros((0,), dtype=np.float32),
    np.zeros((0, 3), dtype=np.float32),
    np.zeros((2, 0), dtype=np.int32),
    np.array(2.5, dtype=np.float32),
    np.array(7, dtype=np.int64),
    np.array([1 + 2j, -0.5j], dtype=np.complex64),
]


def savetxt_bytes(array):
    buffer = io.StringIO()
    np.savetxt(buffer, array, delimiter=",", fmt="%s")
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize("array", [a for a in ARRAYS if a.dtype.kind != "c"], ids=repr)
def test_json_equals_json_dumps_tolist(array):
    expected = json.dumps(array.tolist()).encode()
    assert encode(array, "application/json") == expected
    assert encode_json(array) == expected


def test_json_layout():
    assert encode_json(np.array([0.1], dtype=np.float32)) == b"[0.10000000149011612]"
    assert encode_json(np.array([[np.nan, np.inf, -np.inf]])) == b"[[NaN, Infinity, -Infinity]]"
    assert encode_json(np.array([True, False])) == b"[true, false]"
    assert encode_json(np.array([1, 2], dtype=np.int16)) == b"[1, 2]"
    assert encode_json(np.array(1.5)) == b"1.5"
    assert encode_json(np.float32(0.5)) == b"0.5"
    assert encode_json(np.int64(3)) == b"3"
    assert encode_json(np.zeros((2, 0))) == b"[[], []]"


def test_json_of_python_objects():
    assert encode_json([np.float32(0.1), np.int64(2), np.bool_(True), 3]) == \
        b"[0.10000000149011612, 2, true, 3]"
    assert encode_json({"scores": np.array([1.0, 2.0]), "label": "cat"}) == \
        b'{"scores": [1.0, 2.0], "label": "cat"}'
    arrays = [np.array([1.5, 2.5], dtype=np.float32), np.array([3.5, 4.5], dtype=np.float32)]
    assert encode_json(arrays) == encode_json(np.array(arrays))
    assert encode_json(7) == b"7" and encode_json("text") == b'"text"' and encode_json(None) == b"null"
    with pytest.raises(TypeError):
        encode_json({1, 2})


@pytest.mark.parametrize("array", [a for a in ARRAYS if a.ndim in (1, 2)], ids=repr)
def test_csv_equals_savetxt(array):
    assert encode(array, "text/csv") == savetxt_bytes(array)


def test_csv_layout():
    assert encode_csv(np.array([0.1], dtype=np.float32)) == b"0.1\n"
    assert encode_csv(np.array([1e16], dtype=np.float32)) == b"1e+16\n"
    assert encode_csv(np.array([1, 2])) == b"1\n2\n"                      # 1-D is one column
    assert encode_csv(np.array([[1.5, 2.0], [3.0, np.nan]])) == b"1.5,2.0\n3.0,nan\n"
    assert encode_csv(np.array([[True, False]])) == b"True,False\n"
    assert encode_csv(np.zeros((0, 3))) == b""
    assert encode_csv([[1, 2], [3, 4]]) == b"1,2\n3,4\n"
    assert encode_csv(np.array(["é"])) == "é\n".encode("utf-8")


def test_csv_zero_d_is_one_value():
    assert encode_csv(np.array(2.5, dtype=np.float32)) == b"2.5\n"
    assert encode_csv(np.float32(0.1)) == b"0.1\n"
    assert encode_csv(np.array(7)) == b"7\n"
    assert encode_csv(3.25) == b"3.25\n"


def test_csv_refuses_3d():
    with pytest.raises(NotAcceptable) as raised:
        encode(np.zeros((2, 2, 2)), "text/csv")
    assert raised.value.status_code == 406
    assert "(2, 2, 2)" in raised.value.message and "application/json" in raised.value.message


def test_csv_round_trips_through_decoder():
    array = np.array([[0.1, -2.5e-7, 3e38], [np.nan, -np.inf, 1.0]], dtype=np.float32)
    result = decode(encode_csv(array), "text/csv")
    np.testing.assert_array_equal(result, array)


@pytest.mark.parametrize("array", ARRAYS, ids=repr)
def test_npy_equals_numpy_save(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    body = encode(array, "application/x-npy")
    assert body == buffer.getvalue()
    header_end = body.index(b"\n") + 1
    assert header_end % 64 == 0
    result = decode(body, "application/x-npy")
    assert result.dtype == array.dtype and result.shape == array.shape
    assert result.flags.f_contiguous == array.flags.f_contiguous
    np.testing.assert_array_equal(result, array)


def test_npy_of_python_objects():
    assert encode_npy([[1.5, 2.5]]) == encode_npy(np.array([[1.5, 2.5]]))


def test_jsonlines():
    assert encode(np.array([[1, 2], [3, 4]]), "application/jsonlines") == b"[1, 2]\n[3, 4]\n"
    assert encode_jsonlines(np.array([0.5, 1.5], dtype=np.float32)) == b"0.5\n1.5\n"   # 1-D: one value a line
    assert encode_jsonlines(np.array(2.5)) == b"2.5\n"                                    # 0-d: one line
    assert encode_jsonlines(np.float32(0.1)) == b"0.10000000149011612\n"
    assert encode_jsonlines(np.zeros((0, 3))) == b""
    assert encode_jsonlines(np.zeros((2, 0))) == b"[]\n[]\n"
    assert encode_jsonlines(np.arange(8).reshape(2, 2, 2)) == b"[[0, 1], [2, 3]]\n[[4, 5], [6, 7]]\n"
    assert encode_jsonlines(np.array([[np.nan, np.inf]])) == b"[NaN, Infinity]\n"
    assert encode_jsonlines([{"label": "a"}, {"label": np.int64(2)}]) == b'{"label": "a"}\n{"label": 2}\n'
    assert encode_jsonlines(({"x": 1},)) == b'{"x": 1}\n'
    assert encode_jsonlines({"x": 1}) == b'{"x": 1}\n'
    assert encode_jsonlines(np.array([{"x": 1}, [2]], dtype=object)) == b'{"x": 1}\n[2]\n'


@pytest.mark.parametrize("array", [a for a in ARRAYS if a.ndim >= 1 and a.dtype.kind != "c"], ids=repr)
def test_jsonlines_is_json_per_row(array):
    expected = b"".join(json.dumps(row.tolist()).encode() + b"\n" for row in array)
    assert encode_jsonlines(array) == expected


def test_jsonlines_round_trips_through_decoder():
    array = np.array([[0.1, 2.0], [np.nan, -np.inf]], dtype=np.float32)
    np.testing.assert_array_equal(decode(encode_jsonlines(array), "application/jsonlines"), array)


@pytest.mark.parametrize("content_type", ["text/html", "*/*", "application/*", "", None, "application/x-npz",
                                          "application/json, text/csv"])
def test_unsupported_type(content_type):
    with pytest.raises(NotAcceptable) as raised:
        encode(np.zeros(2), content_type)
    assert raised.value.status_code == 406
    assert repr(content_type) in raised.value.message


def test_content_type_parameters_ignored():
    assert encode(np.array([1.5]), "Text/CSV; charset=utf-8") == b"1.5\n"
    assert encode(np.array([1.5]), " application/json ;q=1") == b"[1.5]"
