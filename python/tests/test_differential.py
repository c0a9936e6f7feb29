"""Differential exactness: the C codecs (hookhost._codecs) against the Python defaults.

For every codec, random inputs go through both the server's C path and the
pure-Python specification (decoders.decode_python, encoders.encode_python):

- decoders must give the same dtype, shape, strides (NPY) and bitwise-equal
  values (NaNs equal whatever their payload; NPY exactly), or both raise
  with the same HTTP status;
- encoders must give the same bytes, or both raise with the same status.

Where the C path declines (NotImplemented) the server runs the Python default
itself, so a decline is counted, never a mismatch.  Each codec runs until
CASES inputs were compared.  HOOKHOST_DIFF_SEED changes the seed,
HOOKHOST_DIFF_CASES the count.  The counts are printed per codec.
"""
import io
import math
import os
import random
import struct
import time

import numpy as np
import pytest

from hookhost import _fastpath, decoders, encoders
from hookhost.errors import HTTPError

CODECS = _fastpath._codecs
pytestmark = pytest.mark.skipif(
    CODECS is None,
    reason="hookhost._codecs is not built or not importable (`make` builds it into "
           "python/hookhost/ of the build tree; HOOKHOST_EXTENSION_DIR points the tests at it)")

SEED = int(os.environ.get("HOOKHOST_DIFF_SEED", "20240611"))
CASES = int(os.environ.get("HOOKHOST_DIFF_CASES", "10000"))
SHOWN = 5   # mismatches quoted in the failure message

NPY, JSON, CSV, JSONL = "application/x-npy", "application/json", "text/csv", "application/jsonlines"

INTEGER_DTYPES = ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"]
FLOAT_DTYPES = ["f2", "f4", "f8"]
COMPLEX_DTYPES = ["c8", "c16"]
NUMERIC_DTYPES = ["?"] + INTEGER_DTYPES + FLOAT_DTYPES + COMPLEX_DTYPES


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    monkeypatch.delenv("HOOKHOST_NPY_ALLOW_PICKLE", raising=False)


# ---- values ----------------------------------------------------------------------------------

@np.errstate(over="ignore", under="ignore")
def _float_specials(name):
    kind = np.dtype(name).type
    info = np.finfo(name)
    with np.errstate(over="ignore", under="ignore"):
        seeds = [kind(value) for value in (
            0.0, 1.0, 0.5, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 100.0, 1e-4, 1e-5, 1e15, 1e16, 1e17,
            9.999999e-05, 9999999999999998.0, 123456789.0, 2.0 ** 24, 2.0 ** 53, 65504.0, 1e38, 1e-38,
            3.4028234663852886e38, 1.1754943508222875e-38, 1.401298464324817e-45, 5e-324,
            2.2250738585072014e-308, 1.7976931348623157e308)]
    seeds += [info.max, info.tiny, info.smallest_subnormal, info.eps]
    values = []
    for seed in seeds:
        values.append(seed)
        up, down = seed, seed
        for _ in range(2):
            up = np.nextafter(up, kind(np.inf))
            down = np.nextafter(down, kind(-np.inf))
            values += [up, down]
    values += [kind(np.inf), kind(np.nan), -kind(np.nan)]
    values += [-value for value in values]
    return np.array(values, dtype=name)


FLOAT_SPECIALS = {name: _float_specials(name) for name in FLOAT_DTYPES}
UNSIGNED_OF = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def random_floats(rng, name, count):
    """count values of float dtype name: specials, neighbours, random bits, decimals, magnitudes."""
    dtype = np.dtype(name)
    out = np.empty(count, dtype=dtype)
    if count == 0:
        return out
    strategy = rng.integers(0, 5, size=count)
    specials = FLOAT_SPECIALS[name]
    out[:] = specials[rng.integers(0, len(specials), size=count)]
    bits = rng.integers(0, np.iinfo(UNSIGNED_OF[dtype.itemsize]).max, size=count, endpoint=True,
                        dtype=UNSIGNED_OF[dtype.itemsize]).view(dtype)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        decimals = np.round(rng.uniform(-1000, 1000, size=count), rng.integers(0, 6)).astype(dtype)
        magnitudes = (rng.choice([-1.0, 1.0], size=count) *
                      10.0 ** rng.uniform(-46 if dtype.itemsize < 8 else -330, 40 if dtype.itemsize < 8 else 310,
                                          size=count)).astype(dtype)
        integral = rng.integers(-2 ** 31, 2 ** 31, size=count).astype(dtype)
    out[strategy == 1] = bits[strategy == 1]
    out[strategy == 2] = decimals[strategy == 2]
    out[strategy == 3] = magnitudes[strategy == 3]
    out[strategy == 4] = integral[strategy == 4]
    return out


