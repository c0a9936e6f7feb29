"""The default input_fn's decoders: a request body to a numpy array.

This module is the specification the C fast paths (src/codec_*.c) must match
value for value; CONTRACT.md section 4 is the summary.  ``decode(body,
content_type)`` picks a decoder by media type (content_types.media_type):

application/x-npy
    The array exactly as ``numpy.load`` gives it: any dtype, byte order,
    Fortran order, format 1.0/2.0/3.0; bytes after the array data are ignored,
    as numpy.load ignores them.  The body must start with the NPY magic (an
    .npz archive or a bare pickle is refused).  A header numpy.load refuses
    (over 10000 characters, not the dict numpy writes), a negative dimension,
    or fewer data bytes than shape x itemsize are refused before the array is
    allocated.  Object dtypes (also inside a structured dtype) need
    unpickling and are refused unless the environment has
    HOOKHOST_NPY_ALLOW_PICKLE=1 (exactly "1", read at every call); then
    numpy.load(allow_pickle=True) runs and, as in numpy.load, the header
    limit is lifted.
application/json
    ``numpy.array(json.loads(body)).astype(numpy.float32)``, with Python's
    json (so NaN, Infinity and -Infinity are accepted, a byte order mark is
    not) and numpy's casting rules: numeric strings convert as Python's
    float() reads them (" 42 " and "1_000" included), true/false are 1/0,
    null is NaN, numbers beyond float32 become +-inf (silently), integers
    beyond a double are refused.  Scalars give 0-d arrays.  Ragged lists,
    more than 32 levels, objects and non-numeric strings are refused.
text/csv
    See decode_csv: a strict numeric grammar, float32, squeezed shape.
application/jsonlines
    See decode_jsonlines: one flat JSON array per line, a 2-D float32 array.

Every failure is BadRequest (400) with a message for the client; an unknown
media type is UnsupportedMediaType (415).  An empty body is refused for
every type.  A str body is used as is by the text decoders (a bytes body is
read as UTF-8 with invalid bytes replaced, as the server does); the NPY
decoder takes bytes (a str is encoded as UTF-8).
"""

import io
import json
import math
import os
import re

import numpy

from . import _fastpath, content_types
from .errors import BadRequest, UnsupportedMediaType

PICKLE_VARIABLE = "HOOKHOST_NPY_ALLOW_PICKLE"
NPY_MAGIC = b"\x93NUMPY"
NPY_MAX_HEADER = 10000

_OWS = " \t"

# A CSV field, after quotes and surrounding spaces/tabs are removed.  ASCII
# digits only; no underscores, hex, or other text Python's float() accepts.
CSV_NUMBER = re.compile(
    r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|nan|inf|infinity)\Z",
    re.ASCII | re.IGNORECASE)

# A whole line of unquoted valid fields, to skip the field-by-field scan.
_CSV_PLAIN_LINE = re.compile(
    r"[ \t]*(?:%s)[ \t]*(?:,[ \t]*(?:%s)[ \t]*)*\Z" % ((CSV_NUMBER.pattern[:-2],) * 2),
    re.ASCII | re.IGNORECASE)


def decode(body, content_type):
    """Decodes a request body by its content type into a numpy array.

    Raises UnsupportedMediaType for a type with no decoder, BadRequest for an
    empty or malformed body.  Runs the server's C decoders (hookhost._codecs)
    when available, decode_python where they decline; same results.
    """
    codecs = _fastpath.codecs()
    if codecs is not None:
        if not isinstance(body, (bytes, str)):
            # The extension views a writable buffer in place; a copy keeps
            # the result independent of the caller's buffer, as numpy.load's.
            try:
                body = bytearray(memoryview(body))
            except TypeError:
                pass  # not bytes-like: the extension declines, the Python default decides
        result = codecs.decode(body, content_type)
        if result is not NotImplemented:
            return result
    return decode_python(body, content_type)


def decode_python(body, content_type):
    """decode in pure Python: the specification the C decoders must match."""
    decoder = DECODERS.get(content_types.media_type(content_type))
    if decoder is None:
        raise UnsupportedMediaType(
            "content type %r is not supported by the default input_fn, which decodes %s; "
            "implement input_fn(body, content_type) in your script to accept it"
            % (content_type, ", ".join(DECODERS)))
    return decoder(body)


