"""decoders.decode_npy: numpy.load semantics, pickle refusal and the HOOKHOST_NPY_ALLOW_PICKLE opt-in."""
import io
import pickle
import struct

import numpy as np
import pytest

from hookhost.decoders import decode, decode_npy, decode_python
from hookhost.errors import BadRequest

NPY = "application/x-npy"


def npy_bytes(array, version=None):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, version=version, allow_pickle=True)
    return buffer.getvalue()


def raw_npy(header, data=b"", version=(1, 0)):
    """An NPY file with a hand-written header dict (padded with spaces and a newline)."""
    header = header.encode("latin-1")
    length_format = "<H" if version == (1, 0) else "<I"
    prefix = 6 + 2 + struct.calcsize(length_format)
    padding = 64 - (prefix + len(header) + 1) % 64
    header += b" " * padding + b"\n"
    return b"\x93NUMPY" + bytes(version) + struct.pack(length_format, len(header)) + header + data


def error(body):
    # The Python default's wording (the C path, tests/unit/test_npy.c, words its own; the
    # status is the same, which test_differential.py checks).
    with pytest.raises(BadRequest) as raised:
        decode_python(body, NPY)
    with pytest.raises(BadRequest):
        decode(body, NPY)
    assert raised.value.status_code == 400
    return raised.value.message


@pytest.fixture(autouse=True)
def no_pickle(monkeypatch):
    monkeypatch.delenv("HOOKHOST_NPY_ALLOW_PICKLE", raising=False)


@pytest.mark.parametrize("dtype", ["?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8",
                                   "c8", "c16", ">i2", ">i4", ">f4", ">f8", ">c16", "<u8", "S5", "U3",
                                   "M8[s]", "m8[ms]", [("x", "<f4"), ("y", ">i2")]])
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (0, 4), (2, 3, 4)])
def test_round_trip_like_numpy_load(dtype, shape):
    array = (np.arange(int(np.prod(shape)), dtype=np.int64) % 7).reshape(shape).astype(dtype)
    body = npy_bytes(array)
    result = decode_npy(body)
    expected = np.load(io.BytesIO(body))
    assert result.dtype == expected.dtype == array.dtype
    assert result.shape == shape
    np.testing.assert_array_equal(result, array)


def test_fortran_order_is_kept():
    array = np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4))
    result = decode_npy(npy_bytes(array))
    assert result.flags.f_contiguous and not result.flags.c_contiguous
    np.testing.assert_array_equal(result, array)
    assert decode_npy(npy_bytes(np.ascontiguousarray(array))).flags.c_contiguous


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_format_versions(version):
    array = np.array([[1.5, -2.0], [np.nan, np.inf]], dtype=">f8")
    body = npy_bytes(array, version=version)
    assert body[6:8] == bytes(version)
    result = decode_npy(body)
    assert result.dtype == np.dtype(">f8")
    np.testing.assert_array_equal(result, array)


def test_special_values_bit_exact():
    array = np.array([np.nan, -np.nan, np.inf, -np.inf, -0.0, 1e-45, np.finfo(np.float32).max],
                     dtype=np.float32)
    result = decode_npy(npy_bytes(array))
    assert result.tobytes() == array.tobytes()


def test_trailing_bytes_are_ignored_like_numpy():
    array = np.arange(4, dtype=np.int16)
    result = decode_npy(npy_bytes(array) + b"trailing")
    np.testing.assert_array_equal(result, array)


def test_result_is_writable():
    result = decode_npy(npy_bytes(np.zeros(3, dtype=np.float32)))
    result[0] = 1.0
    assert result[0] == 1.0


def test_str_body_is_encoded():
    text = npy_bytes(np.arange(3, dtype=np.uint8)).decode("utf-8", "surrogateescape")
    assert decode_npy(text).tolist() == [0, 1, 2]


def test_truncated_data():
    body = npy_bytes(np.arange(10, dtype=np.float64))
    message = error(body[:-1])
    assert "truncated NPY body" in message and "80 bytes" in message and "79" in message


