"""Test an inference script without a server: what hookhost would answer, in-process.

    from hookhost.testing import Harness

    harness = Harness("code/inference.py", "model")          # imports the script, calls model_fn once
    result = harness.invoke(b"[[1.0, 2.0]]", content_type="application/json", accept="text/csv")
    assert result.status == 200
    assert result.headers["Content-Type"] == "text/csv; charset=utf-8"
    result.body, result.array(), result.json()

``Harness(script_path, model_dir, env=None)`` loads the script the way a
hookhost worker does (src/hooks.c): the script's directory first on
sys.path (and hookhost's sagemaker_* compatibility packages last), module
name = file name minus ``.py``, hooks looked up as callable module
attributes, ``transform_fn`` together with ``input_fn``/``predict_fn``/
``output_fn`` refused with the server's message, a missing ``model_fn``
refused, ``model_fn(model_dir)`` called once with ``model_dir`` as a str,
then ``execution_parameters_fn()`` if defined.  A failure raises LoadError
carrying what the server would log (and report on /ping).

``invoke(body, content_type='application/json', accept=None)`` runs one
request through the same chain and returns a Result whose status, headers
and body bytes are those the server would send for a POST /invocations with
that Content-Type and Accept: the same default codecs (the server's C
codecs, hookhost._codecs, when built), the same Accept defaulting and
negotiation, the same return shapes (bytes, str, (body, type), response
objects), the same error bodies ``{"error":...,"error-message":...}`` byte
for byte, the same status rules (an exception's integer ``status_code`` or
``status`` in 400..599, 4xx from the default codecs, 500 otherwise).
content_type None or '' means the header was not sent; accept None means
no Accept header.

``env`` is a dict of environment variables (None removes one) laid over
os.environ while the script loads and while each request runs, e.g.
``{"SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv",
"HOOKHOST_ERROR_TRACEBACKS": "1"}``; hookhost's own variables are checked as
the server checks them (a bad value raises ValueError, where the server
would refuse to start).

What the harness does not do: HTTP itself (limits such as the payload size,
timeouts, 405/404 routes), requirements.txt installs (the script's imports
must already work in the test's interpreter) and worker processes (the
script runs in the calling process and thread; module state persists
between invocations, as in one worker).  Each Harness imports the script
afresh: modules a previous Harness imported from its code directory are
dropped from sys.modules first, so scripts named alike do not collide.
Harnesses are not thread-safe (they lay env and sys.path over the process
while they run).
"""

import contextlib
import ctypes
import importlib
import io
import json
import os
import sys
import traceback

from . import content_types as _content_types
from ._reply import execution_parameters_body, response_parts

__all__ = ["Harness", "LoadError", "Result", "error_json_body"]

DEFAULT_CONTENT_TYPE = "application/json"
HEADERS_MAX = 64 * 1024            # hooks.c HOOKS_HEADERS_MAX
MESSAGE_MAX = 511                  # hooks.c formats its own messages into 512 bytes
_BLANK = " \t\n\r\v\f"             # config.c is_blank
_TRUTHS = ("1", "true", "yes", "on")
_LIES = ("0", "false", "no", "off")
_NAME_SEPARATORS = set('"(),/:;<=>?@[\\]{}')
_BODILESS = (204, 304)
# The media types src/negotiate.c media_type_parse knows: the C decoders' domain.
_CODEC_MEDIA = (_content_types.JSON, _content_types.CSV, _content_types.NPY, _content_types.JSONLINES)
_COMPAT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_compat")

# Modules earlier Harnesses imported from their code directories: (name, module).
_OWNED = []


class LoadError(Exception):
    """The script could not be loaded, as a worker would fail to load it.

    ``name`` and ``message`` are what /ping reports (e.g. ``ScriptError``,
    ``ModuleNotFoundError``); ``traceback`` the formatted traceback ('' for
    hookhost's own checks); ``fatal`` is True for the script errors the
    server exits on with status 3 (no model_fn, transform_fn mixed with the
    other hooks), False for failures it retries (import errors, exceptions
    in model_fn or execution_parameters_fn).
    """

    def __init__(self, name, message, traceback_text="", fatal=False):
        super().__init__("%s: %s" % (name, message))
        self.name = name
        self.message = message
        self.traceback = traceback_text
        self.fatal = fatal


