"""sagemaker_inference encoder (hookhost compatibility): ``encode(array_like, content_type)``.

As the toolkit: a str for JSON (json.dumps, numpy objects via tolist()) and
CSV (numpy.savetxt(fmt='%s', delimiter=',')), bytes for NPY (numpy.save);
``SUPPORTED_CONTENT_TYPES`` names the three.  The bytes come from hookhost's
encoders (the server's C codecs).  Content types match by media type; an
unknown one raises UnsupportedFormatError (406 in output_fn).
"""
from hookhost import _sagemaker_compat as _shared

from sagemaker_inference import content_types, errors


def _array_to_json(array_like):
    return _shared.array_to_json(array_like)


def _array_to_npy(array_like):
    return _shared.array_to_npy(array_like)


def _array_to_csv(array_like):
    return _shared.array_to_csv(array_like)


_encoder_map = {
    content_types.NPY: _array_to_npy,
    content_types.CSV: _array_to_csv,
    content_types.JSON: _array_to_json,
}

SUPPORTED_CONTENT_TYPES = set(_encoder_map)


def encode(array_like, content_type):
    """array_like encoded as content_type; UnsupportedFormatError when there is no encoder."""
    encoder = _shared.lookup(_encoder_map, content_type)
    if encoder is None:
        raise errors.UnsupportedFormatError(content_type)
    return encoder(array_like)
