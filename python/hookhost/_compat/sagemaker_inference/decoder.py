"""sagemaker_inference decoder (hookhost compatibility): ``decode(obj, content_type)``.

As the toolkit: JSON -> ``numpy.array(json.loads(obj), dtype)`` (numpy's own
dtypes), CSV -> ``numpy.genfromtxt(delimiter=',')``, NPY -> ``numpy.load``,
NPZ -> ``scipy.sparse.load_npz`` (when scipy is installed).  Content types
match by media type (``application/json; charset=utf-8`` is JSON).
Differences, all safer: NPY bodies holding pickles are refused (400) unless
HOOKHOST_NPY_ALLOW_PICKLE=1; malformed bodies raise ClientError with
status_code 400; an unknown type raises UnsupportedFormatError (415 in
input_fn).
"""
import io

from hookhost import _sagemaker_compat as _shared

from sagemaker_inference import content_types, errors


def _json_to_numpy(string_like, dtype=None):
    return _shared.json_to_numpy(string_like, dtype, errors.ClientError)


def _csv_to_numpy(string_like, dtype=None):
    return _shared.genfromtxt_to_numpy(string_like, dtype, errors.ClientError)


def _npy_to_numpy(npy_array):
    return _shared.npy_to_numpy(npy_array, errors.ClientError)


def _npz_to_sparse(npz_bytes):
    try:
        import scipy.sparse
    except ImportError:
        raise errors.UnsupportedFormatError(content_types.NPZ) from None
    return scipy.sparse.load_npz(io.BytesIO(bytes(npz_bytes)))


_decoder_map = {
    content_types.NPY: _npy_to_numpy,
    content_types.CSV: _csv_to_numpy,
    content_types.JSON: _json_to_numpy,
    content_types.NPZ: _npz_to_sparse,
}


def decode(obj, content_type):
    """obj decoded by content_type's decoder; UnsupportedFormatError when there is none."""
    decoder = _shared.lookup(_decoder_map, content_type)
    if decoder is None:
        raise errors.UnsupportedFormatError(content_type)
    return decoder(obj)