class Headers(dict):
    """The response headers in the order the server sends them; lookups
    ignore case (``headers["content-type"]``).  Keys keep the server's
    spelling.  A name the script sent twice maps to its last value; every
    pair is in Result.header_list."""

    def _key(self, name):
        if isinstance(name, str):
            for key in dict.keys(self):
                if key.lower() == name.lower():
                    return key
        return name

    def __getitem__(self, name):
        return dict.__getitem__(self, self._key(name))

    def __contains__(self, name):
        return dict.__contains__(self, self._key(name))

    def get(self, name, default=None):
        return dict.get(self, self._key(name), default)


class Result(object):
    """One answer: ``status`` (int), ``headers`` (Headers: Content-Length,
    Content-Type when there is one, then the script's own), ``header_list``
    (the same as pairs), ``body`` (bytes), as the server would send them."""

    def __init__(self, status, header_list, body):
        self.status = status
        self.header_list = list(header_list)
        self.headers = Headers()
        for name, value in self.header_list:
            self.headers.pop(self.headers._key(name), None)
            self.headers[name] = value
        self.body = body

    @property
    def content_type(self):
        """The Content-Type header, or None when the answer has none."""
        return self.headers.get("Content-Type")

    @property
    def ok(self):
        return 200 <= self.status <= 299

    @property
    def text(self):
        """The body decoded as UTF-8 (invalid bytes replaced)."""
        return self.body.decode("utf-8", "replace")

    @property
    def error(self):
        """The error body as a dict for an error answer (status >= 400 with a
        JSON body holding "error"), else None."""
        if self.status < 400:
            return None
        try:
            document = json.loads(self.body.decode("utf-8"))
        except ValueError:
            return None
        return document if isinstance(document, dict) and "error" in document else None

    def json(self):
        """The body parsed as JSON."""
        return json.loads(self.body.decode("utf-8"))

    def array(self):
        """The body as a numpy array, read by its Content-Type.

        application/x-npy: numpy.load (no pickles).  application/json:
        numpy.array(json) (dtypes as JSON gives them).  application/jsonlines:
        one row per line.  text/csv: float64 values, shaped as the default
        decoder shapes CSV (one row or one column gives 1-D, one value 0-d).
        Raises ValueError for an error answer or another type.
        """
        import numpy
        if not self.ok:
            raise ValueError("the answer is an error, not an array: %d %s" % (self.status, self.text[:500]))
        media = _content_types.media_type(self.content_type)
        if media == _content_types.NPY:
            return numpy.load(io.BytesIO(self.body), allow_pickle=False)
        if media == _content_types.JSON:
            return numpy.array(self.json())
        if media == _content_types.JSONLINES:
            return numpy.array([json.loads(line) for line in self.text.splitlines() if line.strip()])
        if media == _content_types.CSV:
            rows = [[float(field) for field in line.split(",")] for line in self.text.splitlines() if line.strip()]
            array = numpy.array(rows, dtype=numpy.float64)
            if array.ndim == 2 and array.shape[0] == 1 and array.shape[1] == 1:
                return array.reshape(())
            if array.ndim == 2 and (array.shape[0] == 1 or array.shape[1] == 1):
                return array.reshape(-1)
            return array
        raise ValueError("cannot read a %r body as an array" % (self.content_type,))

    def __repr__(self):
        return "<Result %d %s, %d bytes: %r>" % (self.status, self.content_type, len(self.body), self.body[:80])


# --------------------------------------------------------------------------- the server's error body

def _json_string(text):
    # jansson's escaping (src/error.c uses json_dumps JSON_COMPACT): the two
    # mandatory escapes, short forms for \b \f \n \r \t, \u00XX (upper-case
    # hex) for the other controls, everything else as UTF-8.
    out = ['"']
    for char in text:
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char < " ":
            out.append(_SHORT_ESCAPES.get(char) or "\\u%04X" % ord(char))
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


_SHORT_ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def error_json_body(name, message, trace=None):
    """The bytes of the server's error body (src/error.c error_json_body)."""
    parts = ['{"error":', _json_string(name), ',"error-message":', _json_string(message)]
    if trace is not None:
        parts += [',"stack-trace":', _json_string(trace)]
    parts.append("}")
    return "".join(parts).encode("utf-8")


# --------------------------------------------------------------------------- configuration, as config.c reads it

def _setting(environ, name):
    value = environ.get(name)
    return value if value else None          # an empty variable counts as unset


