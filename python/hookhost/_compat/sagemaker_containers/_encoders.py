"""sagemaker_containers encoders (hookhost compatibility): encode/decode for JSON, CSV and NPY.

As the library: ``encode(array_like, content_type)`` returns a str for JSON
and CSV and bytes for NPY; ``decode(obj, content_type)`` returns
``numpy.array(json.loads(obj), dtype)`` for JSON (numpy's own dtypes),
csv rows converted with ``astype`` (float64) for CSV, ``numpy.load`` for
NPY.  The encoders are hookhost's (the server's C codecs): the same bytes
as json.dumps / numpy.savetxt(fmt='%s') / numpy.save.  Content types match
by media type (``application/json; charset=utf-8`` is JSON).

Differences, all safer: NPY bodies holding pickles are refused (400) unless
HOOKHOST_NPY_ALLOW_PICKLE=1; malformed bodies raise ClientError with
status_code 400.  ``UnsupportedFormatError`` for a type with no codec is
answered 415 in input_fn and 406 in output_fn, as the library's server
answered it.  Not covered: ``array_to_recordio_protobuf``.
"""
from hookhost import _sagemaker_compat as _shared

from sagemaker_containers import _content_types, _errors


def array_to_npy(array_like):
    """array_like as the bytes of an NPY file."""
    return _shared.array_to_npy(array_like)


def npy_to_numpy(npy_array):
    """An NPY body as a numpy array."""
    return _shared.npy_to_numpy(npy_array, _errors.ClientError)


def array_to_json(array_like):
    """array_like as JSON text (numpy objects via tolist())."""
    return _shared.array_to_json(array_like)


def json_to_numpy(string_like, dtype=None):
    """A JSON document as numpy.array(data, dtype=dtype)."""
    return _shared.json_to_numpy(string_like, dtype, _errors.ClientError)


def csv_to_numpy(string_like, dtype=None):
    """CSV text as a squeezed numpy array (float64 unless dtype says otherwise)."""
    return _shared.csv_reader_to_numpy(string_like, dtype, _errors.ClientError)


def array_to_csv(array_like):
    """array_like as CSV text, one row per line (a 1-D array is one column)."""
    return _shared.array_to_csv(array_like)


_encoders_map = {
    _content_types.NPY: array_to_npy,
    _content_types.CSV: array_to_csv,
    _content_types.JSON: array_to_json,
}
_decoders_map = {
    _content_types.NPY: npy_to_numpy,
    _content_types.CSV: csv_to_numpy,
    _content_types.JSON: json_to_numpy,
}
SUPPORTED_CONTENT_TYPES = set(_encoders_map)


def decode(obj, content_type):
    """obj decoded by content_type's decoder; UnsupportedFormatError when there is none."""
    decoder = _shared.lookup(_decoders_map, content_type)
    if decoder is None:
        raise _errors.UnsupportedFormatError(content_type)
    return decoder(obj)


def encode(array_like, content_type):
    """array_like encoded as content_type; UnsupportedFormatError when there is no encoder."""
    encoder = _shared.lookup(_encoders_map, content_type)
    if encoder is None:
        raise _errors.UnsupportedFormatError(content_type)
    return encoder(array_like)