def test_lying_shape_is_refused_before_allocating():
    body = raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 1000000), }", b"\0" * 8)
    assert "truncated NPY body" in error(body)


def test_negative_dimension():
    body = raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }", b"\0" * 8)
    assert "negative dimension" in error(body)


@pytest.mark.parametrize("header", [
    "{'descr': '<f4', 'fortran_order': False}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
    "{'descr': 'zz', 'fortran_order': False, 'shape': (2,), }",
    "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': [2], }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,), }",
    "[1, 2]",
    "{'descr': '<f4', ",
    "__import__('os').system('true')",
])
def test_malformed_header(header):
    assert error(raw_npy(header, b"\0" * 64)).startswith("malformed NPY header")


def test_bad_magic_npz_and_pickle_are_refused():
    assert "NPY magic" in error(b"not an npy file at all")
    npz = io.BytesIO()
    np.savez(npz, a=np.arange(3))
    assert "NPY magic" in error(npz.getvalue())
    assert "NPY magic" in error(pickle.dumps(np.arange(3)))


def test_short_and_unknown_versions():
    assert error(b"\x93NUMPY").startswith("malformed NPY header")
    assert error(b"\x93NUMPY\x01\x00\x10").startswith("malformed NPY header")
    body = npy_bytes(np.arange(3))
    assert error(body[:6] + b"\x04\x00" + body[8:]).startswith("malformed NPY header")


def test_header_over_10000_bytes():
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }" + " " * 10050
    body = raw_npy(header, b"\0" * 8, version=(2, 0))
    assert "malformed NPY header" in error(body) and "large" in error(body)


def test_empty_body():
    assert error(b"") == "the request body is empty; expected an NPY file"


OBJECT_ARRAYS = [
    np.array([1, "two", None], dtype=object),
    np.array([{"a": 1}], dtype=object),
    np.zeros(2, dtype=[("x", "<f4"), ("y", "O")]),
]


@pytest.mark.parametrize("array", OBJECT_ARRAYS)
def test_object_arrays_are_refused(array):
    message = error(npy_bytes(array))
    assert "pickled/object arrays are refused" in message
    assert "HOOKHOST_NPY_ALLOW_PICKLE=1" in message


@pytest.mark.parametrize("value", ["0", "false", "no", "off", "", "2", "enable"])
def test_only_a_true_boolean_allows_pickle(monkeypatch, value):
    monkeypatch.setenv("HOOKHOST_NPY_ALLOW_PICKLE", value)
    assert "refused" in error(npy_bytes(OBJECT_ARRAYS[0]))


@pytest.mark.parametrize("value", ["1", "true", "YES", "on"])
def test_the_server_booleans_allow_pickle(monkeypatch, value):
    # The same spellings the server's configuration accepts as "on".
    monkeypatch.setenv("HOOKHOST_NPY_ALLOW_PICKLE", value)
    assert decode_npy(npy_bytes(OBJECT_ARRAYS[0])).dtype == object


def test_pickle_opt_in(monkeypatch):
    monkeypatch.setenv("HOOKHOST_NPY_ALLOW_PICKLE", "1")
    result = decode_npy(npy_bytes(OBJECT_ARRAYS[0]))
    assert result.dtype == object and result.tolist() == [1, "two", None]
    # a broken pickle is still a 400, not a crash
    body = npy_bytes(OBJECT_ARRAYS[0])
    assert error(body[:-5]).startswith("malformed NPY body")
    # numeric arrays are unaffected, and the magic is still required
    np.testing.assert_array_equal(decode_npy(npy_bytes(np.arange(3))), np.arange(3))
    assert "NPY magic" in error(pickle.dumps(np.arange(3)))


def test_pickle_opt_in_lifts_header_limit_like_numpy_load(monkeypatch):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }" + " " * 10050
    body = raw_npy(header, np.array([1, 2], dtype="<f4").tobytes(), version=(2, 0))
    monkeypatch.setenv("HOOKHOST_NPY_ALLOW_PICKLE", "1")
    assert decode_npy(body).tolist() == [1.0, 2.0]