def _boolean(environ, name, default):
    value = _setting(environ, name)
    if value is None:
        return default
    word = value.strip(_BLANK).lower()
    if word in _TRUTHS:
        return True
    if word in _LIES:
        return False
    raise ValueError('%s="%s": not a boolean (1/0, true/false, yes/no, on/off)' % (name, value))


def _default_accept(environ):
    value = _setting(environ, "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT")
    if value is None:
        return DEFAULT_CONTENT_TYPE
    if any(not 0x20 <= ord(char) <= 0x7e for char in value):
        raise ValueError('SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT="%s": not a valid media type (printable ASCII)'
                         % value)
    return value


# --------------------------------------------------------------------------- exceptions, as pyerror.c reports them

# tp_name follows the PyVarObject head: PyObject (whatever this build makes it) and ob_size.
_TP_NAME_OFFSET = object.__basicsize__ + ctypes.sizeof(ctypes.c_ssize_t)


def _tp_name(cls):
    """The C-level tp_name of a type, which the server prints (e.g. numpy.ndarray)."""
    if sys.implementation.name == "cpython" and isinstance(cls, type):
        try:
            name = ctypes.c_char_p.from_address(id(cls) + _TP_NAME_OFFSET).value.decode("utf-8", "replace")
        except (AttributeError, ValueError, OSError):
            name = ""
        if name.rsplit(".", 1)[-1] == cls.__name__:
            return name
    module = getattr(cls, "__module__", "builtins")
    if cls.__flags__ & (1 << 9) or module == "builtins":   # Py_TPFLAGS_HEAPTYPE
        return cls.__name__
    return "%s.%s" % (module, cls.__name__)


def _c_string(text):
    # The server passes these strings through C: they end at the first NUL.
    return text.split("\0", 1)[0]


def _utf8_or(text, fallback):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return fallback
    return text


def _exception_status(exception):
    for name in ("status_code", "status"):
        try:
            value = getattr(exception, name)
        except Exception:
            continue
        if isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 599:
            return value
    return 500


class _Failure(object):
    """An error reply: status, name, message, trace (as the worker sends them)."""

    def __init__(self, status, name, message, trace=""):
        self.status = status
        self.name = name
        self.message = message
        self.trace = trace

    @classmethod
    def from_exception(cls, exception, with_trace=True):
        name = _c_string(_tp_name(type(exception)).rsplit(".", 1)[-1])
        try:
            text = getattr(exception, "message")
        except Exception:
            text = None
        if not isinstance(text, str):
            try:
                text = str(exception)
            except Exception:
                text = None
        if not isinstance(text, str):
            text = "(the exception could not be printed)"
        message = _c_string(_utf8_or(text, "(the exception could not be printed)"))
        if message == "":
            message = "%s was raised without a message" % _tp_name(type(exception))
        trace = ""
        if with_trace:
            try:
                trace = "".join(traceback.format_exception(type(exception), exception, exception.__traceback__))
                trace = _c_string(_utf8_or(trace, "(the traceback could not be formatted)"))
            except Exception:
                trace = "(the traceback could not be formatted)"
        return cls(_exception_status(exception), name, message, trace)


class _Raised(Exception):
    """Carries a failure out of the chain."""

    def __init__(self, failure):
        super().__init__(failure.message)
        self.failure = failure


def _call(function, *args):
    """function(*args), a failure in it raised as _Raised with the traceback
    starting in the user's frame (as an exception leaving a C call has)."""
    try:
        return function(*args)
    except (Exception, SystemExit) as exception:
        if exception.__traceback__ is not None:
            exception.__traceback__ = exception.__traceback__.tb_next
        failure = _Failure.from_exception(exception)
        raise _Raised(failure) from None


def _codec_call(function, *args):
    """A call into the server's C codecs: their errors carry no traceback."""
    try:
        return function(*args)
    except (Exception, SystemExit) as exception:
        raise _Raised(_Failure.from_exception(exception, with_trace=False)) from None


def _c_error(exception_class, message):
    """An exception hooks.c raises itself (no Python frames in its traceback)."""
    return _Raised(_Failure.from_exception(exception_class(message)))


# --------------------------------------------------------------------------- replies, as hooks.c unpacks them

def _type_error(hook, value):
    return _c_error(TypeError, "%s returned %s; expected bytes, str, a (body, content_type) tuple or a response "
                               "object" % (hook, _tp_name(type(value))[:100]))