def pickle_allowed():
    """True when HOOKHOST_NPY_ALLOW_PICKLE is on: 1, true, yes or on (any case),
    the spellings the server's configuration accepts."""
    return os.environ.get(PICKLE_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on")


def decode_npy(body):
    """An NPY body to the array numpy.load gives (see the module docstring)."""
    data = _as_bytes(body)
    _refuse_empty(data, "an NPY file")
    if not data.startswith(NPY_MAGIC):
        raise BadRequest("the body is not an NPY file: it does not start with the NPY magic "
                         "b'\\x93NUMPY' (.npz archives and pickles are not accepted)")
    allow_pickle = pickle_allowed()
    stream = io.BytesIO(data)
    try:
        version = numpy.lib.format.read_magic(stream)
        # numpy has no public reader for a 3.0 header; this is what numpy.load calls.
        shape, _, dtype = numpy.lib.format._read_array_header(
            stream, version, max_header_size=2 ** 64 if allow_pickle else NPY_MAX_HEADER)
    except Exception as exc:
        raise BadRequest("malformed NPY header: %s" % exc) from None
    if dtype.hasobject:
        if not allow_pickle:
            raise BadRequest(
                "the NPY body holds an object array (dtype %s), which loads only by unpickling; "
                "pickled/object arrays are refused because unpickling runs arbitrary code. "
                "Send a numeric dtype, or set %s=1 on the server to allow them" % (dtype, PICKLE_VARIABLE))
    else:
        if any(extent < 0 for extent in shape):
            raise BadRequest("malformed NPY header: negative dimension in shape %r" % (shape,))
        needed = math.prod(shape) * dtype.itemsize
        available = len(data) - stream.tell()
        if needed > available:
            raise BadRequest("truncated NPY body: the header promises %d bytes of data (shape %r, dtype %s) "
                             "but only %d follow it" % (needed, shape, dtype, available))
    try:
        return numpy.load(io.BytesIO(data), allow_pickle=allow_pickle)
    except Exception as exc:
        raise BadRequest("malformed NPY body: %s" % exc) from None


def decode_json(body):
    """A JSON document to ``numpy.array(json.loads(body)).astype(float32)``."""
    text = _as_text(body)
    _refuse_empty(text, "a JSON document")
    return _float32_array(_load_json(text, "the body"), "the JSON body")


def decode_csv(body):
    """Numeric CSV to a float32 array.

    Grammar, exactly:

    - A leading U+FEFF (byte order mark) is ignored.
    - Lines are split on LF; one CR before the LF (or at the end) is removed.
      Lines are numbered from 1, counting every line, skipped ones included.
    - A line that is empty or only spaces/tabs is skipped, and so is one whose
      first character after spaces/tabs is '#'.  A trailing newline is
      optional.
    - Fields are separated by ','.  A field may be quoted ("..." with "" for
      a literal quote, RFC 4180); a quoted field ends on its line (quotes do
      not span lines) and only spaces/tabs may follow its closing quote.
      Spaces and tabs around a field, and inside its quotes, are ignored.
    - A field must then match CSV_NUMBER: [+-]? followed by digits[.digits*]
      or .digits with an optional [eE][+-]?digits exponent, or by nan, inf or
      infinity in any case.  It is read with Python's float() (correctly
      rounded double, out-of-range -> +-inf) and then rounded to float32
      (round-half-even, overflow -> +-inf).
    - Every data line must have as many fields as the first.

    Errors are BadRequest "line L column C: ..." where C is the 1-based field
    number.  Within a line fields are checked left to right (the first bad
    one is reported) before the field count is compared; a row with the
    wrong count is reported at column min(count, expected) + 1.  A body with
    no data lines is refused.

    The shape is squeezed as numpy.genfromtxt does: one row and one column
    -> 0-d, one row -> 1-D, one column -> 1-D, otherwise 2-D (rows, columns).
    """
    text = _as_text(body)
    _refuse_empty(text, "CSV")
    if text.startswith("\ufeff"):
        text = text[1:]
    rows = []
    first_line = None
    for number, line in enumerate(text.split("\n"), start=1):
        if line.endswith("\r"):
            line = line[:-1]
        content = line.lstrip(_OWS)
        if not content or content.startswith("#"):
            continue
        values = _csv_row(line, number)
        if first_line is None:
            first_line = number
        elif len(values) != len(rows[0]):
            raise BadRequest("line %d column %d: this row has %d fields but line %d has %d"
                             % (number, min(len(values), len(rows[0])) + 1, len(values),
                                first_line, len(rows[0])))
        rows.append(values)
    if not rows:
        raise BadRequest("the CSV body holds no data rows (only blank or comment lines)")
    with numpy.errstate(over="ignore", invalid="ignore"):
        array = numpy.array(rows, dtype=numpy.float64).astype(numpy.float32)
    count, width = array.shape
    if count == 1 and width == 1:
        return array.reshape(())
    if count == 1 or width == 1:
        return array.reshape(count * width)
    return array


def decode_jsonlines(body):
    """JSON Lines to a 2-D float32 array, one row per line.

    Lines are split on LF (one CR before it removed) and numbered from 1;
    lines that are empty or only spaces/tabs are skipped.  Every other line
    must be one JSON array holding no arrays; it is converted like the JSON
    decoder converts a document (numpy.array(row).astype(float32)).  All rows
    must have the same length.  The result has shape (lines, length), even
    for one line.  Errors are BadRequest "line L: ...".
    """
    text = _as_text(body)
    _refuse_empty(text, "JSON Lines")
    rows = []
    first_line = None
    for number, line in enumerate(text.split("\n"), start=1):
        if line.endswith("\r"):
            line = line[:-1]
        if not line.strip(_OWS):
            continue
        where = "line %d" % number
        value = _load_json(line, where)
        if not isinstance(value, list):
            raise BadRequest("%s: expected a JSON array of numbers, found %s" % (where, _json_kind(value)))
        row = _float32_array(value, where)
        if row.ndim != 1:
            raise BadRequest("%s: expected a flat JSON array of numbers, found nested arrays" % where)
        if first_line is None:
            first_line = number
        elif len(row) != len(rows[0]):
            raise BadRequest("%s: this row has %d values but line %d has %d"
                             % (where, len(row), first_line, len(rows[0])))
        rows.append(row)
    if not rows:
        raise BadRequest("the JSON Lines body holds no rows (only blank lines)")
    return numpy.stack(rows)


DECODERS = {
    content_types.JSON: decode_json,
    content_types.CSV: decode_csv,
    content_types.NPY: decode_npy,
    content_types.JSONLINES: decode_jsonlines,
}


def _as_text(body):
    if isinstance(body, str):
        return body
    return bytes(body).decode("utf-8", "replace")


def _as_bytes(body):
    if isinstance(body, str):
        return body.encode("utf-8", "surrogateescape")
    return bytes(body)


def _refuse_empty(body, what):
    if len(body) == 0:
        raise BadRequest("the request body is empty; expected %s" % what)


def _load_json(text, where):
    try:
        return json.loads(text)
    except RecursionError:
        raise BadRequest("%s: JSON nested too deeply" % where) from None
    except ValueError as exc:
        # JSONDecodeError, or an integer literal over Python's 4300-digit limit.
        raise BadRequest("%s is not valid JSON: %s" % (where, exc)) from None


def _float32_array(value, what):
    """numpy.array(value).astype(float32), with numpy's errors as BadRequest."""
    try:
        array = numpy.array(value)
    except ValueError as exc:
        raise BadRequest("%s is not a rectangular array: nested lists differ in length or depth "
                         "(ragged), or nest too deeply (%s)" % (what, exc)) from None
    try:
        with numpy.errstate(over="ignore", invalid="ignore"):
            return array.astype(numpy.float32)
    except TypeError as exc:
        raise BadRequest("%s holds a value that is neither a number nor a numeric string, "
                         "such as a JSON object (%s)" % (what, exc)) from None
    except OverflowError as exc:
        raise BadRequest("%s holds an integer too large for a float (%s)" % (what, exc)) from None
    except ValueError as exc:
        raise BadRequest("%s holds a string that is not a number (%s)" % (what, exc)) from None


def _json_kind(value):
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true or false"
    if value is None:
        return "null"
    return "a number"


def _csv_row(line, number):
    """The float values of one data line; BadRequest for the first bad field."""
    if _CSV_PLAIN_LINE.match(line):  # the common case: the scan below would accept it
        return [float(field) for field in line.split(",")]
    values = []
    position, end, column = 0, len(line), 0
    while True:
        column += 1
        while position < end and line[position] in _OWS:
            position += 1
        if position < end and line[position] == '"':
            field, position = _csv_quoted(line, position + 1, number, column)
        else:
            comma = line.find(",", position)
            if comma < 0:
                comma = end
            field, position = line[position:comma], comma
        values.append(_csv_number(field.strip(_OWS), number, column))
        if position >= end:
            return values
        position += 1  # past the ','


def _csv_quoted(line, position, number, column):
    """Reads a quoted field whose text starts at position; returns (text, position of ',' or end)."""
    pieces = []
    while True:
        close = line.find('"', position)
        if close < 0:
            raise BadRequest("line %d column %d: quoted field is not closed on its line" % (number, column))
        pieces.append(line[position:close])
        if line.startswith('"', close + 1):
            pieces.append('"')
            position = close + 2
            continue
        position = close + 1
        break
    while position < len(line) and line[position] in _OWS:
        position += 1
    if position < len(line) and line[position] != ",":
        raise BadRequest("line %d column %d: unexpected text after the closing quote" % (number, column))
    return "".join(pieces), position


def _csv_number(field, number, column):
    if not field:
        raise BadRequest("line %d column %d: empty field" % (number, column))
    if CSV_NUMBER.match(field) is None:
        shown = field if len(field) <= 40 else field[:40] + "..."
        raise BadRequest("line %d column %d: %r is not a number" % (number, column, shown))
    return float(field)
