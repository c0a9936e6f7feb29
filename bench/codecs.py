#!/usr/bin/python3
"""C codecs (hookhost._codecs, the server's own) against the Python baselines, in one run.

    HOOKHOST_EXTENSION_DIR=BUILD/python/hookhost /usr/bin/python3 bench/codecs.py [--quick]

For float32 arrays of 1x10, 100x100 and 1000x1000, times each operation
(median of repeats, timeit) through the C path and through the baseline of
issue 3 item 9 on the same input, and prints a Markdown table of the times and
ratios (baseline / C: how many times faster C is).  Not a test: the numbers
depend on the machine and its load.

NPY decode is timed two ways: as the server runs it (the array views the
request body: no copy; here a bytearray handed to hookhost._codecs.decode)
and through the public hookhost.decoders.decode(bytes), which copies the
payload once so the array is independent of the caller's bytes, as
numpy.load's is.  The no-copy claim is checked with numpy.shares_memory and
the array's base chain, and printed.
"""
import io
import json
import os
import statistics
import sys
import timeit

import numpy as np

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "python"))

from hookhost import _fastpath, decoders  # noqa: E402

NPY, JSON, CSV = "application/x-npy", "application/json", "text/csv"
SHAPES = [(1, 10), (100, 100), (1000, 1000)]
TARGETS = {"NPY decode (server path, no copy)": 20, "JSON decode": 5, "JSON encode": 5,
           "CSV decode": 10, "CSV encode": 10}


def per_call(function, budget):
    """Median seconds per call over repeats of about budget seconds each."""
    timer = timeit.Timer(function)
    number, elapsed = timer.autorange()       # number such that one repeat takes >= 0.2 s
    number = max(1, int(number * budget / 0.2)) if elapsed < budget else number
    repeats = 5 if elapsed < 1.0 else 3
    times = timer.repeat(repeat=repeats, number=number)
    return statistics.median(times) / number


def npy_bytes(array):
    stream = io.BytesIO()
    np.save(stream, array)
    return stream.getvalue()


def savetxt(array):
    stream = io.StringIO()
    np.savetxt(stream, array, delimiter=",", fmt="%s")
    return stream.getvalue()


def cases(array):
    """(operation, C call, baseline call, baseline name) for one input array."""
    codecs = _fastpath._codecs
    npy = npy_bytes(array)
    npy_buffer = bytearray(npy)
    json_text = json.dumps(array.tolist())
    json_body = json_text.encode()
    csv_text = savetxt(array)
    csv_body = csv_text.encode()
    return [
        ("NPY decode (server path, no copy)", lambda: codecs.decode(npy_buffer, NPY),
         lambda: np.load(io.BytesIO(npy)), "numpy.load(io.BytesIO(b))"),
        ("NPY decode (decoders.decode(bytes), one copy)", lambda: decoders.decode(npy, NPY),
         lambda: np.load(io.BytesIO(npy)), "numpy.load(io.BytesIO(b))"),
        ("JSON decode", lambda: codecs.decode(json_body, JSON),
         lambda: np.array(json.loads(json_text), dtype=np.float32), "numpy.array(json.loads(s), dtype=float32)"),
        ("JSON encode", lambda: codecs.encode(array, JSON),
         lambda: json.dumps(array.tolist()), "json.dumps(a.tolist())"),
        ("CSV decode", lambda: codecs.decode(csv_body, CSV),
         lambda: np.genfromtxt(io.StringIO(csv_text), delimiter=",", dtype=np.float32),
         "numpy.genfromtxt(..., delimiter=',', dtype=float32)"),
        ("CSV encode", lambda: codecs.encode(array, CSV),
         lambda: savetxt(array), "numpy.savetxt(buf, a, delimiter=',', fmt='%s')"),
    ]


def check_outputs(array):
    """The C results equal the baselines' (so the race is fair) and NPY decode does not copy."""
    codecs = _fastpath._codecs
    npy = npy_bytes(array)
    buffer = bytearray(npy)
    view = codecs.decode(buffer, NPY)
    assert np.shares_memory(view, np.frombuffer(buffer, np.uint8)), "NPY decode copied the payload"
    assert isinstance(view.base, memoryview) and view.base.obj is buffer
    copy = decoders.decode(npy, NPY)
    assert not np.shares_memory(copy, np.frombuffer(npy, np.uint8)) and copy.flags.writeable
    np.testing.assert_array_equal(view, array)
    assert codecs.encode(array, JSON) == json.dumps(array.tolist()).encode()
    assert codecs.encode(array, CSV) == savetxt(array).encode()
    np.testing.assert_array_equal(codecs.decode(json.dumps(array.tolist()).encode(), JSON), array)
    np.testing.assert_array_equal(codecs.decode(savetxt(array).encode(), CSV).reshape(array.shape), array)
    return ("no copy: numpy.shares_memory(array, body) is True; array.base is a memoryview of the "
            "request bytearray (base.obj is body)")


def main():
    if _fastpath._codecs is None:
        sys.exit("bench/codecs.py: hookhost._codecs is not importable; build it (make) and set "
                 "HOOKHOST_EXTENSION_DIR=BUILD/python/hookhost, or install hookhost")
    quick = "--quick" in sys.argv[1:]
    budget = 0.05 if quick else 0.2
    rng = np.random.default_rng(7)
    rows = []
    for shape in SHAPES:
        array = rng.standard_normal(shape).astype(np.float32)
        note = check_outputs(array)
        for name, c_call, baseline, baseline_name in cases(array):
            c_time = per_call(c_call, budget)
            base_time = per_call(baseline, budget)
            rows.append((name, "x".join(map(str, shape)), c_time, base_time, baseline_name))
            print("%-46s %-9s C %10.1f us  baseline %11.1f us  ratio %7.1fx"
                  % (name, rows[-1][1], c_time * 1e6, base_time * 1e6, base_time / c_time), file=sys.stderr)
    print("numpy %s, Python %s, %s\n" % (np.__version__, sys.version.split()[0], note))
    print("| operation | shape | C path | baseline | ratio (baseline / C) | target | baseline call |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    for name, shape, c_time, base_time, baseline_name in rows:
        target = TARGETS.get(name)
        print("| %s | %s | %s | %s | %.1fx | %s | `%s` |" % (
            name, shape, human(c_time), human(base_time), base_time / c_time,
            ">= %dx" % target if target else "", baseline_name))


def human(seconds):
    if seconds < 1e-3:
        return "%.1f us" % (seconds * 1e6)
    if seconds < 1:
        return "%.2f ms" % (seconds * 1e3)
    return "%.2f s" % seconds


if __name__ == "__main__":
    main()