def _body_bytes(body, hook):
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return _call(str.encode, body, "utf-8")
    if isinstance(body, (bytearray, memoryview)):
        return _call(bytes, body)
    raise _type_error(hook, body)


def _content_type_text(content_type):
    _call(str.encode, content_type, "utf-8")
    if "\r" in content_type or "\n" in content_type:
        raise _c_error(ValueError, "the response content type contains a line break")
    return content_type


def _has_attribute(value, name):
    try:
        return hasattr(value, name)
    except Exception:
        return False


def _reply_headers(pairs):
    """hooks.c reply_add_header: the pairs the worker passes on, in order."""
    kept, size = [], 0
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            continue
        name, value = pair
        if not isinstance(name, str) or not isinstance(value, str):
            raise _c_error(TypeError, "bad argument type for built-in operation")
        _call(str.encode, name, "utf-8")
        _call(str.encode, value, "utf-8")
        if any(char in name for char in "\r\n:\0") or any(char in value for char in "\r\n\0"):
            continue
        if name.lower() in ("content-length", "transfer-encoding", "connection"):
            continue
        for piece in (name, value):
            size += len(piece.encode("utf-8")) + 1
            if size > HEADERS_MAX:
                raise _c_error(ValueError, "response headers are too large")
        kept.append((name, value))
    return kept


def _reply_from_result(result, accept, hook):
    """(status, content type, [(name, value)], body) from what output_fn/transform_fn returned."""
    if isinstance(result, tuple) and len(result) == 2:
        content_type = result[1]
        if content_type is None:
            content_type = accept
        if not isinstance(content_type, str):
            raise _c_error(TypeError, "%s returned a tuple whose content type is %s, not str"
                           % (hook, _tp_name(type(content_type))[:100]))
        body = _body_bytes(result[0], hook)
        return 200, _content_type_text(content_type), [], body
    if isinstance(result, (bytes, str, bytearray, memoryview)):
        body = _body_bytes(result, hook)
        return 200, _content_type_text(accept), [], body
    if _has_attribute(result, "status_code") or _has_attribute(result, "status"):
        parts = _call(response_parts, result, accept)
        if not isinstance(parts, tuple) or len(parts) != 4:
            raise _c_error(TypeError, "response_parts returned an unexpected value")
        status, content_type, headers, body = parts
        content_type = _content_type_text(content_type)
        headers = _reply_headers(headers) if isinstance(headers, list) else []
        if not isinstance(body, bytes):
            raise _type_error(hook, body)
        return status, content_type, headers, body
    raise _type_error(hook, result)


# --------------------------------------------------------------------------- the master's HTTP answer

def _header_is_safe(name, value):
    """connection.c header_is_safe, on the UTF-8 bytes."""
    name_bytes, value_bytes = name.encode("utf-8"), value.encode("utf-8")
    if not name_bytes:
        return False
    for byte in name_bytes:
        if byte <= 0x20 or byte >= 0x7f or chr(byte) in _NAME_SEPARATORS:
            return False
    return all(not ((byte < 0x20 and byte != 0x09) or byte == 0x7f) for byte in value_bytes)


def _http_answer(status, content_type, headers, body):
    """What dispatch.c and connection.c make of a worker's response frame."""
    if status < 100 or status > 599:
        status = 500
    if status < 200:
        status = 500                           # http_exchange_respond: no 1xx final answers
    header_list = []
    extra = []
    for name, value in headers:
        if not _header_is_safe(name, value):
            continue
        if name.lower() in ("content-length", "transfer-encoding", "connection"):
            continue
        extra.append((name, value))
    if status in _BODILESS:
        body = b""
    else:
        header_list.append(("Content-Length", str(len(body))))
    # An empty content type sends none; otherwise its text up to a NUL, if safe.
    if content_type and _header_is_safe("Content-Type", _c_string(content_type)):
        header_list.append(("Content-Type", _c_string(content_type)))
    return Result(status, header_list + extra, body)


def _error_answer(failure, tracebacks):
    body = error_json_body(failure.name, failure.message, failure.trace if tracebacks else None)
    status = failure.status if 400 <= failure.status <= 599 else 500
    return Result(status, [("Content-Length", str(len(body))), ("Content-Type", "application/json")], body)


# --------------------------------------------------------------------------- the harness

def _find_hook(module, name):
    try:
        hook = getattr(module, name)
    except Exception:
        return None
    return hook if callable(hook) else None


def _accept_is_default(accept):
    accept = accept.strip(" \t")
    return accept == "" or accept == "*/*"


