"""Response: what an output_fn or transform_fn may return to set the status,
headers and body of the answer itself.

The server takes the status from ``status_code``, the headers from
``headers`` (a dict; Content-Type among them when given) and the body from
``body``.  Without a content type the answer's Content-Type is the accept
type the request was served with.
"""


class Response(object):
    """An HTTP answer: ``Response(body, status=200, content_type=None, headers=None)``.

    ``body`` is bytes (or bytearray/memoryview) or str (sent as UTF-8); None
    is an empty body.  ``headers`` is a mapping or (name, value) pairs;
    ``content_type``, when given, becomes the ``Content-Type`` header,
    replacing one in ``headers`` whatever its case.
    """

    def __init__(self, body, status=200, content_type=None, headers=None):
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError("Response status must be an int, not %s" % type(status).__name__)
        if not 100 <= status <= 599:
            raise ValueError("Response status must be between 100 and 599, not %d" % status)
        self.status = status
        self.body = _body_bytes(body)
        self.headers = dict(headers or {})
        if content_type is not None:
            for name in [name for name in self.headers if name.lower() == "content-type"]:
                del self.headers[name]
            self.headers["Content-Type"] = content_type

    @property
    def status_code(self):
        """The status, under the name Flask/Werkzeug use."""
        return self.status

    @property
    def content_type(self):
        """The Content-Type header (any case), or None when there is none."""
        for name, value in self.headers.items():
            if name.lower() == "content-type":
                return value
        return None

    def get_data(self):
        """The body as bytes, as Werkzeug's Response.get_data() gives it."""
        return self.body

    def __repr__(self):
        return "<Response %d %s, %d bytes>" % (self.status, self.content_type, len(self.body))


def _body_bytes(body):
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    raise TypeError("Response body must be bytes or str, not %s" % type(body).__name__)
