"""hookhost: serve a SageMaker-style inference script; the Python side.

For scripts: ``Response`` to answer with a chosen status, headers and body;
``HTTPError`` and its subclasses ``BadRequest`` (400), ``NotAcceptable``
(406) and ``UnsupportedMediaType`` (415) to answer with an error status;
``content_types``, ``decoders`` and ``encoders``: the server's default codecs
(``decoders.decode(body, content_type)``, ``encoders.encode(obj,
content_type)``).  ``negotiation`` and ``defaults`` hold the default Accept
negotiation and hooks.

Importing hookhost loads only the standard library; the numpy-based modules
load on first use (``hookhost.decoders``) or with an explicit import.
"""

import importlib
import os

# A build tree's compiled modules (hookhost._codecs), for `make check` and
# development runs where the .py files come from the source tree.
if os.environ.get("HOOKHOST_EXTENSION_DIR") and os.environ["HOOKHOST_EXTENSION_DIR"] not in __path__:
    __path__.append(os.environ["HOOKHOST_EXTENSION_DIR"])

from . import content_types  # noqa: E402 (after __path__ is complete)
from .errors import BadRequest, HTTPError, NotAcceptable, UnsupportedMediaType
from .response import Response

__version__ = "0.1.0"

__all__ = [
    "BadRequest", "HTTPError", "NotAcceptable", "Response", "UnsupportedMediaType",
    "content_types", "decoders", "defaults", "encoders", "negotiation", "__version__",
]

_LAZY_MODULES = ("decoders", "defaults", "encoders", "negotiation")


def __getattr__(name):
    # PEP 562: import the numpy-based modules when first asked for.
    if name in _LAZY_MODULES:
        return importlib.import_module("." + name, __name__)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def __dir__():
    return sorted(set(globals()) | set(_LAZY_MODULES))
