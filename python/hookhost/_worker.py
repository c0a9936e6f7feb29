"""Inside a hookhost worker: route the user's print() and logging output to the log.

Imported once by the worker before the user script.  sys.stdout and sys.stderr
become line writers that hand every complete line to the worker's log (one
record a line, tagged with the worker), flushing at once so nothing sits in a
buffer when a worker dies.  Output is logged at INFO.

It also appends hookhost/_compat (the sagemaker_containers and
sagemaker_inference compatibility packages) to the very end of sys.path, so
a real installed package of the same name, found earlier, always wins.
"""
import io
import sys

import _hookhost

# hooks.c looks these up here; they live apart so hookhost.testing can share them.
from hookhost._reply import execution_parameters_body, response_parts  # noqa: F401

INFO = 20


class LogWriter(io.TextIOBase):
    """A text stream that turns each written line into a log record."""

    def __init__(self, name, level=INFO):
        super().__init__()
        self._name = name
        self._level = level
        self._pending = ""

    @property
    def name(self):
        return self._name

    @property
    def encoding(self):
        return "utf-8"

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not %s" % type(text).__name__)
        data = self._pending + text
        cut = data.rfind("\n")
        if cut < 0:
            self._pending = data
        else:
            self._pending = data[cut + 1:]
            _hookhost.log(self._level, data[:cut])
        return len(text)

    def flush(self):
        if self._pending:
            pending, self._pending = self._pending, ""
            _hookhost.log(self._level, pending)


sys.stdout = LogWriter("<stdout>")
sys.stderr = LogWriter("<stderr>")


def _append_compat_path():
    import os
    compat = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_compat")
    if os.path.isdir(compat) and compat not in sys.path:
        sys.path.append(compat)


_append_compat_path()