class FloatPool:
    """Single random_floats values, drawn in batches (one numpy call per value is slow)."""

    def __init__(self, rng):
        self.rng = rng
        self.batches = {}

    def take(self, name):
        batch = self.batches.get(name)
        if not batch:
            batch = self.batches[name] = random_floats(self.rng, name, 4096).tolist()
        return batch.pop()


def random_values(rng, name, count):
    dtype = np.dtype(name)
    if dtype.kind == "b":
        return rng.integers(0, 2, size=count).astype(bool)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        out = rng.integers(info.min, info.max, size=count, endpoint=True, dtype=dtype)
        if count and rng.random() < 0.5:
            extremes = np.array([info.min, info.max, 0, 1, info.max - 1, info.min + (dtype.kind == "i"),
                                 info.max // 2, 100], dtype=dtype)
            picks = rng.random(count) < 0.3
            out[picks] = extremes[rng.integers(0, len(extremes), size=int(picks.sum()))]
        if count and rng.random() < 0.3:
            out = out % dtype.type(100)
        return out
    if dtype.kind == "f":
        return random_floats(rng, name, count)
    part = "f4" if dtype.itemsize == 8 else "f8"
    out = np.empty(count, dtype=dtype)
    out.real = random_floats(rng, part, count)
    out.imag = random_floats(rng, part, count)
    return out


def random_shape(r, max_ndim=3, max_count=120):
    if max_ndim > 4 and r.random() < 0.1:
        # Many axes or huge extents (made empty by a 0): NPY headers of every length.
        shape = [r.choice((0, 1, 1, 2, 3, r.randint(1, 10 ** r.randint(1, 18))))
                 for _ in range(r.randint(1, max_ndim))]
        if math.prod(shape) > max_count:
            shape[r.randrange(len(shape))] = 0
        while math.prod(extent for extent in shape if extent) >= 2 ** 58:  # numpy's limit, with itemsize 16
            shape[shape.index(max(shape))] //= 1000
        return tuple(shape)
    ndim = min(r.choice((0, 1, 1, 1, 2, 2, 2, 3, 3, 4)), max_ndim)
    shape = []
    for _ in range(ndim):
        roll = r.random()
        shape.append(0 if roll < 0.06 else 1 if roll < 0.2 else r.randint(2, 5) if roll < 0.85 else r.randint(6, 40))
    while math.prod(shape) > max_count:
        shape[shape.index(max(shape))] //= 2
    return tuple(shape)


def random_array(r, rng, dtypes, max_ndim=3):
    name = r.choice(dtypes)
    shape = random_shape(r, max_ndim)
    array = random_values(rng, name, math.prod(shape)).reshape(shape)
    return array


def vary_layout(r, array):
    """The same values in another memory layout or byte order, or a numpy scalar."""
    roll = r.random()
    if roll < 0.25 and array.dtype.itemsize > 1:
        array = array.astype(array.dtype.newbyteorder(">"))
    roll = r.random()
    if roll < 0.2:
        array = np.asfortranarray(array)
    elif roll < 0.3 and array.ndim >= 1 and array.shape[0] >= 2:
        array = array[::2]
    elif roll < 0.4 and array.ndim >= 2:
        array = array.T
    elif roll < 0.45 and array.ndim == 0:
        array = array[()]          # a numpy scalar
    return array


# ---- running both sides -----------------------------------------------------------------------

def outcome(function, *args):
    try:
        return ("value", function(*args))
    except HTTPError as error:
        return ("status", error.status)
    except Exception as error:  # a non-HTTP failure is an outcome too (and a mismatch if C differs)
        return ("exception", type(error).__name__)


def same_array(c_array, py_array, exact, layout):
    if type(c_array) is not np.ndarray or type(py_array) is not np.ndarray:
        return False
    if c_array.dtype.str != py_array.dtype.str or c_array.shape != py_array.shape:
        return False
    if layout and (c_array.strides != py_array.strides or
                   c_array.flags.writeable != py_array.flags.writeable):
        return False
    if c_array.tobytes() == py_array.tobytes():
        return True
    if exact or c_array.dtype.kind not in "fc":
        return False
    parts = 2 if c_array.dtype.kind == "c" else 1   # complex: compare the real and imaginary floats
    part = np.dtype(c_array.dtype.str[0] + "f%d" % (c_array.dtype.itemsize // parts))
    c_values = np.ascontiguousarray(c_array).reshape(-1).view(part)
    py_values = np.ascontiguousarray(py_array).reshape(-1).view(part)
    unsigned = part.str[0] + "u%d" % part.itemsize
    same = (c_values.view(unsigned) == py_values.view(unsigned)) | (np.isnan(c_values) & np.isnan(py_values))
    return bool(same.all())


class Tally:
    def __init__(self, name):
        self.name = name
        self.compared = self.values = self.errors = self.declined = 0
        self.mismatches = []
        self.started = time.perf_counter()

    def summary(self):
        return ("%-18s compared %6d (values %6d, both refused %5d)  declined %5d  mismatches %d  %.1fs"
                % (self.name, self.compared, self.values, self.errors, self.declined, len(self.mismatches),
                   time.perf_counter() - self.started))


def check(tally, c_result, py_result, shown_input, exact=False, layout=False):
    """Compares one case; returns False when the C path declined."""
    if c_result[0] == "value" and c_result[1] is NotImplemented:
        tally.declined += 1
        return False
    tally.compared += 1
    if c_result[0] == "value" and py_result[0] == "value":
        c_value, py_value = c_result[1], py_result[1]
        if isinstance(py_value, bytes):
            equal = isinstance(c_value, bytes) and c_value == py_value
        else:
            equal = same_array(c_value, py_value, exact, layout)
        tally.values += equal
    else:
        equal = c_result == py_result
        tally.errors += equal
    if not equal:
        tally.mismatches.append((shown_input, c_result, py_result))
    return True


def describe(result):
    kind, value = result
    if kind == "value" and isinstance(value, np.ndarray):
        return "array dtype=%s shape=%s strides=%s values=%r bytes=%s" % (
            value.dtype.str, value.shape, value.strides, value.tolist(), value.tobytes()[:64].hex())
    return "%s %r" % (kind, value if not isinstance(value, bytes) else value[:300])


def report(tally, capsys):
    with capsys.disabled():
        print("\n[differential seed=%d] %s" % (SEED, tally.summary()))
    details = "\n".join("input: %r\n   C: %s\n  Py: %s" % (shown[:400] if isinstance(shown, (bytes, str)) else shown,
                                                           describe(c), describe(py))
                        for shown, c, py in tally.mismatches[:SHOWN])
    assert not tally.mismatches, "%s\n%s" % (tally.summary(), details)
    assert tally.compared >= CASES, "too many declines: the C path barely ran"


def run_cases(tally, make_case):
    """Random cases until CASES more were compared (declines do not count)."""
    target, attempts = tally.compared + CASES, 0
    while tally.compared < target and attempts < 4 * CASES:
        attempts += 1
        make_case()


def generators(offset):
    seed = SEED * 1000 + offset
    return random.Random(seed), np.random.default_rng(seed)


# ---- NPY -------------------------------------------------------------------------------------

def npy_bytes(array, version):
    stream = io.BytesIO()
    np.lib.format.write_array(stream, np.asanyarray(array), version=version)
    return stream.getvalue()


def handmade_npy(r, array):
    """An NPY file whose header dict is written by hand, in the spellings other writers use."""
    fortran = array.flags.f_contiguous and not array.flags.c_contiguous
    descr = np.lib.format.dtype_to_descr(array.dtype)
    shape = array.shape
    version = r.choice(((1, 0), (2, 0), (3, 0)))
    space = lambda: r.choice(("", " ", "  ", "\t"))  # noqa: E731
    # Python 2 writers' 'L' suffix (numpy drops it for 1.0/2.0; a syntax error in 3.0)
    suffix = lambda: "L" if r.random() < 0.05 else ""  # noqa: E731
    if r.random() < 0.1:       # other spellings of the dtype: '=', '|', its name, a lying byte order
        descr = r.choice(("=" + descr[1:], "|" + descr[1:], array.dtype.name, descr.replace("<", ">"),
                          descr.upper(), descr + " "))
    fortran_text = str(fortran) if r.random() < 0.97 else r.choice(("0", "1", "'False'", "None"))
    shape_text = "(%s%s)" % ((",%s" % space()).join(str(d) + suffix() for d in shape),
                             "," if len(shape) == 1 or (shape and r.random() < 0.3) else "")
    if r.random() < 0.03:
        shape_text = r.choice(("[%s]" % shape_text[1:-1], "(-1,)", "None", "(%s)" % ",".join(["1"] * 33)))
    items = ["'descr':%s%r" % (space(), descr),
             "'fortran_order':%s%s" % (space(), fortran_text),
             "'shape':%s%s" % (space(), shape_text)]
    if r.random() < 0.03:
        items.append(r.choice(("'extra': 1", "'descr': '<f8'")))
    if r.random() < 0.03:
        items.pop(r.randrange(len(items)))
    r.shuffle(items)
    quote = r.choice(("'", '"'))
    header = "{%s%s%s}" % (space(), ("," + space()).join(items), "," if r.random() < 0.3 else "")
    header = header.replace("'", quote)
    length_format = "<H" if version == (1, 0) else "<I"
    prefix = 6 + 2 + struct.calcsize(length_format)
    padding = (64 - (prefix + len(header) + 1) % 64) % 64 if r.random() < 0.8 else r.randint(0, 5)
    data = header.encode("latin-1") + b" " * padding + b"\n"
    payload = array.tobytes(order="F" if fortran else "C")
    return b"\x93NUMPY" + bytes(version) + struct.pack(length_format, len(data)) + data + payload


def corrupt(r, body):
    roll = r.random()
    if roll < 0.4:
        return body[:r.randint(0, len(body) - 1)] if body else body
    if roll < 0.8:
        position = r.randint(0, min(len(body), 140) - 1)
        return body[:position] + bytes([r.randint(0, 255)]) + body[position + 1:]
    return body + bytes(r.randint(0, 255) for _ in range(r.randint(1, 9)))


def header_sweep():
    """Empty arrays whose NPY headers take every length mod 64 (numpy's padding rule)."""
    for name in ("<f4", ">c16", "|b1"):
        for digits in range(17):
            for ones in range(0, 30, 3):
                array = np.zeros((0, 10 ** digits) + (1,) * ones, dtype=name)
                yield array
                yield np.asfortranarray(array.reshape((1,) + array.shape))


def test_npy_decode(capsys):
    r, rng = generators(1)
    tally = Tally("NPY decode")
    for array in header_sweep():
        body = npy_bytes(array, None)
        check(tally, outcome(CODECS.decode, body, NPY), outcome(decoders.decode_python, body, NPY), body,
              exact=True, layout=True)

    def case():
        array = vary_layout(r, random_array(r, rng, NUMERIC_DTYPES, max_ndim=32))
        roll = r.random()
        if roll < 0.7:
            body = npy_bytes(array, r.choice((None, (1, 0), (2, 0), (3, 0))))
        else:
            body = handmade_npy(r, np.asarray(array))
        if r.random() < 0.12:
            body = corrupt(r, body)
        check(tally, outcome(CODECS.decode, body, NPY), outcome(decoders.decode_python, body, NPY), body,
              exact=True, layout=True)

    run_cases(tally, case)
    report(tally, capsys)


def test_npy_encode(capsys):
    r, rng = generators(2)
    tally = Tally("NPY encode")
    for array in header_sweep():
        check(tally, outcome(CODECS.encode, array, NPY), outcome(encoders.encode_python, array, NPY), array)

    def case():
        array = vary_layout(r, random_array(r, rng, NUMERIC_DTYPES, max_ndim=32))
        check(tally, outcome(CODECS.encode, array, NPY), outcome(encoders.encode_python, array, NPY), array)

    run_cases(tally, case)
    report(tally, capsys)


# ---- encoders of text ------------------------------------------------------------------------

TEXT_ENCODE_DTYPES = ["?"] + INTEGER_DTYPES + FLOAT_DTYPES * 3   # floats are where the printing is hard


@pytest.mark.parametrize("media, max_ndim, name", [(JSON, 3, "JSON encode"), (CSV, 3, "CSV encode"),
                                                   (JSONL, 3, "JSON Lines encode")])
def test_text_encode(capsys, media, max_ndim, name):
    r, rng = generators({JSON: 3, CSV: 4, JSONL: 5}[media])
    tally = Tally(name)

    def case():
        dtypes = COMPLEX_DTYPES if r.random() < 0.01 else TEXT_ENCODE_DTYPES
        # CSV refuses 3-D and up (406): enough of those to check the status, mostly values
        ndim = 2 if media == CSV and r.random() < 0.85 else max_ndim
        array = vary_layout(r, random_array(r, rng, dtypes, max_ndim=ndim))
        check(tally, outcome(CODECS.encode, array, media), outcome(encoders.encode_python, array, media), array)

    run_cases(tally, case)
    report(tally, capsys)


# ---- JSON and JSON Lines decoders ------------------------------------------------------------

@np.errstate(over="ignore")
def float32_midpoint_text(r, rng):
    """Decimal text at or next to a point halfway between two float32s (double rounding bites here)."""
    low = np.float32(rng.take("f4"))
    if not np.isfinite(low):
        low = np.float32(1.5)
    high = np.nextafter(low, np.float32(np.inf))
    if not np.isfinite(high):
        high = np.nextafter(low, np.float32(-np.inf))
    middle = (float(low) + float(high)) / 2
    middle = r.choice((middle, np.nextafter(middle, np.inf), np.nextafter(middle, -np.inf)))
    return r.choice(("%r", "%.17g", "%.25e", "%.40g")) % float(middle)


def float32_midpoint_integer(r):
    """An integer at or next to a float32 midpoint beyond 2**53, where int -> float32 (one
    rounding, int64/uint64 arrays) and int -> double -> float32 (two) can differ."""
    bits = r.randint(54, 64)
    mantissa = r.randint(2 ** 23, 2 ** 24 - 1)
    value = (2 * mantissa + 1) << (bits - 25)
    value += r.choice((0, 0, 1, -1, 2, -2, r.randint(-2 ** 20, 2 ** 20)))
    return -value if bits < 63 and r.random() < 0.3 else value


EXTREME_NUMBERS = ["9" * 310, "1" + "0" * 4400, "0." + "0" * 400 + "1", "1" * 500 + ".5", "1e-99999",
                   "1e+99999", "-0e99999999999999999999", "1" + "0" * 60 + "e-60", "0" * 1 + ".0e0",
                   "123456789012345678901234567890e-20", "2.4703282292062327e-324",
                   "2.4703282292062328e-324", "1.7976931348623158e308", "1.7976931348623159e308"]


@np.errstate(over="ignore")
def number_text(r, rng, json_syntax):
    """A number as text, in the many spellings clients use."""
    roll = r.random()
    if roll < 0.2:
        value = r.choice((0, 1, -1, 7, 42, 255, 65535, 2 ** 24 + 1, 2 ** 31, 2 ** 53 + 1, 2 ** 63 - 1, -2 ** 63,
                          2 ** 64 - 1, 2 ** 64, -2 ** 63 - 1, 2 ** 70 + 1, 10 ** r.randint(0, 40),
                          r.randint(-10 ** 6, 10 ** 6), r.randint(-2 ** 70, 2 ** 70)))
        text = str(value)
    elif roll < 0.27:
        text = str(float32_midpoint_integer(r))
    elif roll < 0.28:
        text = r.choice(EXTREME_NUMBERS)
        if json_syntax and text.startswith("."):
            text = "0" + text
    elif roll < 0.38:
        text = float32_midpoint_text(r, rng)
    else:
        value = rng.take(r.choice(("f4", "f8", "f8")))
        if not math.isfinite(value):
            value = r.choice((1e400, -1e400, 0.0)) if json_syntax else value
        style = r.random()
        if style < 0.4:
            text = repr(value)
        elif style < 0.6:
            text = ("%." + str(r.randint(0, 20)) + r.choice("eEgG") + "") % value
        elif style < 0.7:
            text = "%.40e" % value
        elif style < 0.8:
            text = ("%." + str(r.randint(0, 8)) + "f") % value if abs(value) < 1e22 else repr(value)
        else:
            text = repr(float(np.float32(value))) if math.isfinite(np.float32(value)) else repr(value)
        if text in ("inf", "-inf", "nan"):
            text = {"inf": "1e999", "-inf": "-1e999", "nan": "0"}[text] if json_syntax else text
        if json_syntax:
            # JSON's grammar: no leading '+' in the exponent is fine, but no '.5', '5.' or '1.e5'
            if text.endswith("."):
                text += "0"
            text = text.replace(".e", ".0e").replace(".E", ".0E")
    if not json_syntax:
        return text
    if r.random() < 0.05 and "e" not in text.lower() and "." in text:
        text = text + r.choice(("e0", "E+00", "e-0", "e007"))
    return text


JSON_STRINGS = ['"42"', '" 42 "', '"1_000"', '"nan"', '"NaN"', '"-Infinity"', '"inf"', '"+1.5"', '"1e5"',
                '"0x10"', '"abc"', '""', '"\\t7"', '"\\u0037"', '"1.5e-3"', '"  -0.0"', '"1e400"',
                '"\u0663"', '"12."', '".5"', '"infinity"', '"-nan"']
JSON_BAD = ['{}', '{"a": 1}', '[1,]', '01', '.5', '+1', "'1'", 'NAN', 'nan', 'Inf', '1.', '- 1', 'tru', '"',
            '[', ']', '1 2', '/* c */ 1', '\x0c1', '\ufeff1', '--1', '1e', '0x10']


def json_token(r, rng, mode):
    if mode == "chaos":
        mode = r.choice(("special", "string", "bool", "null", "int", "float"))
    roll = r.random()
    if mode == "special" and roll < 0.4:
        return r.choice(("NaN", "Infinity", "-Infinity", "true", "false", "null", "-0", "-0.0", "1e999"))
    if mode == "string" and roll < 0.3:
        return r.choice(JSON_STRINGS) if r.random() < 0.5 else '"%s"' % number_text(r, rng, False).strip()
    if mode == "bool" and roll < 0.5:
        return r.choice(("true", "false"))
    if mode == "null" and roll < 0.2:
        return "null"
    if mode == "int" or (mode == "bool" and roll < 0.7):
        return str(r.choice((r.randint(-1000, 1000), r.randint(-2 ** 63, 2 ** 63 - 1), r.randint(0, 2 ** 64 - 1),
                             r.randint(-10 ** 25, 10 ** 25), 2 ** 63, -2 ** 63, 2 ** 64 - 1, 2 ** 64,
                             float32_midpoint_integer(r), float32_midpoint_integer(r))))
    return number_text(r, rng, True)


def json_space(r, chance=0.2):
    return "".join(r.choice(" \t\n\r") for _ in range(r.randint(1, 3))) if r.random() < chance else ""


def json_document(r, rng, shape, mode, space_chance):
    if not shape:
        return json_space(r, space_chance) + json_token(r, rng, mode) + json_space(r, space_chance)
    inner = [json_document(r, rng, shape[1:], mode, space_chance) for _ in range(shape[0])]
    separator = ","
    return (json_space(r, space_chance) + "[" + json_space(r, space_chance) +
            separator.join(inner) + json_space(r, space_chance) + "]" + json_space(r, space_chance))


def json_break(r, text):
    """text made invalid (or oddly valid) in one of the ways clients get it wrong."""
    roll = r.random()
    if roll < 0.25 and "]" in text:     # ragged: drop the last element of one inner list
        position = text.rfind(",", 0, text.find("]"))
        return text[:position] + text[text.find("]"):] if position > 0 else text + "]"
    if roll < 0.35:
        return "[" + text + ", [1]]"    # depth differs
    if roll < 0.7:
        position = r.randint(0, len(text))
        return text[:position] + r.choice(JSON_BAD) + text[position:]
    if roll < 0.8:
        return "[" * r.randint(30, 40) + "1" + "]" * r.randint(30, 40)
    if roll < 0.9:
        return text.encode("utf-8")[:-1].decode("utf-8", "ignore") if text else text
    return text + r.choice(("\n", " ", "x", "]", "\x00"))


def text_body(r, text):
    """text as the request body: UTF-8, now and then with invalid bytes."""
    body = text.encode("utf-8")
    if r.random() < 0.01:
        position = r.randint(0, len(body))
        body = body[:position] + r.choice((b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80")) + body[position:]
    return body


def test_json_decode(capsys):
    r, rng = generators(6)
    rng = FloatPool(rng)
    tally = Tally("JSON decode")

    def case():
        shape = random_shape(r, max_ndim=3, max_count=60)
        mode = r.choice(("int", "int", "float", "float", "float", "special", "string", "bool", "null", "chaos"))
        text = json_document(r, rng, shape, mode, r.choice((0, 0.1, 0.5)))
        if r.random() < 0.15:
            text = json_break(r, text)
        body = text_body(r, text)
        text = body.decode("utf-8", "replace")
        c_body = body if r.random() < 0.9 else text    # str bodies, as a script's input_fn has them
        check(tally, outcome(CODECS.decode, c_body, JSON), outcome(decoders.decode_python, text, JSON), body)

    run_cases(tally, case)
    report(tally, capsys)


def test_jsonlines_decode(capsys):
    r, rng = generators(7)
    rng = FloatPool(rng)
    tally = Tally("JSON Lines decode")

    def case():
        rows, width = r.choice((1, 1, 2, 3, 5, 9)), r.choice((0, 1, 2, 3, 4, 7))
        mode = r.choice(("int", "int", "float", "float", "special", "string", "bool", "null", "chaos"))
        space_chance = r.choice((0, 0.1, 0.4))
        lines = [json_document(r, rng, (width,), mode, space_chance).replace("\n", " ").replace("\r", " ")
                 for _ in range(rows)]
        roll = r.random()
        if roll < 0.1:
            lines.insert(r.randint(0, len(lines)), r.choice(("", " ", "\t", " \t ")))
        elif roll < 0.2:
            index = r.randrange(len(lines))
            lines[index] = r.choice(("[[1, 2]]", "1", '"x"', "{}", "[1, [2]]", "[1, 2", "null", "[]",
                                     "[" + ", ".join(["1"] * (width + 1)) + "]", "# comment", "\x0c[1]"))
        elif roll < 0.25:
            index = r.randrange(len(lines))
            lines[index] = json_break(r, lines[index]).replace("\n", " ")
        newline = r.choice(("\n", "\n", "\r\n"))
        text = newline.join(lines) + (newline if r.random() < 0.6 else "")
        body = text_body(r, text)
        check(tally, outcome(CODECS.decode, body, JSONL), outcome(decoders.decode_python, body, JSONL), body)

    run_cases(tally, case)
    report(tally, capsys)


# ---- CSV decoder -----------------------------------------------------------------------------

CSV_ODD_FIELDS = ["9" * 400, "0." + "0" * 400 + "1", "1e-99999", "-1e99999",
                  "nan", "NaN", "-nan", "+NAN", "inf", "-Inf", "+infinity", "INFINITY", "-0", "+0.0", ".5",
                  "5.", "-.5e-3", "1E5", "1e+05", "0001.5000", "00", "1e-400", "-1e400", "4.9e-324",
                  "3.4028235e38", "3.4028236e38", "1.1754942e-38", "1e-45", "7e-46"]
CSV_BAD_FIELDS = ["", "1_000", "0x10", "abc", "1e", "--1", "+-1", "1.2.3", "e5", ".", "-", "nan1",
                  "inff", "\u0663", "1,5", "1 2", "'1'", "1e5.0", "\x00", "TRUE"]


def csv_field(r, rng):
    roll = r.random()
    if roll < 0.12:
        text = r.choice(CSV_ODD_FIELDS)
    else:
        text = number_text(r, rng, False)
    return text


def csv_dress(r, text, odd):
    """A field with the spaces, tabs and quotes the grammar allows around it."""
    if not odd:
        return text
    roll = r.random()
    pad = lambda: "".join(r.choice(" \t") for _ in range(r.randint(0, 2)))  # noqa: E731
    if roll < 0.3:
        return pad() + text + pad()
    if roll < 0.6:
        return pad() + '"' + pad() + text + pad() + '"' + pad()
    return text


def test_csv_decode(capsys):
    r, rng = generators(8)
    rng = FloatPool(rng)
    tally = Tally("CSV decode")

    def case():
        rows, width = r.choice((1, 1, 2, 3, 4, 8)), r.choice((1, 1, 2, 3, 5))
        odd = r.random() < 0.4
        lines = [",".join(csv_dress(r, csv_field(r, rng), odd) for _ in range(width)) for _ in range(rows)]
        roll = r.random()
        if roll < 0.12:
            lines.insert(r.randint(0, len(lines)), r.choice(("", " ", "\t", "# a comment", "  #x,y", "#")))
        elif roll < 0.27:
            index = r.randrange(len(lines))
            fields = lines[index].split(",")
            kind = r.random()
            if kind < 0.5:
                fields[r.randrange(len(fields))] = csv_dress(r, r.choice(CSV_BAD_FIELDS), True)
            elif kind < 0.7:
                fields.append("1") if r.random() < 0.5 or len(fields) == 1 else fields.pop()
            elif kind < 0.85:
                fields[r.randrange(len(fields))] = r.choice(('"1', '"1"x', '"1""', '""', '"1"2"', '1"', '"1\r"'))
            else:
                fields[r.randrange(len(fields))] = r.choice(("1\r2", "1\x0b", "\x0c1", "1\u00a0"))
            lines[index] = ",".join(fields)
        newline = r.choice(("\n", "\n", "\r\n"))
        text = newline.join(lines) + (newline if r.random() < 0.6 else "")
        if r.random() < 0.03:
            text = "\ufeff" + text
        if r.random() < 0.02:
            text = r.choice(("", "\n", "# only\n", "\r\n\r\n"))
        body = text_body(r, text)
        text = body.decode("utf-8", "replace")
        c_body = body if r.random() < 0.9 else text
        check(tally, outcome(CODECS.decode, c_body, CSV), outcome(decoders.decode_python, text, CSV), body)

    run_cases(tally, case)
    report(tally, capsys)


# ---- the wrappers ----------------------------------------------------------------------------

def test_wrappers_use_the_extension_and_honour_fastpath_off(monkeypatch):
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    body = encoders.encode(array, NPY)
    monkeypatch.setattr(decoders, "decode_python", lambda *args: pytest.fail("C path not used"))
    monkeypatch.setattr(encoders, "encode_python", lambda *args: pytest.fail("C path not used"))
    result = decoders.decode(body, NPY)
    assert result.flags.writeable and not np.shares_memory(result, np.frombuffer(body, np.uint8))
    assert encoders.encode(array, JSON) == b"[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]"
    monkeypatch.setenv("HOOKHOST_FASTPATH", " Off ")
    with pytest.raises(pytest.fail.Exception):
        decoders.decode(body, NPY)
    with pytest.raises(pytest.fail.Exception):
        encoders.encode(array, JSON)


def test_npy_view_of_a_writable_buffer():
    array = np.arange(1000, dtype=np.float32).reshape(10, 100)
    body = bytearray(encoders.encode_python(array, NPY))
    result = CODECS.decode(body, NPY)
    assert np.shares_memory(result, np.frombuffer(body, np.uint8))
    assert result.base is not None and result.base.obj is body
    np.testing.assert_array_equal(result, array)
    # decoders.decode keeps numpy.load's independence from the caller's buffer
    assert not np.shares_memory(decoders.decode(body, NPY), np.frombuffer(body, np.uint8))


@pytest.mark.xfail(strict=True, reason="known divergence: npy_decode answers 400 for a header over 10000 bytes "
                                       "even when HOOKHOST_NPY_ALLOW_PICKLE=1 lifts numpy.load's limit for the "
                                       "Python default; remove this marker once the C path declines there")
def test_npy_header_over_the_limit_with_pickle_allowed(monkeypatch):
    monkeypatch.setenv("HOOKHOST_NPY_ALLOW_PICKLE", "1")
    header = ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }" + " " * 12000 + "\n").encode()
    body = b"\x93NUMPY\x02\x00" + struct.pack("<I", len(header)) + header + np.float32([1, 2]).tobytes()
    c_result, py_result = outcome(CODECS.decode, body, NPY), outcome(decoders.decode_python, body, NPY)
    assert py_result[0] == "value"
    assert c_result[0] == "value", c_result
