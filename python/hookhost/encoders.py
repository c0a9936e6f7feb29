"""The default output_fn's encoders: a prediction to the bytes of one media type.

This module is the specification the C fast paths must match byte for byte.
``encode(obj, content_type)`` takes a concrete media type (parameters are
ignored; wildcards are not resolved here, see negotiation) and accepts numpy
arrays, numpy scalars and anything numpy.array accepts:

application/json
    ``json.dumps(numpy.asarray(obj).tolist())`` for arrays and numpy
    scalars: ", " separators, floats widened to double and printed with
    repr(), NaN/Infinity/-Infinity tokens, ints as ints, bools as true/false.
    Other objects (lists, dicts, numbers) go through ``json.dumps(obj,
    default=...)`` where numpy values nested inside become ``.tolist()``;
    for a list holding arrays this gives the same bytes as the array would.
text/csv
    ``numpy.savetxt(buf, x, delimiter=',', fmt='%s')`` of ``x =
    numpy.asarray(obj)``: each element as numpy's str() of its scalar, ","
    between, "\\n" after every row including the last; a 1-D array is one
    column; a 0-d array is one value and "\\n"; 3-D and up is NotAcceptable.
    Written as text and encoded as UTF-8.
application/x-npy
    ``numpy.save(buf, obj)`` with the installed numpy: dtype and memory order
    kept (object arrays are pickled, as numpy.save does by default).
application/jsonlines
    One JSON text per first-axis row, each followed by "\\n", every row
    encoded by the JSON rule above: for an array ``json.dumps(row.tolist())``
    (a 1-D array gives one number per line; a 0-d array is one line; an
    empty first axis gives no bytes).  A list or tuple gives one line per
    item; any other object one line.

Any other type raises NotAcceptable (406).
"""

import io
import json

import numpy

from . import _fastpath, content_types
from .errors import NotAcceptable


def encode(obj, content_type):
    """Encodes obj as content_type's media type; returns bytes.

    Raises NotAcceptable for a type with no encoder, or an array CSV cannot
    hold (3-D and up).  Runs the server's C encoders (hookhost._codecs) when
    available, encode_python where they decline; same bytes.
    """
    codecs = _fastpath.codecs()
    if codecs is not None:
        result = codecs.encode(obj, content_type)
        if result is not NotImplemented:
            return result
    return encode_python(obj, content_type)


def encode_python(obj, content_type):
    """encode in pure Python: the specification the C encoders must match."""
    encoder = ENCODERS.get(content_types.media_type(content_type))
    if encoder is None:
        raise NotAcceptable("the default output_fn cannot encode %r; it produces %s "
                            "(implement output_fn for other types)" % (content_type, ", ".join(ENCODERS)))
    return encoder(obj)


def encode_json(obj):
    """JSON bytes (see the module docstring)."""
    return _json_text(obj).encode("utf-8")


def encode_csv(obj):
    """CSV bytes exactly as numpy.savetxt(fmt='%s', delimiter=',') writes them."""
    array = numpy.asarray(obj)
    if array.ndim > 2:
        raise NotAcceptable("text/csv holds 1-D or 2-D arrays, but the prediction has shape %r; "
                            "ask for application/json or application/x-npy" % (array.shape,))
    if array.ndim == 0:
        array = array.reshape(1)
    buffer = io.StringIO()
    numpy.savetxt(buffer, array, delimiter=",", fmt="%s")
    return buffer.getvalue().encode("utf-8")


def encode_npy(obj):
    """The bytes numpy.save writes for obj."""
    buffer = io.BytesIO()
    numpy.save(buffer, obj)
    return buffer.getvalue()


def encode_jsonlines(obj):
    """JSON Lines bytes: one JSON text and "\\n" per first-axis row."""
    if isinstance(obj, (numpy.ndarray, numpy.generic)):
        array = numpy.asarray(obj)
        rows = array.reshape(1) if array.ndim == 0 else array
    elif isinstance(obj, (list, tuple)):
        rows = obj
    else:
        rows = (obj,)
    return "".join(_json_text(row) + "\n" for row in rows).encode("utf-8")


ENCODERS = {
    content_types.JSON: encode_json,
    content_types.CSV: encode_csv,
    content_types.NPY: encode_npy,
    content_types.JSONLINES: encode_jsonlines,
}


def _json_text(obj):
    if isinstance(obj, (numpy.ndarray, numpy.generic)):
        return json.dumps(numpy.asarray(obj).tolist())
    return json.dumps(obj, default=_builtin)


def _builtin(value):
    """json.dumps's fallback: numpy arrays and scalars (and cupy-like objects) via tolist()."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)
