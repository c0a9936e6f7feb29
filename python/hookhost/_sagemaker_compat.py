"""What the sagemaker_containers and sagemaker_inference compatibility packages share.

The packages themselves live in hookhost/_compat/, a directory the worker
appends to the end of sys.path (a real installed package always wins).
These helpers keep the libraries' value semantics where scripts depend on
them (str from the JSON and CSV encoders, numpy's own dtypes from the JSON
decoder) and use hookhost's codecs where the bytes are the same (the
encoders run the server's C codecs).  Where hookhost is stricter it says so:
NPY bodies holding pickles are refused unless HOOKHOST_NPY_ALLOW_PICKLE=1,
and malformed bodies raise the package's ClientError with status_code 400
instead of a bare 500.
"""

import csv
import io
import json

from . import content_types, encoders
from .errors import BadRequest

# Werkzeug adds "; charset=utf-8" to these mimetypes (and text/*, *+xml).
_CHARSET_MIMETYPES = {
    "application/ecmascript", "application/javascript", "application/sql", "application/xml",
    "application/xml-dtd", "application/xml-external-parsed-entity",
}


class StageStatus(object):
    """Gives UnsupportedFormatError the status the library's server gave it.

    sagemaker_containers answered the error 415 when input_fn raised it and
    406 when output_fn did, whoever constructed it.  hookhost reads an
    exception's ``status_code``, so this property looks at the traceback:
    the outermost frame named input_fn (415) or output_fn (406) decides; an
    explicitly set status_code wins; otherwise None (a 500, as any error).
    """

    _STAGES = {"input_fn": 415, "output_fn": 406}
    _explicit_status = None

    @property
    def status_code(self):
        if self._explicit_status is not None:
            return self._explicit_status
        frames = self.__traceback__
        while frames is not None:
            status = self._STAGES.get(frames.tb_frame.f_code.co_name)
            if status is not None:
                return status
            frames = frames.tb_next
        return None

    @status_code.setter
    def status_code(self, value):
        self._explicit_status = value


def client_error(error_class, message, status=400):
    """An instance of the package's error class carrying an HTTP status for hookhost."""
    error = error_class(message)
    error.status_code = status
    return error


def lookup(table, content_type):
    """table[media type of content_type] (lower-cased, parameters dropped), or None."""
    if not isinstance(content_type, str):
        return None
    return table.get(content_types.media_type(content_type))


def as_text(data):
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data).decode("utf-8", "replace")
    return data


def json_to_numpy(string_like, dtype, error_class):
    """numpy.array(json.loads(string_like), dtype=dtype), as the libraries do."""
    import numpy
    try:
        data = json.loads(as_text(string_like))
    except ValueError as exc:
        raise client_error(error_class, "the body is not valid JSON: %s" % exc) from None
    try:
        return numpy.array(data, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise client_error(error_class, "the JSON body is not an array numpy can hold: %s" % exc) from None


def csv_reader_to_numpy(string_like, dtype, error_class):
    """sagemaker_containers' CSV decoder: csv rows -> numpy array, squeezed,
    converted with astype(dtype) (float64 when dtype is None); a body that is
    not numeric comes back as a string array when no dtype was asked for."""
    import numpy
    try:
        reader = csv.reader(io.StringIO(as_text(string_like)), delimiter=",", quotechar='"', doublequote=True,
                            strict=True)
        array = numpy.array([row for row in reader]).squeeze()
    except Exception as exc:
        raise client_error(error_class, "Error while decoding csv: %s" % exc) from None
    try:
        return array.astype(dtype)
    except ValueError as exc:
        if dtype is not None:
            raise client_error(error_class, "Error while writing numpy array: %s. dtype is: %s"
                               % (exc, dtype)) from None
        return array


def genfromtxt_to_numpy(string_like, dtype, error_class):
    """sagemaker_inference's CSV decoder: numpy.genfromtxt(delimiter=',')."""
    import numpy
    try:
        return numpy.genfromtxt(io.StringIO(as_text(string_like)), dtype=dtype, delimiter=",")
    except ValueError as exc:
        raise client_error(error_class, "Error while decoding csv: %s" % exc) from None


def npy_to_numpy(npy_array, error_class):
    """numpy.load of an NPY body; pickles only with HOOKHOST_NPY_ALLOW_PICKLE=1."""
    from . import decoders
    try:
        return decoders.decode_npy(npy_array)
    except BadRequest as exc:
        raise client_error(error_class, exc.message) from None


def array_to_json(array_like):
    """json.dumps with numpy objects as their tolist(): a str."""
    return encoders.encode(array_like, content_types.JSON).decode("utf-8")


def array_to_csv(array_like):
    """numpy.savetxt(fmt='%s', delimiter=','): a str."""
    return encoders.encode(array_like, content_types.CSV).decode("utf-8")


def array_to_npy(array_like):
    """numpy.save's bytes."""
    return encoders.encode(array_like, content_types.NPY)


def mimetype_content_type(mimetype):
    """The Content-Type Werkzeug makes of a mimetype."""
    if "charset=" in mimetype:
        return mimetype
    if mimetype.startswith("text/") or mimetype in _CHARSET_MIMETYPES or mimetype.endswith("+xml"):
        return mimetype + "; charset=utf-8"
    return mimetype


def body_bytes(response):
    """A Flask-style response argument (None, str, bytes or an iterable of them) as bytes."""
    if response is None:
        return b""
    if isinstance(response, str):
        return response.encode("utf-8")
    if isinstance(response, (bytes, bytearray, memoryview)):
        return bytes(response)
    return b"".join(chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk) for chunk in response)


def status_number(status):
    """200 from 200, "200" or "200 OK"."""
    if isinstance(status, int) and not isinstance(status, bool):
        return status
    text = str(status).strip()
    digits = text.split(" ", 1)[0]
    if not digits.isdigit():
        raise ValueError("not an HTTP status: %r" % (status,))
    return int(digits)
