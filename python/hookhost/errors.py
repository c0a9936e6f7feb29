"""Exceptions that carry an HTTP status.

Raise one from any hook and hookhost answers with its status and the JSON
error body ``{"error": "<class name>", "error-message": "<message>"}``.  The
server reads ``status_code`` (or ``status``) from any exception, so these
classes are a convenience, not a requirement.
"""


class HTTPError(Exception):
    """An error answered with ``status`` (400-599) and ``message``."""

    def __init__(self, status, message=""):
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError("HTTPError status must be an int, not %s" % type(status).__name__)
        if not 400 <= status <= 599:
            raise ValueError("HTTPError status must be between 400 and 599, not %d" % status)
        super().__init__(status, message)
        self.status = status
        self.message = str(message)

    @property
    def status_code(self):
        """The status, under the name Flask/Werkzeug and requests use."""
        return self.status

    def __str__(self):
        return self.message

    def __reduce__(self):
        return (_rebuild, (type(self), self.status, self.message))


def _rebuild(cls, status, message):
    error = Exception.__new__(cls)
    HTTPError.__init__(error, status, message)
    return error


class BadRequest(HTTPError):
    """400: the request body cannot be decoded."""

    def __init__(self, message=""):
        super().__init__(400, message)


class NotAcceptable(HTTPError):
    """406: no type the client accepts can be produced."""

    def __init__(self, message=""):
        super().__init__(406, message)


class UnsupportedMediaType(HTTPError):
    """415: the request's content type has no decoder."""

    def __init__(self, message=""):
        super().__init__(415, message)
