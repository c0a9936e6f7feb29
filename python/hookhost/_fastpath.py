"""The server's C codecs (the hookhost._codecs extension), when they may run.

decoders.decode and encoders.encode try them first and fall back to the
pure-Python defaults (decode_python, encode_python, the specification) when
they answer NotImplemented, when the extension is not built, or when
HOOKHOST_FASTPATH is off (0, false, no or off, read at every call, as the
server reads it: then the Python codecs alone serve, for comparisons).
"""

import os

try:
    from . import _codecs
except ImportError:
    _codecs = None

FASTPATH_VARIABLE = "HOOKHOST_FASTPATH"
_OFF = ("0", "false", "no", "off")


def codecs():
    """The hookhost._codecs module, or None when absent or switched off."""
    if _codecs is None:
        return None
    value = os.environ.get(FASTPATH_VARIABLE)
    if value is not None and value.strip(" \t").lower() in _OFF:
        return None
    return _codecs
