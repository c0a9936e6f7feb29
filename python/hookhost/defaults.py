"""The default hooks the hookhost worker calls when a script leaves one out.

default_input_fn(body, content_type) -> data
    decoders.decode by the media type of content_type.
default_predict_fn(data, model) -> prediction
    Chainer style (CONTRACT.md section 3): when ``chainer`` imports, the
    model runs inside ``chainer.using_config('train', False)`` and
    ``chainer.no_backprop_mode()``; without it, plainly.  The result is then
    unwrapped: a chainer Variable becomes its array (``.array``, or ``.data``
    on Chainer before 3), also inside a tuple or list (recursively, keeping
    list/tuple/namedtuple types); a GPU (cupy) array is copied to host memory
    with its ``.get()``.  Without chainer a Variable is recognised by duck
    typing: an instance of a class named ``Variable`` whose ``.array`` (or
    ``.data``) is a numpy or cupy array.  A cupy array is any object of a
    type defined in the ``cupy`` package that has a ``get`` method.
default_output_fn(prediction, accept) -> (bytes, content type)
    negotiation.negotiate picks the type (the configured default accept,
    SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT or application/json, breaks
    wildcard ties and replaces an empty or */* header), encoders.encode
    writes it, and content_types.RESPONSE_CONTENT_TYPES names it.
"""

import functools
import logging
import os

import numpy

from . import content_types, decoders, encoders, negotiation

DEFAULT_ACCEPT_VARIABLE = "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT"


def default_input_fn(body, content_type):
    """Decodes the request body into a numpy array by its content type."""
    return decoders.decode(body, content_type)


def default_predict_fn(data, model):
    """Calls model(data) Chainer style and returns the result as host arrays."""
    chainer = chainer_module()
    if chainer is None:
        prediction = model(data)
    else:
        with chainer.using_config("train", False), chainer.no_backprop_mode():
            prediction = model(data)
    return unwrap(prediction, chainer)


def default_output_fn(prediction, accept):
    """Encodes the prediction in the type the Accept header prefers.

    Returns (body bytes, Content-Type); raises NotAcceptable (406).
    """
    default = os.environ.get(DEFAULT_ACCEPT_VARIABLE) or content_types.JSON
    media = negotiation.negotiate(accept, default=default)
    return encoders.encode(prediction, media), content_types.RESPONSE_CONTENT_TYPES[media]


@functools.lru_cache(maxsize=None)
def chainer_module():
    """The chainer module, or None when it does not import.

    Imported once per process: the result, None included, is cached, so a
    missing chainer costs one failed import, not one per request.
    """
    try:
        import chainer
    except ImportError:
        return None
    except Exception:  # a broken install: serve without it rather than fail every request
        logging.getLogger("hookhost").warning("chainer is installed but fails to import; "
                                              "default predict_fn runs without it", exc_info=True)
        return None
    return chainer


def unwrap(value, chainer=None):
    """value with Variables replaced by their arrays and cupy arrays by numpy ones."""
    if isinstance(value, list):
        return [unwrap(item, chainer) for item in value]
    if isinstance(value, tuple):
        items = [unwrap(item, chainer) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if _is_variable(value, chainer):
        value = _variable_array(value)
    if _is_cupy_array(value):
        value = value.get()
    return value


def _is_variable(value, chainer):
    if chainer is not None:
        variable_class = getattr(chainer, "Variable", None)
        if isinstance(variable_class, type) and isinstance(value, variable_class):
            return True
    if type(value).__name__ != "Variable":
        return False
    array = _variable_array(value)
    return array is not None and (isinstance(array, numpy.ndarray) or _is_cupy_array(array))


def _variable_array(variable):
    array = getattr(variable, "array", None)
    if array is None:
        array = getattr(variable, "data", None)
    return array


def _is_cupy_array(value):
    module = type(value).__module__ or ""
    return (module == "cupy" or module.startswith("cupy.")) and callable(getattr(value, "get", None))