def _is_inside(path, directory):
    try:
        path = os.path.realpath(path)
    except (TypeError, ValueError):
        return False
    return path == directory or path.startswith(directory + os.sep)


class Harness(object):
    """A user script loaded as a hookhost worker loads it; see the module docstring.

    Attributes after loading: ``module`` (the imported script), ``model``
    (what model_fn returned), ``hooks`` ({hook name: "user" | "default" |
    "none"}, as the worker logs them), ``execution_parameters`` (bytes of
    /execution-parameters from execution_parameters_fn, or None),
    ``script_path``, ``code_dir``, ``model_dir``, ``program``.
    """

    def __init__(self, script_path, model_dir, env=None):
        self.script_path = os.path.abspath(os.fspath(script_path))
        self.code_dir = os.path.dirname(self.script_path)
        self.program = os.path.basename(self.script_path)
        self.module_name = self.program[:-3] if self.program.endswith(".py") else self.program
        self.model_dir = os.fspath(model_dir)
        self.env = dict(env or {})
        self._owned = []
        self._closed = False
        environ = dict(os.environ)
        for name, value in self.env.items():
            if value is None:
                environ.pop(name, None)
            else:
                environ[name] = value
        self.default_accept = _default_accept(environ)
        self.tracebacks = _boolean(environ, "HOOKHOST_ERROR_TRACEBACKS", False)
        _boolean(environ, "HOOKHOST_NPY_ALLOW_PICKLE", False)
        fastpath = _boolean(environ, "HOOKHOST_FASTPATH", True)
        from . import _fastpath
        self._codecs = _fastpath._codecs if fastpath else None
        if not self.module_name:
            raise ValueError('SAGEMAKER_PROGRAM="%s": no module name before .py' % self.program)
        if not os.path.isfile(self.script_path):
            raise LoadError("ConfigurationError", "SAGEMAKER_PROGRAM=%s: no such file in the code directory %s"
                            % (self.program, self.code_dir), fatal=True)
        self._load()

    # ---- loading

    def _load(self):
        from . import defaults
        self._defaults = defaults
        code_dir = os.path.realpath(self.code_dir)
        for name, module in _OWNED:
            if sys.modules.get(name) is module:
                del sys.modules[name]
        del _OWNED[:]
        before = set(sys.modules)
        importlib.invalidate_caches()
        try:
            with self._active(own_modules=False):
                self.module = self._load_module()
        finally:
            for name in set(sys.modules) - before:
                module = sys.modules.get(name)
                if module is not None and _is_inside(getattr(module, "__file__", None), code_dir):
                    self._owned.append((name, module))
            module = sys.modules.get(self.module_name)
            if module is not None and (self.module_name, module) not in self._owned and self.module_name not in before:
                self._owned.append((self.module_name, module))
            _OWNED.extend(self._owned)

    def _load_module(self):
        try:
            module = _call(importlib.import_module, self.module_name)
        except _Raised as raised:
            raise LoadError(raised.failure.name, raised.failure.message, raised.failure.trace) from None
        self.input_fn = _find_hook(module, "input_fn")
        self.predict_fn = _find_hook(module, "predict_fn")
        self.output_fn = _find_hook(module, "output_fn")
        self.transform_fn = _find_hook(module, "transform_fn")
        if self.transform_fn is not None and (self.input_fn or self.predict_fn or self.output_fn):
            message = ("cannot use transform_fn with input_fn, predict_fn and/or output_fn: %s defines transform_fn"
                       "%s%s%s; define transform_fn alone, or the other three without it"
                       % (self.program, " and input_fn" if self.input_fn else "",
                          " and predict_fn" if self.predict_fn else "", " and output_fn" if self.output_fn else ""))
            raise LoadError("ScriptError", _clip(message), fatal=True)
        model_fn = _find_hook(module, "model_fn")
        if model_fn is None:
            raise LoadError("ScriptError", _clip("%s does not define model_fn(model_dir), which hookhost calls once "
                                                 "per worker to load the model" % self.program), fatal=True)
        unused = "none" if self.transform_fn else "default"     # as hooks.c hooks_origin reports them
        self.hooks = {
            "model_fn": "user",
            "input_fn": "user" if self.input_fn else unused,
            "predict_fn": "user" if self.predict_fn else unused,
            "output_fn": "user" if self.output_fn else unused,
            "transform_fn": "user" if self.transform_fn else "none",
        }
        try:
            self.model = _call(model_fn, self.model_dir)
            parameters_fn = _find_hook(module, "execution_parameters_fn")
            self.hooks["execution_parameters_fn"] = "user" if parameters_fn else "none"
            self.execution_parameters = None
            if parameters_fn is not None:
                self.execution_parameters = _call(execution_parameters_body, _call(parameters_fn))
        except _Raised as raised:
            raise LoadError(raised.failure.name, raised.failure.message, raised.failure.trace) from None
        return module

    @contextlib.contextmanager
    def _active(self, own_modules=True):
        """The worker's view while the script runs: env, sys.path, this script's modules."""
        saved_env = {name: os.environ.get(name) for name in self.env}
        for name, value in self.env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        sys.path.insert(0, self.code_dir)
        added_compat = _COMPAT_DIR not in sys.path and os.path.isdir(_COMPAT_DIR)
        if added_compat:
            sys.path.append(_COMPAT_DIR)
        saved_modules = {}
        if own_modules:
            for name, module in self._owned:
                saved_modules[name] = sys.modules.get(name)
                sys.modules[name] = module
        try:
            yield
        finally:
            for name, previous in saved_modules.items():
                if previous is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = previous
            if added_compat and _COMPAT_DIR in sys.path:
                sys.path.remove(_COMPAT_DIR)
            if self.code_dir in sys.path:
                sys.path.remove(self.code_dir)
            for name, value in saved_env.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    # ---- requests

    def invoke(self, body=b"", content_type=DEFAULT_CONTENT_TYPE, accept=None):
        """One POST /invocations; returns the Result the server would send.

        body: bytes-like or str (sent as UTF-8).  content_type: the
        Content-Type (or ContentType) header, None/'' for none.  accept: the
        Accept header, None for none.
        """
        if self._closed:
            raise RuntimeError("this Harness is closed")
        if body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode("utf-8")
        else:
            body = bytes(body)
        if content_type:
            content_type_value = content_type
            media = _content_types.media_type(content_type)
        else:
            content_type_value = DEFAULT_CONTENT_TYPE
            media = _content_types.JSON
        accept_value = self.default_accept if _accept_is_default(accept or "") else accept
        with self._active():
            try:
                return _http_answer(*self._chain(body, media, content_type_value, accept_value))
            except _Raised as raised:
                return _error_answer(raised.failure, self.tracebacks)

    def _body_object(self, media, body):
        if media in _content_types.UTF8_TYPES:
            return body.decode("utf-8", "replace")
        return body

    def _chain(self, body, media, content_type, accept):
        if self.transform_fn is not None:
            result = _call(self.transform_fn, self.model, self._body_object(media, body), content_type, accept)
            return _reply_from_result(result, accept, "transform_fn")
        data = self._input(body, media, content_type)
        prediction = _call(self.predict_fn or self._defaults.default_predict_fn, data, self.model)
        return self._output(prediction, accept)

    def _input(self, body, media, content_type):
        if self.input_fn is None and self._codecs is not None and media in _CODEC_MEDIA:
            data = _codec_call(self._codecs.decode, body, content_type)
            if data is not NotImplemented:
                return data
        return _call(self.input_fn or self._defaults.default_input_fn, self._body_object(media, body), content_type)

    def _output(self, prediction, accept):
        if self.output_fn is None and self._codecs is not None:
            from . import negotiation
            media = _codec_call(negotiation.negotiate, accept, negotiation.SUPPORTED, self.default_accept)
            encoded = _codec_call(self._codecs.encode, prediction, media)
            if encoded is not NotImplemented:
                return 200, _content_types.RESPONSE_CONTENT_TYPES[media], [], encoded
        result = _call(self.output_fn or self._defaults.default_output_fn, prediction, accept)
        return _reply_from_result(result, accept, "output_fn")

    # ---- life

    def close(self):
        """Drops the script's modules from sys.modules (they stay usable through this object's hooks)."""
        for name, module in self._owned:
            if sys.modules.get(name) is module:
                del sys.modules[name]
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self):
        return "<Harness %s model_dir=%s hooks=%s>" % (self.script_path, self.model_dir, self.hooks)


def _clip(message):
    # hooks.c writes these messages into a 512-byte buffer.
    data = message.encode("utf-8")
    if len(data) <= MESSAGE_MAX:
        return message
    return data[:MESSAGE_MAX].decode("utf-8", "ignore")
